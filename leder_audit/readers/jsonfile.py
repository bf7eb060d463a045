"""JSON (one record or a list) and NDJSON/JSON Lines readers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

from ..engine import Incoming
from ..findings import Rejection

BOM = b"\xef\xbb\xbf"


def load_document(path: Path) -> Any:
    """A whole JSON file parsed, or the Rejection that says why it cannot be (none of it is checked then)."""
    source = str(path)
    try:
        return json.loads(path.read_bytes().removeprefix(BOM).decode("utf-8"))
    except UnicodeDecodeError as error:
        return Rejection(source=source, location=f"byte {error.start}", message="the file is not valid UTF-8")
    except json.JSONDecodeError as error:
        return Rejection(source=source, location=f"line {error.lineno}, column {error.colno}",
                         message=f"invalid JSON: {error.msg}; no record in this file was checked")


def read_json(path: Path) -> Iterator[Incoming | Rejection]:
    """A .json file holding one record object or a list of them."""
    source = str(path)
    data = load_document(path)
    if isinstance(data, Rejection):
        yield data
        return
    records = data if isinstance(data, list) else [data]
    for number, record in enumerate(records, 1):
        yield Incoming(record, source, f"record {number}" if isinstance(data, list) else "record 1")


def read_ndjson(path: Path) -> Iterator[Incoming | Rejection]:
    """A file of one JSON record per line; blank lines are skipped, bad lines rejected alone."""
    source = str(path)
    with path.open("rb") as handle:
        for number, line in enumerate(handle, 1):
            if number == 1:
                line = line.removeprefix(BOM)
            if not line.strip():
                continue
            yield Incoming(line, source, f"line {number}")
