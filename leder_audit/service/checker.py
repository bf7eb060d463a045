"""One warm checker shared by every request: the rulebook loaded and its Auditor made once, at start."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..engine import Auditor
from ..findings import Finding
from ..rulebook import Rulebook


WARM_UP_RECORDS = (
    {"record_type": "dnacpr_decision", "id": "warm-up", "rationale": "Frail; not because of Down's syndrome or LD",
     "reason_not_discussed": "family not available"},
    {"record_type": "death_certificate", "id": "warm-up",
     "part1": [{"text": "Aspiration pneumonia", "interval": "3 days", "icd10": "J69.0"},
               {"text": "learning disability", "icd10": "F79"}], "part2": [{"text": "Epilepsy", "icd10": "G40.9"}]},
    {"record_type": "mortality_review", "id": "warm-up", "narrative": "History of autism; no learning disability"},
)


@dataclass(frozen=True, slots=True)
class Checked:
    """A record's findings, and how many rules failed to run on it (a partial check when not 0)."""

    findings: list[Finding]
    rule_errors: int


class WarmChecker:
    """Checks records against one rulebook; safe to call from several threads, one record at a time.

    The Auditor keeps counters across records, so calls are serialised. The date rules judge by is
    today's, moved on when the day changes, unless `as_of` fixes it.
    """

    def __init__(self, rulebook: Rulebook, as_of: date | None = None) -> None:
        self.rulebook = rulebook
        self.rulebook_hash = rulebook.hash
        self._as_of = as_of
        self._auditor = Auditor(rulebook, as_of=as_of or date.today())
        self._lock = threading.Lock()
        self._warm_up()

    def _warm_up(self) -> None:
        """Check one record of each type on a throwaway Auditor, so the first call is as quick as the rest.

        The first record of a kind builds what later ones reuse (concept matchers, compiled patterns).
        """
        scratch = Auditor(self.rulebook, as_of=self._as_of or date.today())
        for record in WARM_UP_RECORDS:
            scratch.check(record)

    def check(self, record: Any) -> Checked:
        """Findings on one record (a dict or model); InputError when it does not fit its model."""
        with self._lock:
            auditor = self._auditor
            if self._as_of is None and auditor.context.today != date.today():
                auditor = self._auditor = Auditor(self.rulebook, as_of=date.today())
            errors_before = auditor.tally.errors_count
            findings = auditor.check(record)
            return Checked(findings, auditor.tally.errors_count - errors_before)
