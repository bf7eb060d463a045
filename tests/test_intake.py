"""Every record enters through intake.admit: a reader's item or a bare record in, its data or a Rejection out."""

from __future__ import annotations

from datetime import date

import pytest

from leder_audit.engine import Auditor
from leder_audit.findings import Rejection
from leder_audit.intake import Admitted, Incoming, admit, record_id_of

REVIEW = {"record_type": "mortality_review", "id": "R1", "dnacpr": {"id": "R1-D", "rationale": "Down's syndrome"}}


@pytest.mark.parametrize("item, record_id, field, message", [
    (Incoming(b'{"record_type": "dnacpr_decision", "id": "D1", "person": {"age": 200}}', "f.ndjson", "line 3"),
     "D1", "person.age", "Input should be less than or equal to 130"),
    (Incoming(b'{"record_type": "nurse_note", "id": 7}', "f.ndjson", "line 1"),
     "7", "record_type", "record_type must be one of death_certificate, dnacpr_decision, mortality_review"),
    (Incoming(b'[1, 2]', "f.ndjson", "line 2"), None, None, "a record must be a JSON object, not an array"),
    (Incoming(b'{"id": "x", ', "f.ndjson", "line 9"), None, None, "invalid JSON at column 13: Expecting property name"
                                                                     " enclosed in double quotes"),
])
def test_a_record_that_does_not_fit_is_rejected_with_its_place_id_and_field(item, record_id, field, message):
    rejection = admit(item, 1)
    assert isinstance(rejection, Rejection)
    assert (rejection.source, rejection.location) == (item.source, item.location)
    assert (rejection.record_id, rejection.field) == (record_id, field)
    assert rejection.message.startswith(message)


def test_a_readers_rejection_passes_through_unchanged():
    rejection = Rejection(source="f.csv", location="row 2", message="a row with too many cells")
    assert admit(rejection, 5) is rejection


def test_a_bare_record_is_numbered_by_its_place_in_the_input():
    admitted = admit({"record_type": "dnacpr_decision", "id": "D1"}, 4)
    assert isinstance(admitted, Admitted)
    assert (admitted.source, admitted.location) == ("<input>", "record 4")
    assert admitted.record["rationale"] is None and admitted.record["id"] == "D1"
    assert admit({"record_type": "dnacpr_decision", "id": ""}, 4).location == "record 4"


@pytest.mark.parametrize("data, expected", [
    (b'{"id": "A1"}', "A1"), ({"id": 12}, "12"), ({"id": True}, None), (b"not json", None), ([1], None),
])
def test_a_rejected_record_is_named_by_its_id_when_it_gives_one(data, expected):
    assert record_id_of(data) == expected


def test_explain_decides_on_the_record_and_each_embedded_record_of_the_rules_type(book):
    auditor = Auditor(book, as_of=date(2024, 6, 30))
    (explained,) = auditor.explain("LDA-DNACPR-001", REVIEW)
    assert (explained.record_id, explained.at, explained.outcome, explained.fires) == ("R1", "dnacpr", True, True)
    assert explained.evidence[0][0].text == "Down's syndrome" and explained.evidence[0][1] == "dnacpr.rationale"
    assert any("dnacpr.rationale" in step.inputs for step in explained.steps)
    assert auditor.explain("LDA-DNACPR-001", {"record_type": "death_certificate", "id": "C1"}) == []


def test_explain_agrees_with_the_findings_of_a_run(book):
    auditor = Auditor(book, as_of=date(2024, 6, 30))
    fired = {f.rule_id for f in auditor.check(REVIEW)}
    for rule in book.rules:
        decided = auditor.explain(rule, REVIEW)
        assert (rule.id in fired) == any(e.fires for e in decided), rule.id


def test_a_warm_checker_gives_what_a_fresh_run_gives_record_after_record(book):
    from leder_audit import Checker, audit

    records = [REVIEW, {"record_type": "dnacpr_decision", "id": "D2", "rationale": "learning disability"},
               {"record_type": "dnacpr_decision", "id": "D3", "rationale": "end-stage COPD"}, REVIEW]
    checker = Checker(book, as_of=date(2024, 6, 30))
    for record in records:
        warm = [f.model_dump() for f in checker.check(record)]
        fresh = [f.model_dump() for f in audit([record], rulebook=book, as_of=date(2024, 6, 30)).findings]
        for finding in fresh:
            finding["location"] = finding["source"] = None
        assert warm == fresh


def test_book_check_keeps_one_warm_checker_per_rulebook_and_date(book):
    from leder_audit.rulebook import _checkers

    book.check(REVIEW, as_of=date(2024, 6, 30))
    first = _checkers()[(id(book), date(2024, 6, 30))]
    assert book.check(REVIEW, as_of=date(2024, 6, 30)) and _checkers()[(id(book), date(2024, 6, 30))] is first


def test_a_checker_without_a_date_judges_by_the_date_of_each_call(book, monkeypatch):
    import leder_audit.engine as engine
    from leder_audit import Checker

    class Day(date):
        current = date(2024, 1, 1)

        @classmethod
        def today(cls):
            return cls.current

    open_review = {"record_type": "mortality_review", "id": "R9", "notification_date": "2023-12-01"}
    monkeypatch.setattr(engine, "date", Day)
    checker = Checker(book)
    overdue = lambda: [f.rule_id for f in checker.check(open_review) if "review-timeliness" in f.tags]  # noqa: E731
    assert overdue() == []
    Day.current = date(2025, 1, 1)
    assert overdue() != []
