"""The HTML report's charts: cohort measures and change over time, counted while the records are checked."""

from __future__ import annotations

from datetime import date
from typing import Any

from ..cohort import CohortRun, load_cohort_rules
from ..cohort.svg import html_section
from ..cohort.trend import TrendCounter
from ..rulebook import Rulebook


class ReportCharts:
    """The HTML report's cohort measures and change over time, counted in the same pass as the findings."""

    def __init__(self, book: Rulebook, as_of: date) -> None:
        # Representation needs population figures, which belong to `leder-audit cohort --population`.
        rules = [r for r in load_cohort_rules(concepts=book.concepts) if r.spec.measure.kind != "representation"]
        self.cohort = CohortRun(rules, as_of=as_of, concepts=book.concepts)
        self.trend = TrendCounter(book)

    def observe(self, record: Any, findings: list[Any]) -> None:
        self.trend.observe(record, findings)
        self.cohort.add(record)

    def section(self, tally: Any) -> str:
        return html_section(self.cohort.results(), self.trend.result(tally))
