"""Run the test cases written inside each rule: records that must raise it and records that must not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Iterator

from .engine import Auditor
from .errors import InputError
from .rulebook import Rule, Rulebook


@dataclass(frozen=True, slots=True)
class CaseResult:
    """One inline case: what the rule should have done and what it did."""

    rule_id: str
    expected: str  # "fire", "not-recorded" or "pass"
    actual: str  # "fire", "not-recorded", "pass", "invalid" or "error" (the rule raised)
    number: int
    case: dict[str, Any]
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.expected == self.actual


def case_record(rule: Rule, expected: str, number: int, case: dict[str, Any]) -> dict[str, Any]:
    """A full record from a case, which names only the fields that matter to the rule."""
    return {"record_type": rule.spec.applies_to, "id": f"{rule.id}/{expected}/{number}", **case}


def cases_of(rule: Rule) -> dict[str, list[dict[str, Any]]]:
    """A rule's inline cases by what they must do: fire on recorded data, fire as not recorded, or pass."""
    tests = rule.spec.tests
    return {"fire": tests.fire, "not-recorded": tests.not_recorded, "pass": tests.pass_}


def run_cases(book: Rulebook, as_of: date | None = None) -> Iterator[CaseResult]:
    """Every inline case of every rule in the book, in rule order."""
    for rule in book.rules:
        single = book.select([rule.id])
        for expected, cases in cases_of(rule).items():
            for number, case in enumerate(cases, 1):
                yield _run_case(single, rule, expected, number, case, as_of)


def _run_case(book: Rulebook, rule: Rule, expected: str, number: int, case: dict[str, Any], as_of: date | None) -> CaseResult:
    auditor = Auditor(book, as_of=as_of)
    try:
        findings = auditor.check(case_record(rule, expected, number, case))
    except InputError as error:
        return CaseResult(rule.id, expected, "invalid", number, case, str(error))
    errors = [e for e in auditor.tally.errors if e.rule_id == rule.id]
    if errors:  # a rule that raised neither fired nor passed: the case fails whatever it expected
        return CaseResult(rule.id, expected, "error", number, case, errors[0].message)
    fired = [f for f in findings if f.rule_id == rule.id]
    detail = ""
    actual = "pass"
    if fired:
        detail = "; ".join(f"{s.expression} -> {s.value}" for s in fired[0].explanation)
        actual = "not-recorded" if fired[0].decided_on_unknown else "fire"
    return CaseResult(rule.id, expected, actual, number, case, detail)
