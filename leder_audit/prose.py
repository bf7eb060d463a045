"""Values as they read in a finding's message: lists as a sentence, yes and no, dates, never Python syntax."""

from __future__ import annotations

from datetime import date
from typing import Any

NOT_RECORDED = "not recorded"


def prose(value: Any) -> str:
    """A value written for a reader: ["GP", "dentist"] -> "GP and dentist", True -> "yes", None -> "not recorded"."""
    if value is None:
        return NOT_RECORDED
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (list, tuple)):
        return _series([prose(item) for item in value if not _blank(item)])
    if isinstance(value, dict):
        return _series([f"{key.replace('_', ' ')}: {prose(item)}" for key, item in value.items() if not _blank(item)])
    return " ".join(str(value).split())


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == [] or value == {}


def _series(items: list[str]) -> str:
    """Items joined as English: "a", "a and b", "a, b and c"; none at all is "none recorded"."""
    if not items:
        return "none recorded"
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """A count and its noun as a reader says them: 1 finding, 2 findings, 12,345 records."""
    return f"{number:,} {noun if number == 1 else plural or noun + 's'}"


def were(number: int) -> str:
    """The verb after a count: 1 finding was, 2 findings were."""
    return "was" if number == 1 else "were"
