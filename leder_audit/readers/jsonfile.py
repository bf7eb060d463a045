"""JSON (one record or a list) and NDJSON/JSON Lines readers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

from ..intake import Incoming, json_kind
from ..findings import Rejection
from ..paths import step

BOM = b"\xef\xbb\xbf"
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
            return step(path, str(value.duplicate)), "this key is given twice in the record, with two values; keep one"
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


def load_document(path: Path) -> Any:
    """A whole JSON file parsed, or the Rejection that says why it cannot be (none of it is checked then)."""
    source = str(path)
    try:
        text = path.read_bytes().removeprefix(BOM).decode("utf-8")
        # A blank file holds no records, like an empty list; it is not a broken one.
        return loads(text) if text.strip() else []
    except UnicodeDecodeError as error:
        before = error.object[: error.start]
        line, line_start = before.count(b"\n") + 1, before.rfind(b"\n") + 1
        return Rejection(source=source, location=f"line {line}",
                         message=f"not valid UTF-8: byte {error.start - line_start + 1} of the line is "
                                 f"0x{error.object[error.start]:02X}; save the file as UTF-8; "
                                 "no record in this file was checked")
    except RecursionError:
        return Rejection(source=source, location="document",
                         message="the JSON is nested too deeply to read; no record in this file was checked")
    except json.JSONDecodeError as error:
        return Rejection(source=source, location=f"line {error.lineno}, column {error.colno}",
                         message=f"invalid JSON: {error.msg.removesuffix(' at')}; no record in this file was checked")


def read_json(path: Path) -> Iterator[Incoming | Rejection]:
    """A .json file holding one record object or a list of them."""
    source = str(path)
    data = load_document(path)
    if isinstance(data, Rejection):
        yield data
        return
    records = data if isinstance(data, list) else [data]
    for number, record in enumerate(records, 1):
        location = f"record {number}" if isinstance(data, list) else "record 1"
        problem = problem_in(record)
        if problem:
            ident = record.get("id") if isinstance(record, dict) else None
            yield Rejection(source=source, location=location, field=problem[0], message=problem[1],
                            record_id=ident if isinstance(ident, str) and ident.strip() and not problem_in(ident) else None)
        elif isinstance(record, dict):
            yield Incoming(record, source, location)
        else:  # a string here is a value, never JSON text to parse again
            yield Rejection(source=source, location=location,
                            message=f"a record must be a JSON object, not {json_kind(record)}")


def read_ndjson(path: Path) -> Iterator[Incoming | Rejection]:
    """A file of one JSON record per line; blank lines are skipped, bad lines rejected alone."""
    source = str(path)
    with path.open("rb") as handle:
        for number, line in enumerate(handle, 1):
            if number == 1:
                line = line.removeprefix(BOM)
            if not line or line.isspace():  # isspace stops at the first character of a record: no copy
                continue
            yield Incoming(line, source, f"line {number}")
