"""CSV and TSV exports: one record per row, columns named by field path or through a mapping file."""

from __future__ import annotations

import codecs
import csv
import difflib
import re
import warnings
from pathlib import Path
from typing import Any, Iterator

from ..errors import InputError, UnusedColumn
from ..intake import Incoming
from ..findings import Rejection
from ..paths import BadPath, FieldPath
from .fieldpaths import declared, declared_names, kind_at, set_path
from .mapping import Mapping
from ..prose import counted

Column = tuple[int, str, FieldPath]

__all__ = ["UnusedColumn", "read_csv", "read_tsv", "record_from_row"]

# A cell may hold a long free-text note (Python's csv refuses cells over 128 KB by default); the limit
# still stops an unclosed quote from reading a whole multi-gigabyte file into one cell.
MAX_CELL_CHARACTERS = 64 * 1024 * 1024
# Bytes that are not valid in the file's encoding, kept by the surrogateescape error handler.
_UNDECODABLE = re.compile("[\udc80-\udcff]")


def read_csv(path: Path, mapping: Mapping | None = None) -> Iterator[Incoming | Rejection]:
    """A comma-separated export; rows are numbered as a spreadsheet shows them (the header is row 1)."""
    return _read(path, mapping or Mapping(), ",")


def read_tsv(path: Path, mapping: Mapping | None = None) -> Iterator[Incoming | Rejection]:
    """A tab-separated export."""
    return _read(path, mapping or Mapping(), "\t")


def _read(path: Path, mapping: Mapping, delimiter: str) -> Iterator[Incoming | Rejection]:
    source = str(path)
    csv.field_size_limit(max(csv.field_size_limit(), MAX_CELL_CHARACTERS))
    try:
        _refuse_a_wide_encoding_that_does_not_fit(path, mapping.encoding, source)
        handle = path.open(encoding=mapping.encoding, errors="surrogateescape", newline="")
    except LookupError:
        raise InputError(f"unknown encoding {mapping.encoding!r} in the mapping file", source) from None
    with handle:
        rows = csv.reader(handle, delimiter=mapping.delimiter or delimiter)
        row_number = 1
        try:
            header = next(rows, None)
            if header is None:
                return
            columns = _columns(header, mapping, source)
            for row_number, cells in enumerate(rows, 2):
                if not any(cell.strip() for cell in cells):
                    continue
                if len(cells) != len(header):
                    yield Rejection(source=source, location=f"row {row_number}",
                                    message=f"the row has {len(cells)} cells but the header has {len(header)}")
                    continue
                bad = _undecodable(cells, header)
                if bad:
                    yield Rejection(source=source, location=f"row {row_number}", field=bad[0],
                                    message=f"not valid {mapping.encoding} text: byte 0x{bad[1]:02X} in this cell "
                                            "(save the file as CSV UTF-8, or give `encoding:` in a mapping file)")
                    continue
                yield Incoming(record_from_row(cells, columns, mapping), source, f"row {row_number}")
        except UnicodeError:  # a decode error, or a codec's own complaint (a UTF-16 stream with no BOM)
            yield Rejection(source=source, location=f"row {row_number + 1}",
                            message=f"the file is not valid {mapping.encoding} text; rows from here on were not read "
                                    "(save it as CSV UTF-8, or give `encoding:` in a mapping file)")
        except csv.Error as error:
            yield Rejection(source=source, location=f"row {row_number + 1}",
                            message=f"unreadable CSV ({error}); rows from here on were not read")


def _refuse_a_wide_encoding_that_does_not_fit(path: Path, encoding: str, source: str) -> None:
    """A file read as UTF-16 or UTF-32 that is not: refused at once, naming the byte, rather than read as noise.

    Other encodings read a bad byte into one cell, and only that row is rejected.
    """
    if not codecs.lookup(encoding).name.startswith(("utf-16", "utf-32")):
        return
    with path.open("rb") as handle:
        head = handle.read(_ENCODING_SAMPLE)
    try:
        codecs.getincrementaldecoder(encoding)("strict").decode(head, final=len(head) < _ENCODING_SAMPLE)
    except UnicodeDecodeError as error:
        raise InputError(f"the file is not {encoding} text: byte {error.start + 1} (0x{head[error.start]:02X}) "
                         "cannot be read in it; check `encoding:` in the mapping file (most exports are UTF-8)",
                         source, f"byte {error.start + 1}") from None
    except UnicodeError:
        raise InputError(f"the file is not {encoding} text: it does not start with a {encoding} byte order mark; "
                         "check `encoding:` in the mapping file (most exports are UTF-8)", source, "byte 1") from None


