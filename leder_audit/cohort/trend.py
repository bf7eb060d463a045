"""Change over time: each theme's finding rate per area and quarter, and whether the latest quarter
is better or worse than the one before, with the counts behind every rate.

A rate counts recorded failures only. A finding decided on unknown is a gap in the documentation: it is
counted beside the rate, as the theme's documentation completeness, and never as a failure of care."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any, Iterable

from pydantic import BaseModel, Field

from .stats import previous_quarter, quarter_of, wilson
from ..engine import Auditor
from ..errors import InputError
from ..findings import Finding
from ..paths import BadPath, parse, value_at
from ..prose import counted
from ..records import parts_of
from ..rulebook import Rulebook

# The date that places a record in a quarter, by record type.
PERIOD_FIELDS = {"mortality_review": "notification_date", "death_certificate": "date_of_death",
                 "dnacpr_decision": "decision_date"}
SMALL_NUMBERS = 5


class TrendRow(BaseModel):
    """One theme in one area and quarter: records with a recorded failure of the theme, of records checked for it."""

    theme: str
    area: str
    period: str
    numerator: int = Field(description="Records with a finding of the theme on recorded data.")
    denominator: int
    rate: float | None = Field(None, description="Not given when the denominator is a small number.")
    lower: float | None = None
    upper: float | None = None
    small_number: bool = False
    not_recorded: int = Field(0, description="Records with a finding of the theme decided on unknown.")
    completeness: float | None = Field(None, description="Share of the records with none: documentation complete "
                                                         "for the theme. Not given for a small number.")


class Change(BaseModel):
    """The latest quarter of a theme in an area against the quarter before it."""

    theme: str
    area: str
    latest: str
    previous: str
    latest_numerator: int
    latest_denominator: int
    previous_numerator: int = 0
    previous_denominator: int = 0
    latest_rate: float | None = None
    previous_rate: float | None = None
    direction: str = Field(description="better, worse, no change, too few to compare, or no earlier data.")
    beyond_chance: bool = Field(False, description="The two quarters' 95% intervals do not overlap.")


class Trend(BaseModel):
    """Rates per theme, area and quarter, and the latest change in each."""

    by: str
    rows: list[TrendRow]
    changes: list[Change]
    records_read: int = 0
    records_checked: int = 0
    records_rejected: int = 0
    undated: int = Field(0, description="Records with no date to place them in a quarter, left out.")


def _themes(book: Rulebook, record: Any) -> set[str]:
    types = [part["record_type"] for part, _ in parts_of(record)]
    return {tag for t in types for rule in book.by_type.get(t, []) for tag in rule.spec.tags}


class TrendCounter:
    """Counts, record by record as a run checks them, each theme's records and records with a finding."""

    def __init__(self, book: Rulebook, by: str = "area.ics", small_numbers: int = SMALL_NUMBERS) -> None:
        self.book, self.by, self.small_numbers = book, by, small_numbers
        try:
            self.by_path = parse(by) if by != "none" else ()
        except BadPath as error:
            raise InputError(f"--by is not a field path: {error}", "--by") from None
        # [records with a recorded failure, records checked, records with a not-recorded finding]
        self.counts: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
        self.undated = 0

    def observe(self, record: Any, findings: list[Finding]) -> None:
        """Count one checked record with the findings it raised."""
        day = record[PERIOD_FIELDS[record["record_type"]]]
        if not isinstance(day, date):
            self.undated += 1
            return
        area_value = value_at(record, self.by_path) if self.by_path else "all"
        area = "unknown" if area_value in (None, "") else str(area_value)
        failed = {tag for finding in findings if not finding.decided_on_unknown for tag in finding.tags}
        gaps = {tag for finding in findings if finding.decided_on_unknown for tag in finding.tags}
        for theme in _themes(self.book, record):
            cell = self.counts[(theme, area, quarter_of(day))]
            cell[1] += 1
            cell[0] += theme in failed
            cell[2] += theme in gaps

    def result(self, tally: Any) -> Trend:
        """The rates and changes counted so far, with the run's record counts."""
        rows = [_row(key, cell, self.small_numbers) for key, cell in sorted(self.counts.items())]
        return Trend(by=self.by, rows=rows, changes=_changes(rows, self.small_numbers), records_read=tally.records_read,
                     records_checked=tally.records_checked, records_rejected=tally.rejected_count, undated=self.undated)


def compute_trend(items: Iterable[Any], book: Rulebook, by: str = "area.ics", as_of: date | None = None,
                  small_numbers: int = SMALL_NUMBERS) -> Trend:
    """Check every record with the rulebook, counting by theme, area and quarter; records are not kept."""
    auditor = Auditor(book, as_of=as_of)
    counter = TrendCounter(book, by, small_numbers)
    for _ in auditor.run(items, observe=counter.observe):
        pass
    return counter.result(auditor.tally)


