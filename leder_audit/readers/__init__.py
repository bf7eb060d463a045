"""Readers: each turns a file into records to check, or rejections with their reasons."""

from __future__ import annotations

import re
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

from ..intake import Incoming
from ..errors import InputError
from ..findings import Rejection

if TYPE_CHECKING:
    from .mapping import Mapping

Item = Incoming | Rejection

# Format -> (module, function): a reader's module is imported only when a file in its format is read.
READERS = {"json": ("jsonfile", "read_json"), "ndjson": ("jsonfile", "read_ndjson"), "csv": ("csvfile", "read_csv"),
           "tsv": ("csvfile", "read_tsv"), "fhir": ("fhir", "read_fhir"), "xlsx": ("xlsxfile", "read_xlsx")}
EXTENSIONS = {".json": "json", ".ndjson": "ndjson", ".jsonl": "ndjson", ".csv": "csv", ".tsv": "tsv", ".tab": "tsv",
              ".xlsx": "xlsx", ".xlsm": "xlsx", ".xlsb": "xlsx", ".xls": "xlsx", ".ods": "xlsx"}
# Readers that take a mapping file for column names and value spellings.
MAPPED = {"csv", "tsv", "xlsx"}
_FHIR_RESOURCE = re.compile(rb'"resourceType"\s*:\s*"')
_ZIP = b"PK\x03\x04"  # a workbook (.xlsx, .ods) is a zip archive
FIFO_HINT = ("a named pipe (FIFO) carries its bytes once, as they are written, so its format cannot be told from "
             "its first bytes; give --input-format ({})")


def detect_format(path: Path) -> str:
    """The input format of a file, from its extension and, failing that, its first bytes."""
    by_extension = EXTENSIONS.get(path.suffix.lower())
    if by_extension in MAPPED:
        return by_extension
    with path.open("rb") as handle:
        head = handle.read(4096)
    if head.startswith(_ZIP):
        return "xlsx"
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    # Our records never carry resourceType; FHIR resources always do.
    if start.startswith(b"{") and _FHIR_RESOURCE.search(start):
        return "fhir"
    if by_extension:
        return by_extension
    if start.startswith(b"["):
        return "json"
    if start.startswith(b"{"):
        first_line = start.split(b"\n", 1)[0].strip()
        return "ndjson" if first_line.endswith(b"}") and b"\n" in start else "json"
    raise InputError(f"cannot tell the format of this file: {hint_formats()}", str(path))


def hint_formats() -> str:
    return f"name it .json, .ndjson, .jsonl, .csv, .tsv or .xlsx, or give --input-format ({', '.join(READERS)})"


def read(path: str | Path, input_format: str | None = None, mapping: Mapping | str | Path | None = None,
         sheet: str | None = None) -> Iterator[Item]:
    """Every record in a file, in order, each either to check or rejected with a reason.

    `mapping` (a Mapping or the path of a mapping file) says how a CSV/TSV export or a workbook names its columns
    and values; `sheet` names the sheet of a workbook to read (default: the first).
    """
    path = Path(path)
    if path.is_dir():
        raise InputError("is a folder, not a record file (the command line reads the record files in it)", str(path))
    if not path.exists():
        raise InputError("no such file", str(path))
    if path.is_file():
        fmt = input_format or detect_format(path)
    else:  # a named pipe or a device: read once, as a stream, so its first bytes cannot be looked at first
        fmt = input_format or _streamed_format(path)
    if fmt not in READERS:
        raise InputError(f"unknown input format {fmt!r}: {hint_formats()}", str(path))
    if fmt in MAPPED:
        from .mapping import Mapping, load_mapping

        loaded = mapping if isinstance(mapping, Mapping) or mapping is None else load_mapping(mapping)
        return reader(fmt)(path, loaded, sheet) if fmt == "xlsx" else reader(fmt)(path, loaded)
    return reader(fmt)(path)


def _streamed_format(path: Path) -> str:
    """The format of a pipe from its name alone; .json and .ndjson could hold FHIR or records, so they need saying."""
    by_extension = EXTENSIONS.get(path.suffix.lower())
    if by_extension in MAPPED:
        return by_extension
    raise InputError(FIFO_HINT.format(", ".join(READERS)), str(path))


def reader(fmt: str) -> Callable[..., Iterator[Item]]:
    """The function that reads files in this format."""
    module, name = READERS[fmt]
    read: Callable[..., Iterator[Item]] = getattr(import_module(f".{module}", __package__), name)
    return read