_ENCODING_SAMPLE = 1 << 16


def _columns(header: list[str], mapping: Mapping, source: str) -> list[Column]:
    """The columns to read, each with its position, name and field path; unmapped blanks are skipped."""
    seen: set[str] = set()
    columns: list[Column] = []
    for index, name in enumerate(header):
        name = name.strip()
        if not name:
            continue
        if name in seen:
            raise InputError(f"the column {name!r} appears twice in the header", source, "row 1")
        seen.add(name)
        try:
            target = mapping.path_of(name)
        except BadPath as error:
            # The name is not repeated: in a file with no header row, the "name" is a patient's value.
            raise InputError(f"column {index + 1} of the header is not a field path ({error}); name it like "
                             "person.age or map it in a mapping file (does the file have a header row?)",
                             source, "row 1") from None
        if target is not None:
            columns.append((index, name, target))
    if not columns:
        raise InputError("no column of the header names a record field", source, "row 1")
    _refuse_overlaps(columns, source)
    _warn_of_unused(columns, source)
    return columns


def _warn_of_unused(columns: list[Column], source: str) -> None:
    unused = [(name, target) for _, name, target in columns if not declared(target)]
    if len(unused) * 2 > len(columns):
        # Most of the "header" names nothing: it is probably the first record, whose values are not repeated.
        warnings.warn(UnusedColumn(f"{source}: {len(unused):,} of the {counted(len(columns), 'column')} of row 1 fill no field "
                                   "of any record: does the file have a header row naming the fields?"), stacklevel=3)
        return
    for name, target in unused:
        dotted = ".".join(str(s) for s in target)
        close = difflib.get_close_matches(dotted, declared_names(), n=1, cutoff=0.75)
        hint = f"; did you mean {close[0]}?" if close else ""
        warnings.warn(UnusedColumn(f"{source}: the column {name!r} fills no field of any record and is kept as "
                                   f"an extra that no rule reads{hint}"), stacklevel=3)


def _refuse_overlaps(columns: list[Column], source: str) -> None:
    """A column for a whole part (`person`) and one for a field inside it (`person.age`) would overwrite."""
    targets = sorted((target, name) for _, name, target in columns if target != ("record_type",))
    for (outer, outer_name), (inner, inner_name) in zip(targets, targets[1:]):
        if inner[: len(outer)] == outer:
            raise InputError(f"the columns {outer_name!r} and {inner_name!r} both fill {'.'.join(map(str, outer))}: "
                             "one would overwrite the other; keep one, or map one to another field", source, "row 1")


def record_from_row(cells: list[str], columns: list[Column], mapping: Mapping) -> dict[str, Any]:
    """One row as a record dict; blank cells stay out, so a blank is unknown rather than false or empty."""
    record: dict[str, Any] = {}
    for target, value in mapping.constants.items():
        set_path(record, target, value)
    record_type = _record_type(cells, columns, mapping)
    for index, _, target in columns:
        value = mapping.typed(kind_at(record_type, target), cells[index], target)
        if value is not None:
            set_path(record, target, value)
    return record


def _record_type(cells: list[str], columns: list[Column], mapping: Mapping) -> str | None:
    for index, _, target in columns:
        if target == ("record_type",):
            value = mapping.typed("text", cells[index], target)
            return str(value) if value is not None else None
    constant = mapping.constants.get(("record_type",))
    return str(constant) if constant is not None else None


def _undecodable(cells: list[str], header: list[str]) -> tuple[str, int] | None:
    """The column and value of the first byte the file's encoding could not decode in this row."""
    for name, cell in zip(header, cells):
        found = _UNDECODABLE.search(cell)
        if found:
            return name, ord(found.group()) - 0xDC00
    return None
