"""Change over a run history: each theme's, rule's or area's rate run by run, and the latest run against
the first, with the counts behind every rate.

As in the quarterly trend, a rate counts recorded failures only; findings decided on unknown (not
recorded) count against documentation completeness, beside the rate, never as failures of care."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable

from pydantic import BaseModel, Field

from .stats import wilson
from ..history import ALL_AREAS, Count, Run

SMALL_NUMBERS = 5
PER = ("theme", "rule", "area")


class RunRow(BaseModel):
    """One theme or rule, in one area or all, in one run."""

    name: str
    area: str
    run: int
    as_of: str
    run_time: str
    failed: int = Field(description="Records with a finding on recorded data.")
    checked: int = Field(description="Records the rule, or a rule of the theme, was applied to.")
    rate: float | None = Field(None, description="Not given when `checked` is a small number.")
    lower: float | None = None
    upper: float | None = None
    small_number: bool = False
    not_recorded: int = Field(0, description="Records with a finding decided on unknown.")
    completeness: float | None = None


class RunChange(BaseModel):
    """The latest run of a theme or rule in an area against the first run in the history."""

    name: str
    area: str
    first_run: int
    latest_run: int
    first_as_of: str
    latest_as_of: str
    first_failed: int
    first_checked: int
    latest_failed: int
    latest_checked: int
    first_rate: float | None = None
    latest_rate: float | None = None
    direction: str = Field(description="better, worse, no change, too few to compare, or one run only.")
    beyond_chance: bool = Field(False, description="The two runs' 95% intervals do not overlap.")


class RunSummary(BaseModel):
    """A run as the history holds it."""

    run: int
    run_time: str
    as_of: str
    version: str
    rulebook_hash: str
    records_checked: int
    findings: int
    not_recorded: int
    rule_errors: int


class HistoryTrend(BaseModel):
    """Rates per theme, rule or area over the runs of a history, and the change from the first run to the latest."""

    per: str
    runs: list[RunSummary]
    rows: list[RunRow]
    changes: list[RunChange]


def history_trend(runs: list[Run], counts: Iterable[Count], per: str = "theme",
                  small_numbers: int = SMALL_NUMBERS) -> HistoryTrend:
    """The rows and changes for `per` (theme, rule, or area: each theme by area) over the runs given."""
    if per not in PER:
        raise ValueError(f"per must be one of {', '.join(PER)}")
    kind = "rule" if per == "rule" else "theme"
    order = {run.id: n for n, run in enumerate(runs)}
    by_id = {run.id: run for run in runs}
    wanted = [c for c in counts if c.kind == kind and (c.area != ALL_AREAS if per == "area" else c.area == ALL_AREAS)
              and c.run_id in order]
    wanted.sort(key=lambda c: (c.name, c.area, order[c.run_id]))
    rows = [_row(c, by_id[c.run_id], small_numbers) for c in wanted]
    summaries = [RunSummary(run=r.id, run_time=r.run_time, as_of=r.as_of, version=r.tool_version,
                            rulebook_hash=r.rulebook_hash, records_checked=r.records_checked, findings=r.findings,
                            not_recorded=r.not_recorded, rule_errors=r.rule_errors) for r in runs]
    return HistoryTrend(per=per, runs=summaries, rows=rows, changes=_changes(rows))


def _row(count: Count, run: Run, small_numbers: int) -> RunRow:
    row = RunRow(name=count.name, area="all" if count.area == ALL_AREAS else count.area, run=run.id, as_of=run.as_of,
                 run_time=run.run_time, failed=count.failed, checked=count.checked, not_recorded=count.not_recorded)
    if count.checked < small_numbers:
        return row.model_copy(update={"small_number": True})
    lower, upper = wilson(count.failed, count.checked)
    return row.model_copy(update={"rate": count.failed / count.checked, "lower": lower, "upper": upper,
                                  "completeness": (count.checked - count.not_recorded) / count.checked})


def _changes(rows: list[RunRow]) -> list[RunChange]:
    series: dict[tuple[str, str], list[RunRow]] = defaultdict(list)
    for row in rows:
        series[(row.name, row.area)].append(row)
    changes = []
    for (name, area), its in series.items():
        first, latest = its[0], its[-1]
        change = RunChange(name=name, area=area, first_run=first.run, latest_run=latest.run, first_as_of=first.as_of,
                           latest_as_of=latest.as_of, first_failed=first.failed, first_checked=first.checked,
                           latest_failed=latest.failed, latest_checked=latest.checked, first_rate=first.rate,
                           latest_rate=latest.rate, direction="one run only")
        if len(its) > 1:
            change = change.model_copy(update=_compare(first, latest))
        changes.append(change)
    return changes


def _compare(first: RunRow, latest: RunRow) -> dict[str, Any]:
    if first.rate is None or latest.rate is None:
        return {"direction": "too few to compare"}
    # A finding marks care that fell short, so a lower rate is better.
    direction = "better" if latest.rate < first.rate else "worse" if latest.rate > first.rate else "no change"
    apart = latest.upper < first.lower or first.upper < latest.lower  # type: ignore[operator]
    return {"direction": direction, "beyond_chance": apart}


def _counts(numerator: int, denominator: int, rate: float | None) -> str:
    if rate is None:
        return f"{numerator:,} of {denominator:,} (small number)" if denominator else "none"
    return f"{numerator:,} of {denominator:,} ({rate * 100:.0f}%)"


def history_table(trend: HistoryTrend) -> str:
    """The history for a person at a terminal: rates run by run, then the latest run against the first."""
    label = {"theme": "theme", "rule": "rule", "area": "theme"}[trend.per]
    width = max([4] + [len(row.area) for row in trend.rows])  # ICB names run to 40 characters and more
    lines = [f"{label:26} {'area':{width}} {'run':>4} {'as of':10} {'recorded failures':28} documentation complete"]
    for row in trend.rows:
        complete = _counts(row.checked - row.not_recorded, row.checked, row.completeness)
        lines.append(f"{row.name:26} {row.area:{width}} {row.run:>4} {row.as_of:10} "
                     f"{_counts(row.failed, row.checked, row.rate):28} {complete}")
    lines.append("\nRates count recorded failures only; a finding decided on unknown (not recorded) counts against"
                 " documentation completeness instead.")
    lines.append("\nLatest run against the first (a lower rate is better):")
    for c in trend.changes:
        note = "; beyond chance" if c.beyond_chance else ""
        lines.append(f"{c.name:26} {c.area:{width}} {c.latest_as_of} {_counts(c.latest_failed, c.latest_checked, c.latest_rate)}"
                     f" vs {c.first_as_of} {_counts(c.first_failed, c.first_checked, c.first_rate)}: {c.direction}{note}")
    lines.append(_runs_line(trend.runs))
    return "\n".join(lines) + "\n"


def _runs_line(runs: list[RunSummary]) -> str:
    if not runs:
        return "\nThe history holds no runs."
    text = f"\n{len(runs):,} run{'s' if len(runs) != 1 else ''}, as of {runs[0].as_of} to {runs[-1].as_of}"
    changed = [b.run for a, b in zip(runs, runs[1:]) if a.rulebook_hash != b.rulebook_hash]
    if changed:
        text += f"; the rulebook changed before run{'s' if len(changed) > 1 else ''} {', '.join(map(str, changed))}"
    incomplete = [r.run for r in runs if r.rule_errors]
    if incomplete:
        text += f"; rule errors left run{'s' if len(incomplete) > 1 else ''} {', '.join(map(str, incomplete))} incomplete"
    return text


HISTORY_CSV_COLUMNS = ("name", "area", "run", "as_of", "run_time", "failed", "checked", "rate", "lower", "upper",
                       "small_number", "not_recorded", "completeness")


def history_csv_rows(trend: HistoryTrend) -> Iterable[list[Any]]:
    """The rows of the history as CSV cells, a header first."""
    yield list(HISTORY_CSV_COLUMNS)
    for row in trend.rows:
        data = row.model_dump()
        yield ["" if data[c] is None else (round(data[c], 4) if isinstance(data[c], float) else data[c])
               for c in HISTORY_CSV_COLUMNS]
