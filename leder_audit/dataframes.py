"""Check a pandas DataFrame of records (one per row) and get the findings back as a DataFrame.

Needs pandas (`pip install "leder-audit[pandas]"`). Missing values (None, NaN, NaT, pd.NA) are
unknown, exactly as an absent field is. The findings table has the same columns here and in
`leder_audit.spark`, whose `audit_dataframe` runs over a Spark DataFrame instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, time
from typing import TYPE_CHECKING, Any, Iterator

from .engine import Auditor
from .errors import InputError
from .finding_table import FINDING_COLUMNS, REJECTED_COLUMNS, finding_row
from .findings import AuditResult, Finding, Rejection
from .intake import Incoming, record_data
from .paths import BadPath, FieldPath, parse as parse_path
from .readers.fieldpaths import set_path
from .rulebook import Rulebook, load_rulebook
from .suppressions import Suppressions

if TYPE_CHECKING:
    import pandas

# pandas dtypes: nullable integers and booleans, so a finding without evidence has <NA>, not NaN.
_PANDAS_DTYPES = {"string": "string", "int": "Int64", "boolean": "boolean"}
SOURCE = "<dataframe>"


@dataclass(frozen=True)
class DataFrameAudit:
    """What `audit_dataframe` gives: findings and rejected rows as DataFrames, and the run's counts."""

    findings: "pandas.DataFrame"
    rejected: "pandas.DataFrame"
    result: AuditResult


def audit_dataframe(df: "pandas.DataFrame", rulebook: Rulebook | None = None, *, column: str | None = None,
                    record_type: str | None = None, as_of: date | None = None,
                    suppressions: Suppressions | None = None) -> DataFrameAudit:
    """Check every row of a pandas DataFrame; rows that do not fit their model are reported, never raised.

    Each row is a record: its columns are the record's fields, named by field path where nested
    (`person.age`, `part1[0].text`, `part1.a.text`) or holding dicts and lists. With `column`, that one
    column holds each record as a dict or as JSON text. `record_type` is used for rows without one.
    """
    auditor = Auditor(rulebook or load_rulebook(), as_of=as_of, suppressions=suppressions)
    feed = _RowFeed(rows_of(df, column, record_type))
    found = [(feed.label, finding) for finding in auditor.run(feed, observe=feed.observe)]
    result = auditor.result([finding for _, finding in found])
    return DataFrameAudit(findings_frame(found), rejected_frame(feed.rejected), result)


class _RowFeed:
    """Hands rows to an Auditor one at a time, knowing which row the findings being yielded are of.

    The Auditor checks a record (and calls `observe`) before it asks for the next one, so a row it did not
    observe by then was rejected; its reason is worked out again, which only rejected rows pay for.
    """

    def __init__(self, rows: Iterator[tuple[Any, Any]]) -> None:
        self.rows = rows
        self.label: Any = None
        self.rejected: list[tuple[Any, Rejection]] = []
        self._handed = self._checked = 0
        self._last: Incoming | None = None

    def observe(self, record: dict[str, Any], findings: list[Finding]) -> None:
        self._checked += 1

    def __iter__(self) -> Iterator[Incoming]:
        for label, record in self.rows:
            self._note_rejection()
            self.label, self._last = label, Incoming(record, SOURCE, f"row {label}")
            self._handed += 1
            yield self._last
        self._note_rejection()

    def _note_rejection(self) -> None:
        if self._last is not None and self._checked < self._handed:
            self.rejected.append((self.label, _rejection(self._last)))
            self._checked = self._handed


def check_dataframe(df: "pandas.DataFrame", rulebook: Rulebook | None = None, *, column: str | None = None,
                    record_type: str | None = None, as_of: date | None = None,
                    suppressions: Suppressions | None = None) -> "pandas.DataFrame":
    """The findings of every row as a DataFrame; InputError naming the row and field if a row does not fit."""
    checked = audit_dataframe(df, rulebook, column=column, record_type=record_type, as_of=as_of,
                              suppressions=suppressions)
    if checked.result.rejected:
        first = checked.result.rejected[0]
        raise InputError(first.message, first.source, first.location, first.field)
    return checked.findings


def _rejection(incoming: Incoming) -> Rejection:
    """Why a row was rejected, worked out again: only rejected rows pay for it."""
    try:
        record_data(incoming.data, incoming.source, incoming.location)
    except InputError as error:
        record_id = incoming.data.get("id") if isinstance(incoming.data, dict) else None
        return Rejection(source=error.source, location=error.location, field=error.field, message=error.message,
                         record_id=record_id if isinstance(record_id, str) else None)
    raise AssertionError("a rejected row validated when checked again")


