"""JSON (one record or a list) and NDJSON/JSON Lines readers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

from ..intake import Incoming, json_kind
from ..findings import Rejection
from ..jsontext import loads, problem_in

BOM = b"\xef\xbb\xbf"


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
