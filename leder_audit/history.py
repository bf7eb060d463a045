"""A run history: one row per `check --history` run in a SQLite file, with its counts per rule, theme and
area, so that `trend --history` can show over months whether findings fall.

The file holds counts only: rule ids, theme tags, area codes as the records give them (`area.ics`), and the
run's header (times, rulebook hash, version, the inputs' file names and SHA-256). No record id, no
patient detail and no free text is written to it. Runs may write to the same file at once: each run is
one transaction, and a run waits up to BUSY_SECONDS for another to finish.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Iterator

from .errors import InputError
from .findings import NOT_RECORDED, Finding, Tally
from .records import parts_of
from .rulebook import Rulebook

SCHEMA_VERSION = 1
BUSY_SECONDS = 30.0
ALL_AREAS = "*"  # the area of the counts over every area
UNKNOWN_AREA = "unknown"  # records whose area.ics is not recorded (certificates and DNACPR forms carry none)
AREA_FIELD = ("area", "ics")
MAX_AREA_CHARS = 100  # an area is a code or a name; a longer value is cut, so no narrative can land here

SCHEMA = """
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    run_time TEXT NOT NULL,
    as_of TEXT NOT NULL,
    tool_version TEXT NOT NULL,
    rulebook_hash TEXT NOT NULL,
    rule_count INTEGER NOT NULL,
    inputs TEXT NOT NULL,
    records_read INTEGER NOT NULL,
    records_checked INTEGER NOT NULL,
    records_rejected INTEGER NOT NULL,
    findings INTEGER NOT NULL,
    not_recorded INTEGER NOT NULL,
    suppressed INTEGER NOT NULL,
    rule_errors INTEGER NOT NULL
);
CREATE TABLE counts (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('rule', 'theme')),
    name TEXT NOT NULL,
    area TEXT NOT NULL,
    checked INTEGER NOT NULL,
    failed INTEGER NOT NULL,
    not_recorded INTEGER NOT NULL,
    PRIMARY KEY (run_id, kind, name, area)
);
CREATE INDEX counts_by_name ON counts (kind, name, area);
"""

Key = tuple[str, str, str]  # kind, name, area


class HistoryCounter:
    """Counts, as a run checks each record, the records each rule and theme applied to and those it failed.

    A record counts once for a rule or theme however many findings it raised there: `failed` when one was
    on recorded data, `not_recorded` when one was decided on unknown (a record may count in both).
    """

    def __init__(self, book: Rulebook) -> None:
        self._book = book
        self._checked: Counter[tuple[tuple[str, ...], str]] = Counter()  # (record types, area) -> records
        self._failed: Counter[Key] = Counter()
        self._gaps: Counter[Key] = Counter()

    def observe(self, record: dict[str, Any], findings: list[Finding]) -> None:
        """Count one checked record with the findings it raised."""
        area = area_of(record)
        self._checked[(tuple(part["record_type"] for part, _ in parts_of(record)), area)] += 1
        if not findings:
            return
        failed: set[tuple[str, str]] = set()
        gaps: set[tuple[str, str]] = set()
        for finding in findings:
            into = gaps if finding.decided_on_unknown else failed
            into.add(("rule", finding.rule_id))
            into.update(("theme", tag) for tag in finding.tags if tag != NOT_RECORDED)
        for counter, keys in ((self._failed, failed), (self._gaps, gaps)):
            for kind, name in keys:
                counter[(kind, name, area)] += 1
                counter[(kind, name, ALL_AREAS)] += 1

    def counts(self) -> dict[Key, tuple[int, int, int]]:
        """(checked, failed, not recorded) for every rule and theme that applied, per area and over all."""
        checked: Counter[Key] = Counter()
        for (types, area), records in self._checked.items():
            for kind, name in self._applying(types):
                checked[(kind, name, area)] += records
                checked[(kind, name, ALL_AREAS)] += records
        return {key: (n, self._failed[key], self._gaps[key]) for key, n in sorted(checked.items())}

    def _applying(self, types: tuple[str, ...]) -> set[tuple[str, str]]:
        rules = [rule for record_type in types for rule in self._book.by_type.get(record_type, [])]
        return {("rule", rule.id) for rule in rules} | {("theme", tag) for rule in rules for tag in rule.spec.tags
                                                         if tag != NOT_RECORDED}


def area_of(record: dict[str, Any]) -> str:
    """The record's ICB as its area.ics gives it, or "unknown"."""
    value: Any = record
    for part in AREA_FIELD:
        value = value.get(part) if isinstance(value, dict) else None
    if value is None or not str(value).strip():
        return UNKNOWN_AREA
    return " ".join(str(value).split())[:MAX_AREA_CHARS]


@dataclass(frozen=True, slots=True)
class Run:
    """One recorded run: its header and totals."""

    id: int
    run_time: str
    as_of: str
    tool_version: str
    rulebook_hash: str
    rule_count: int
    inputs: list[dict[str, str]]
    records_read: int
    records_checked: int
    records_rejected: int
    findings: int
    not_recorded: int
    suppressed: int
    rule_errors: int


@dataclass(frozen=True, slots=True)
class Count:
    """One rule or theme in one area (or ALL_AREAS) in one run."""

    run_id: int
    kind: str
    name: str
    area: str
    checked: int
    failed: int
    not_recorded: int