def findings_frame(found: list[tuple[Any, Finding]]) -> "pandas.DataFrame":
    """A findings table: `row` (the index label of the record's row), then FINDING_COLUMNS."""
    import pandas

    names = ["row"] + [name for name, _ in FINDING_COLUMNS]
    frame = pandas.DataFrame([{"row": label, **finding_row(f)} for label, f in found], columns=names)
    return frame.astype({name: _PANDAS_DTYPES[kind] for name, kind in FINDING_COLUMNS if kind in _PANDAS_DTYPES})


def rejected_frame(rejected: list[tuple[Any, Rejection]]) -> "pandas.DataFrame":
    """A table of rejected rows: `row`, record_id, field and message."""
    import pandas

    rows = [{"row": label, "record_id": r.record_id, "field": r.field, "message": r.message} for label, r in rejected]
    return pandas.DataFrame(rows, columns=["row", *REJECTED_COLUMNS]).astype(dict.fromkeys(REJECTED_COLUMNS, "string"))


def rows_of(df: "pandas.DataFrame", column: str | None, record_type: str | None) -> Iterator[tuple[Any, Any]]:
    """(index label, record) for every row, missing values left out so they read as unknown."""
    if not hasattr(df, "iloc"):
        raise TypeError(f"expected a pandas DataFrame, not {type(df).__name__}; from polars, pass df.to_pandas() "
                        "(with pyarrow) or pandas.DataFrame(df.to_dicts())")
    if column is not None:
        if column not in df.columns:
            raise InputError(f"no column {column!r}; the columns are {', '.join(map(str, df.columns))}", SOURCE)
        for label, cell in zip(df.index, column_values(df[column])):
            if isinstance(cell, dict) and record_type is not None:
                cell.setdefault("record_type", record_type)
            yield label, cell
        return
    paths = [_column_path(name) for name in df.columns]
    # Column by column, so pandas finds the missing cells and unboxes the values in one pass each.
    columns = [column_values(df.iloc[:, i]) for i in range(df.shape[1])]
    for label, cells in zip(df.index, zip(*columns)):
        record: dict[str, Any] = {}
        for path, value in zip(paths, cells):
            if value is None or (type(value) is str and not value.strip()):
                continue  # blank is unknown
            _put(record, path, value)
        if record_type is not None:
            record.setdefault("record_type", record_type)
        yield label, record


def _put(record: dict[str, Any], path: FieldPath, value: Any) -> None:
    if len(path) == 1:
        record[path[0]] = value  # type: ignore[index]
        return
    if any(type(segment) is not str for segment in path):
        set_path(record, path, value)  # part1[0].text: a list on the way
        return
    target = record
    for segment in path[:-1]:
        inner = target.setdefault(str(segment), {})  # every segment is a str here, checked above
        if type(inner) is not dict:
            set_path(record, path, value)  # another column put a value here: that path wins, as in CSV
            return
        target = inner
    target[path[-1]] = value  # type: ignore[index]


def column_values(series: "pandas.Series") -> list[Any]:
    """A column's cells as plain Python values, None where pandas sees a missing value."""
    values = series.to_numpy(dtype=object, na_value=None)
    return [value if type(value) in _PLAIN else plain(value) for value in values.tolist()]


_PLAIN = frozenset({str, int, bool, type(None)})


def _column_path(name: Any) -> FieldPath:
    if not isinstance(name, str):
        raise InputError(f"column names must be field names, not {name!r}", SOURCE)
    if "." not in name and "[" not in name:
        return (name,)
    try:
        return parse_path(name)
    except BadPath as error:
        raise InputError(f"column {name!r} is not a field path: {error}", SOURCE) from None


def plain(value: Any) -> Any:
    """A cell as plain Python: NaN, NaT and pd.NA become None, numpy scalars and arrays Python values."""
    kind = type(value)
    if kind is str or kind is bool or kind is int or value is None:
        return value
    if kind is float:
        return None if math.isnan(value) else value
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    module = kind.__module__.split(".", 1)[0]
    if module == "numpy":
        return _plain_numpy(value)
    if module == "pandas":
        return _plain_pandas(value)
    if isinstance(value, float):
        return None if math.isnan(value) else float(value)
    return value


def _plain_numpy(value: Any) -> Any:
    import numpy

    if isinstance(value, numpy.ndarray):
        return [plain(item) for item in value.tolist()]
    if isinstance(value, numpy.datetime64):
        import pandas

        return _plain_pandas(pandas.Timestamp(value))
    return plain(value.item())


def _plain_pandas(value: Any) -> Any:
    import pandas

    if value is pandas.NA or value is pandas.NaT:
        return None
    if isinstance(value, pandas.Timestamp):
        moment = value.to_pydatetime()
        return moment.date() if moment.tzinfo is None and moment.time() == time() else moment
    return value
