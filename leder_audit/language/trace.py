"""What an explanation is made of: values with the field paths they were read from, the steps of a rule and
the words or codes its functions found, and how a value is shown in a finding."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import BaseModel

from ..paths import step
from .functions import Sighting
from .nodes import Duration


@dataclass(slots=True)
class Located:
    """A value with the field path it was read from, when it was read from one."""

    value: Any
    path: str | None = None
    item_paths: list[str | None] | None = None


@dataclass(slots=True)
class Step:
    expression: str
    value: Any
    inputs: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Trace:
    """What an evaluation saw: each top-level sub-condition, and the words or codes it found."""

    steps: list[Step] = field(default_factory=list)
    sightings: list[tuple[Sighting, str | None]] = field(default_factory=list)
    reads: dict[str, Any] = field(default_factory=dict)


MAX_INPUTS = 12


_AS_THEY_ARE = frozenset({type(None), bool, int, float})


def _as_json(value: Any) -> Any:
    """Record data as `model_dump(mode="json", exclude_none=True)` gives it."""
    if isinstance(value, dict):
        return {key: _as_json(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_as_json(item) for item in value]
    return value.isoformat() if isinstance(value, date) else value


def plain(value: Any) -> Any:
    """A JSON-ready rendering of a language value."""
    if type(value) in _AS_THEY_ARE:
        return value
    if isinstance(value, (date, Duration)):
        return value.isoformat() if isinstance(value, date) else str(value)
    if isinstance(value, list):
        return [plain(v) for v in value[:MAX_INPUTS]]
    if isinstance(value, dict):  # a part of a record, as its model would show it
        return _as_json(value)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, str) and len(value) > 500:
        return value[:500] + "..."
    return value




HOLDERS = (dict, BaseModel)  # records and parts of them: what holds recorded values, never shown as an input


def with_items(value: Any, path: str | None) -> Located:
    """A value read from a path; a list with the path of each of its items."""
    if isinstance(value, list) and path is not None:
        return Located(value, path, [step(path, i) for i in range(len(value))])
    return Located(value, path)


def subset(items: list[Any], source: Located) -> Located:
    """Items kept from the source list, each with the path it had there."""
    by_identity = {id(v): p for v, p in zip(source.value, source.item_paths or [])}
    return Located(items, None, [by_identity.get(id(v)) for v in items])