def _row(key: tuple[str, str, str], cell: list[int], small_numbers: int) -> TrendRow:
    theme, area, period = key
    numerator, denominator, gaps = cell
    if denominator < small_numbers:
        return TrendRow(theme=theme, area=area, period=period, numerator=numerator, denominator=denominator,
                        small_number=True, not_recorded=gaps)
    lower, upper = wilson(numerator, denominator)
    return TrendRow(theme=theme, area=area, period=period, numerator=numerator, denominator=denominator,
                    rate=numerator / denominator, lower=lower, upper=upper, not_recorded=gaps,
                    completeness=(denominator - gaps) / denominator)


def _changes(rows: list[TrendRow], small_numbers: int) -> list[Change]:
    cells: dict[tuple[str, str], dict[str, TrendRow]] = defaultdict(dict)
    for row in rows:
        cells[(row.theme, row.area)][row.period] = row
    changes = []
    for (theme, area), periods in sorted(cells.items()):
        latest_period = max(periods)
        latest, before = periods[latest_period], periods.get(previous_quarter(latest_period))
        change = Change(theme=theme, area=area, latest=latest_period, previous=previous_quarter(latest_period),
                        latest_numerator=latest.numerator, latest_denominator=latest.denominator,
                        latest_rate=latest.rate, direction="no earlier data")
        if before is not None:
            change = change.model_copy(update=_compare(latest, before))
        changes.append(change)
    return changes


def _compare(latest: TrendRow, before: TrendRow) -> dict[str, Any]:
    update: dict[str, Any] = {"previous_numerator": before.numerator, "previous_denominator": before.denominator,
                              "previous_rate": before.rate}
    if latest.rate is None or before.rate is None:
        return {**update, "direction": "too few to compare"}
    # A finding marks care that fell short, so a lower rate is better.
    direction = "better" if latest.rate < before.rate else "worse" if latest.rate > before.rate else "no change"
    apart = latest.upper < before.lower or before.upper < latest.lower  # type: ignore[operator]
    return {**update, "direction": direction, "beyond_chance": apart}


def _percent(rate: float | None) -> str:
    return "-" if rate is None else f"{rate * 100:.0f}%"


def _counts(numerator: int, denominator: int, rate: float | None) -> str:
    if rate is None:
        return f"{numerator:,} of {denominator:,} (small number)" if denominator else "none"
    return f"{numerator:,} of {denominator:,} ({_percent(rate)})"


def trend_table(trend: Trend) -> str:
    """The trend for a person at a terminal: rates by theme, area and quarter, then the latest changes."""
    # The groups are headed by the field they come from (person.sex, area.ccg), as --by named it.
    group = "group" if trend.by == "none" else trend.by
    width = max(12, len(group), *(len(row.area) for row in trend.rows))
    lines = [f"{'theme':26} {group:{width}} {'quarter':8} {'recorded failures':28} documentation complete"]
    for row in trend.rows:
        complete = _counts(row.denominator - row.not_recorded, row.denominator, row.completeness)
        lines.append(f"{row.theme:26} {row.area:{width}} {row.period:8} "
                     f"{_counts(row.numerator, row.denominator, row.rate):28} {complete}")
    lines.append("\nRates count recorded failures only; a finding decided on unknown (not recorded) counts against"
                 " documentation completeness instead.")
    lines.append("\nLatest quarter against the one before (a lower rate is better):")
    for c in trend.changes:
        before = _counts(c.previous_numerator, c.previous_denominator, c.previous_rate)
        note = "; beyond chance" if c.beyond_chance else ""
        lines.append(f"{c.theme:26} {c.area:{width}} {c.latest} {_counts(c.latest_numerator, c.latest_denominator, c.latest_rate)}"
                     f" vs {c.previous} {before}: {c.direction}{note}")
    lines.append(f"\n{counted(trend.records_read, 'record')} read: {trend.records_checked:,} checked, "
                 f"{trend.records_rejected:,} rejected" + (f", {trend.undated:,} without a date" if trend.undated else ""))
    return "\n".join(lines) + "\n"


TREND_CSV_COLUMNS = ("theme", "area", "period", "numerator", "denominator", "rate", "lower", "upper", "small_number",
                     "not_recorded", "completeness")


def trend_csv_rows(trend: Trend) -> Iterable[list[Any]]:
    """The rows of the trend as CSV cells, a header first."""
    yield list(TREND_CSV_COLUMNS)
    for row in trend.rows:
        data = row.model_dump()
        yield ["" if data[c] is None else (round(data[c], 4) if isinstance(data[c], float) else data[c])
               for c in TREND_CSV_COLUMNS]
