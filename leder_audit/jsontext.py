"""JSON text read strictly: a key given twice, an unreadable number or a lone surrogate is kept visible.

Two entry points. `loads` parses with a duplicate-detecting hook (the .json and FHIR readers, which
parse whole documents in Python anyway). `repeated_key` answers the same question for a record that
pydantic parsed straight from its bytes (.ndjson lines, Spark rows), where a repeated key has already
been dropped: it re-parses only when a cheap count says a key may have been lost.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic_core import PydanticSerializationError, to_json

from .paths import step

MAX_DIGITS = 4300  # Python's own limit on turning digits into an int


class _Duplicated(dict):  # type: ignore[type-arg]
    """A JSON object that gave a key twice: the record it is in is rejected, never read with one value lost."""

    duplicate: str


class _Unreadable:
    """A JSON value that cannot be a record's value (a number too long to read, NaN, Infinity)."""

    def __init__(self, what: str) -> None:
        self.what = what


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    made = dict(pairs)
    if len(made) == len(pairs):
        return made
    duplicated = _Duplicated(made)
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            duplicated.duplicate = key
            break
        seen.add(key)
    return duplicated


def _integer(digits: str) -> int | _Unreadable:
    if len(digits) - digits.startswith("-") > MAX_DIGITS:
        return _Unreadable(f"a number of {len(digits):,} digits, too long to read")
    return int(digits)


def _constant(name: str) -> _Unreadable:
    return _Unreadable(f"{name}, which is not a JSON number")


REPEATED = "this key is given twice in the record, with two values; keep one"
_DECODER = json.JSONDecoder(object_pairs_hook=_object, parse_int=_integer, parse_constant=_constant)


def loads(text: str | bytes) -> Any:
    """JSON text parsed strictly: duplicate keys, over-long numbers and NaN are kept visible for problem_in."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    return _DECODER.decode(text)


def problem_in(value: Any, path: str = "") -> tuple[str | None, str] | None:
    """The field and the reason a parsed record cannot be read as written (a key given twice, an unreadable
    number, a lone surrogate), never repeating its value; None when it can be."""
    if isinstance(value, dict):
        if isinstance(value, _Duplicated):
            return step(path, str(value.duplicate)), REPEATED
        for key, item in value.items():
            found = problem_in(item, step(path, str(key)))
            if found:
                return found
    elif isinstance(value, list):
        for number, item in enumerate(value):
            found = problem_in(item, step(path, number))
            if found:
                return found
    elif isinstance(value, _Unreadable):
        return path or None, f"the value is {value.what}"
    elif isinstance(value, str) and not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path or None, "the text holds a lone surrogate escape (such as \\ud800), which is not text"
    return None


# A key ends at a quote followed by a colon (`"name":`, or `"name" :`). The same bytes inside a string (an
# escaped quote and a colon) make the count larger, and other spacing (`"name"\t:`) makes it smaller: either
# sends the record to the exact check, never past it.
_KEY_END = b'":'
_SPACED_KEY_END = b'" :'
_NULL_VALUES = (b'":null', b'": null')


def repeated_key(raw: bytes | str, fields: dict[str, Any]) -> str | None:
    """The path of a key given twice in the JSON text `raw` (`person.age`), which was parsed into `fields`.

    `fields` holds every declared field (None when absent) and every key the text gave, each once. So
    when no key is repeated, the text has as many keys with a non-null value as `fields` has, and each key
    the text gives as null is written in it no more often than in `fields`. Counting these (in bytes:
    `fields` is written back out by pydantic-core, which is quick) costs a fraction of the parse; only
    when a count differs, or the text is written so a count could be wrong, is it parsed again with a hook
    that sees every key.
    """
    text = raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogatepass")
    nulls = text.count(_NULL_VALUES[0]) + text.count(_NULL_VALUES[1])
    written = text.count(_KEY_END) + text.count(_SPACED_KEY_END) - nulls
    try:
        held = to_json(fields)
    except (PydanticSerializationError, ValueError):
        held = b""
    unsure = (written != held.count(_KEY_END) - held.count(_NULL_VALUES[0])
              or (nulls and (text.count(b"null") != nulls or _null_key_written_more_often(text, held)))
              or _may_hide_a_key(text))
    if not unsure:
        return None
    try:
        return _first_repeated(loads(text), "")
    except (ValueError, RecursionError):
        return None


# A repeated key makes the count of keys larger; these can make it smaller, so that the two cancel out: a key's
# closing quote followed by other spacing than one space (`"name"\t:`, `"name"  :`), or a quote or colon in a
# string written as a \u escape (`\u0022:`, which pydantic-core writes back as `\":`).
_HIDING = (b'"\t', b'"\n', b'"\r', b'"  ', b'" \t', b'" \n', b'" \r')
_HIDING_ESCAPES = (b"\\u0022", b"\\u003a", b"\\u003A")


def _may_hide_a_key(text: bytes) -> bool:
    if any(form in text for form in _HIDING):
        return True
    return text.find(b"\\") >= 0 and any(form in text for form in _HIDING_ESCAPES)


def _null_key_written_more_often(text: bytes, held: bytes) -> bool:
    """Whether a key the text gives as null appears in it, as a key, more often than in what was read:
    a key given first as null and then with a value (`"rationale": null, "rationale": "..."`)."""
    for form in _NULL_VALUES:
        at = text.find(form)
        while at >= 0:
            start = text.rfind(b'"', 0, at) + 1
            if start < 2 or text[start - 2] == 0x5C:  # a backslash: the name holds an escaped quote
                return True
            key = text[start - 1:at] + _KEY_END
            if text.count(key) > held.count(key):
                return True
            at = text.find(form, at + 1)
    return False


def _first_repeated(value: Any, path: str) -> str | None:
    if isinstance(value, _Duplicated):
        return step(path, str(value.duplicate))
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found = _first_repeated(item, step(path, key if isinstance(key, int) else str(key)))
        if found:
            return found
    return None
