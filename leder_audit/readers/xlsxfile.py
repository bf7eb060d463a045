"""Spreadsheet workbooks (.xlsx, and the .xlsm, .xlsb, .xls and .ods that the same library reads), read with
python-calamine (the `xlsx` extra): each row of one sheet is read exactly as a row of a CSV export."""

from __future__ import annotations

import io
import math
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Iterator

from ..errors import InputError
from ..findings import Rejection
from ..intake import Incoming
from .csvfile import _columns, record_from_row
from .mapping import Mapping

EXTRA_HINT = "pip install 'leder-audit[xlsx]'"


def _calamine() -> Any:
    try:
        import python_calamine
    except ImportError:
        raise InputError(f"reading a spreadsheet workbook needs the xlsx extra: {EXTRA_HINT}") from None
    return python_calamine


def cell_text(value: Any) -> str:
    """A cell's value as a CSV export of the sheet would write it, for the CSV rules of typing to read."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return str(int(value))  # 54.0 -> "54"; an NHS number typed as a number keeps all its digits
        return f"{value:.15g}"  # Excel keeps 15 significant digits, and shows no more
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def sheet_names(path: Path) -> list[str]:
    """The sheets of a workbook, in order."""
    return list(_open(path).sheet_names)


def read_xlsx(path: Path, mapping: Mapping | None = None, sheet: str | None = None) -> Iterator[Incoming | Rejection]:
    """One sheet of a workbook (the first unless named): row 1 is the header, and each row after it a record,
    located as `sheet NAME, row N` with N the row number the spreadsheet shows."""
    source = str(path)
    mapping = mapping or Mapping()
    book = _open(path)
    names = list(book.sheet_names)
    if not names:
        raise InputError("the workbook has no sheets", source)
    name = names[0] if sheet is None else sheet
    if name not in names:
        raise InputError(f"the workbook has no sheet named {sheet!r}; its sheets are: "
                         + ", ".join(repr(n) for n in names) + " (choose one with --sheet)", source)
    calamine = _calamine()
    try:
        table = book.get_sheet_by_name(name)
        first_row = table.start[0] if table.start else 0
        rows = iter(table.iter_rows())
        header = next(rows, None)
    except calamine.CalamineError as error:
        raise InputError(f"sheet {name!r} cannot be read ({type(error).__name__})", source) from None
    if header is None:
        return
    place = f"sheet {name}, row "
    try:
        columns = _columns([cell_text(v) for v in header], mapping, source)
    except InputError as error:
        raise InputError(error.message, source, f"{place}{first_row + 1}", error.field) from None
    for number, values in enumerate(rows, first_row + 2):
        cells = [cell_text(v) for v in values]
        if not any(cell.strip() for cell in cells):
            continue
        cells += [""] * (len(header) - len(cells))
        yield Incoming(record_from_row(cells, columns, mapping), source, f"{place}{number}")


def _open(path: Path) -> Any:
    calamine = _calamine()
    source = str(path)
    try:
        if path.is_file():
            return calamine.CalamineWorkbook.from_path(source)
        # A pipe: the library needs to seek, so the bytes are held in memory.
        return calamine.CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes()))
    except calamine.PasswordError:
        raise InputError("the workbook is protected by a password; save a copy without one", source) from None
    except (calamine.CalamineError, ValueError, OSError) as error:
        if isinstance(error, OSError) and error.errno is not None:
            raise
        raise InputError(f"not a workbook that can be read ({type(error).__name__}): save it as .xlsx, or export "
                         "the sheet as CSV UTF-8", source) from None
