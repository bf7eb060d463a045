"""Readers: each turns a file into records to check, or rejections with their reasons."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from ..engine import Incoming
from ..errors import InputError
from ..findings import Rejection
from . import jsonfile

Item = Incoming | Rejection

READERS = {"json": jsonfile.read_json, "ndjson": jsonfile.read_ndjson}
EXTENSIONS = {".json": "json", ".ndjson": "ndjson", ".jsonl": "ndjson"}


def detect_format(path: Path) -> str:
    """The input format of a file, from its extension and, failing that, its first bytes."""
    by_extension = EXTENSIONS.get(path.suffix.lower())
    if by_extension:
        return by_extension
    with path.open("rb") as handle:
        start = handle.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    if start.startswith(b"["):
        return "json"
    if start.startswith(b"{"):
        first_line = start.split(b"\n", 1)[0].strip()
        return "ndjson" if first_line.endswith(b"}") and b"\n" in start else "json"
    raise InputError(f"cannot tell the format of this file: {hint_formats()}", str(path))


def hint_formats() -> str:
    return f"name it .json, .ndjson or .jsonl, or give --input-format ({', '.join(READERS)})"


def read(path: str | Path, input_format: str | None = None) -> Iterator[Item]:
    """Every record in a file, in order, each either to check or rejected with a reason."""
    path = Path(path)
    if not path.is_file():
        raise InputError("no such file", str(path))
    fmt = input_format or detect_format(path)
    if fmt not in READERS:
        raise InputError(f"unknown input format {fmt!r}: {hint_formats()}", str(path))
    return READERS[fmt](path)
