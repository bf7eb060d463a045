"""Field paths: how a place in a record is written (`part1[0].text`) and read back.

One notation everywhere a path is shown: a finding's location and evidence, a rejection's field, an
error in a service request, an explanation's item. Keys are joined with dots and list indexes are in
brackets. A column name or a mapping target may also write an index as a dotted number (`part1.0.text`)
or a Part I line by its letter (`part1.a.text`); `parse` reads all three.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

Segment = str | int
FieldPath = tuple[Segment, ...]

# Part I lines are written I(a) to I(d) on the certificate; a column may name them by letter.
CAUSE_LINE_LETTERS = "abcd"
_BRACKET = re.compile(r"\[(\d+)\]")

# No record has lists this long (Part I has four lines); a larger index is a typo or an attack that would
# build a list of millions of empty entries.
MAX_LIST_INDEX = 63


class BadPath(ValueError):
    """A name that is not a field path (the message never repeats the name: it may be a value)."""


def step(path: str, key: Segment) -> str:
    """The path one key or list index further in: step("part1", 0) -> "part1[0]"; step("", "id") -> "id"."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def render(segments: Iterable[Any]) -> str:
    """A sequence of keys and indexes (a pydantic error location, say) as a path: ('part1', 1, 'text') ->
    part1[1].text."""
    path = ""
    for segment in segments:
        path = step(path, segment)
    return path


def parse(name: str) -> FieldPath:
    """`part1.a.text`, `part1.0.text` or `part1[0].text` -> ('part1', 0, 'text')."""
    segments: list[Segment] = []
    for part in _BRACKET.sub(r".\1", name.strip()).split("."):
        part = part.strip()
        if not part:
            raise BadPath("it has an empty part")
        if part.isdigit():
            if int(part) > MAX_LIST_INDEX:
                raise BadPath(f"a list index above {MAX_LIST_INDEX}")
            segments.append(int(part))
        elif len(part) == 1 and part.lower() in CAUSE_LINE_LETTERS and segments and segments[-1] == "part1":
            segments.append(CAUSE_LINE_LETTERS.index(part.lower()))
        else:
            segments.append(part)
    if isinstance(segments[0], int):
        raise BadPath("it starts with a list index")
    return tuple(segments)


def value_at(record: Any, path: str | FieldPath) -> Any:
    """The value at a path in nested dicts and lists (or objects with those attributes); None where absent."""
    value = record
    for segment in parse(path) if isinstance(path, str) else path:
        if isinstance(segment, int):
            value = value[segment] if isinstance(value, list) and -len(value) <= segment < len(value) else None
        elif isinstance(value, dict):
            value = value.get(segment)
        else:
            value = getattr(value, segment, None)
        if value is None:
            return None
    return value