def record_run(path: str | Path, header: dict[str, Any], tally: Tally, counts: dict[Key, tuple[int, int, int]]) -> int:
    """Add one run with its counts to the history file (made if missing); returns the run's id."""
    inputs = [{"name": Path(item["path"]).name, **({"sha256": item["sha256"]} if "sha256" in item else {})}
              for item in header.get("inputs", [])]
    with _writing(path) as connection:
        cursor = connection.execute(
            "INSERT INTO runs (run_time, as_of, tool_version, rulebook_hash, rule_count, inputs, records_read,"
            " records_checked, records_rejected, findings, not_recorded, suppressed, rule_errors)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (header["run_time"], header["as_of"], header["version"], header["rulebook_hash"], header["rule_count"],
             json.dumps(inputs), tally.records_read, tally.records_checked, tally.rejected_count,
             tally.findings_count, tally.not_recorded_count, len(tally.suppressed), tally.errors_count))
        run_id = cursor.lastrowid
        assert run_id is not None
        connection.executemany(
            "INSERT INTO counts (run_id, kind, name, area, checked, failed, not_recorded) VALUES (?, ?, ?, ?, ?, ?, ?)",
            ((run_id, kind, name, area, *cell) for (kind, name, area), cell in counts.items()))
    return run_id


def prepare_history(path: str | Path) -> None:
    """Make the history file if it is missing, or check that it is one this version can add to."""
    with _writing(path):
        pass


@contextmanager
def _writing(path: str | Path) -> Iterator[sqlite3.Connection]:
    """One write transaction on the history, its schema made first if the file is new: one writer at a time."""
    with _connection(path, create=True) as connection:
        connection.execute("BEGIN IMMEDIATE")
        try:
            _ensure_schema(connection, path)
            yield connection
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise


def read_history(path: str | Path) -> tuple[list[Run], list[Count]]:
    """Every run in the history file, oldest first, and their counts."""
    if not Path(path).is_file():
        raise InputError("no such file", str(path))
    with _connection(path, create=False) as connection:
        version = _version(connection, path)
        if version == 0:
            raise InputError("not a leder-audit history: it has no runs table (made with check --history FILE)",
                             str(path))
        columns = [item.name for item in fields(Run)]
        runs = [_run(dict(zip(columns, row))) for row in connection.execute(
            f"SELECT {', '.join(columns)} FROM runs ORDER BY as_of, run_time, id")]
        counts = [Count(*row) for row in connection.execute(
            "SELECT run_id, kind, name, area, checked, failed, not_recorded FROM counts")]
    return runs, counts


def _run(row: dict[str, Any]) -> Run:
    row["inputs"] = json.loads(row["inputs"])
    return Run(**row)


class _connection:
    """A connection in autocommit mode (transactions are begun by hand), closed on leaving; SQLite's own
    errors become one-line InputErrors naming the file."""

    def __init__(self, path: str | Path, create: bool) -> None:
        self.path = str(path)
        target = Path(path)
        if create and not target.parent.is_dir():
            raise InputError("--history is in a folder that does not exist", self.path)
        if target.is_dir():
            raise InputError("--history names a folder; give a file name for the history", self.path)
        # Reading opens the file read-only, so that a mistyped name never leaves an empty history behind.
        address = self.path if create else target.resolve().as_uri() + "?mode=ro"
        try:
            self.connection = sqlite3.connect(address, timeout=BUSY_SECONDS, isolation_level=None, uri=not create)
        except sqlite3.Error as error:
            raise InputError(f"cannot open the history file ({error})", self.path) from None

    def __enter__(self) -> sqlite3.Connection:
        return self.connection

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        self.connection.close()
        if isinstance(error, sqlite3.DatabaseError):
            raise _unusable(error, self.path) from None


def _version(connection: sqlite3.Connection, path: str | Path) -> int:
    try:
        version: int = connection.execute("PRAGMA user_version").fetchone()[0]
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as error:
        raise _unusable(error, str(path)) from None
    if version > SCHEMA_VERSION:
        raise InputError(f"the history was written by a newer leder-audit (schema {version}; this one knows "
                         f"{SCHEMA_VERSION} and earlier): upgrade leder-audit to use it", str(path))
    if version == 0 and tables:
        raise InputError("not a leder-audit history: an SQLite file with other tables in it", str(path))
    if version and not {"runs", "counts"} <= tables:
        raise InputError("not a leder-audit history: its runs or counts table is missing", str(path))
    return version


def _unusable(error: sqlite3.DatabaseError, path: str) -> InputError:
    text = str(error)
    if "not a database" in text:
        return InputError("not a leder-audit history: not an SQLite file", path)
    if "locked" in text or "busy" in text:
        return InputError(f"another run held the history file for over {BUSY_SECONDS:.0f} seconds; try again", path)
    return InputError(f"the history file cannot be used ({text})", path)


def _ensure_schema(connection: sqlite3.Connection, path: str | Path) -> None:
    if _version(connection, path) == 0:
        for statement in _statements(SCHEMA):
            connection.execute(statement)
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _statements(script: str) -> Iterator[str]:
    for statement in script.split(";"):
        if statement.strip():
            yield statement
