"""The engine: findings with evidence and explanation, embedded records, accounting, rule failures."""

from __future__ import annotations


import pytest

from leder_audit import audit, load_rulebook
from leder_audit.errors import InputError
from leder_audit.findings import Finding

from .conftest import AS_OF


def dnacpr(rationale: str, **fields) -> dict:
    """A decision documented in full, so that only its rationale can raise a finding."""
    return {"record_type": "dnacpr_decision", "id": "D1", "rationale": rationale, "decision_date": "2024-03-01",
            "discussed_with_person": True,
            "senior_responsible_clinician": "Dr A Consultant", "review_date": "2024-09-01", **fields}


def test_finding_carries_evidence_span_path_and_references(book):
    (finding,) = book.check(dnacpr("Frail; also has Down's syndrome"))
    assert finding.rule_id == "LDA-DNACPR-001" and finding.severity == "critical"
    assert finding.evidence.text == "Down's syndrome"
    assert "Frail; also has Down's syndrome"[finding.evidence.start:finding.evidence.end] == "Down's syndrome"
    assert finding.path == "rationale" and finding.evidence.context == "affirmed"
    assert '"Down\'s syndrome"' in finding.message
    assert finding.references and finding.references[0].source
    assert finding.tags == ["ld-dnacpr-rationale"]


def test_explanation_lists_the_deciding_sub_conditions(book):
    (finding,) = book.select(["LDA-MCCD-002"]).check({"record_type": "death_certificate", "id": "C1", "part1": [
        {"text": "Pneumonia"}, {"text": "Learning disability"}]})
    steps = {s.expression: s.value for s in finding.explanation}
    assert steps["len(lines) >= 2"] is True
    assert steps["mentions_only(last, ld_downs_autism)"] is True


def test_fingerprint_is_stable_and_distinguishes_records(book):
    first = book.check(dnacpr("Downs syndrome"))[0]
    again = book.check(dnacpr("Downs syndrome"))[0]
    other = book.check(dnacpr("Downs syndrome", id="D2"))[0]
    assert first.fingerprint == again.fingerprint != other.fingerprint
    assert len(first.fingerprint) == 32


def test_rules_run_on_records_embedded_in_a_review(book):
    review = {"record_type": "mortality_review", "id": "R1", "notification_date": "2024-01-01",
              "review_completed_date": "2024-02-01",
              "death_certificate": {"id": "C9", "part1": [{"text": "Sepsis"}, {"text": "Severe learning disability"}]},
              "dnacpr": {"id": "D9", "rationale": "LD and frail"}}
    chosen = book.select(["ld-cause-of-death", "ld-dnacpr-rationale"])
    findings = {f.rule_id: f for f in chosen.check(review, as_of=AS_OF)}
    assert set(findings) == {"LDA-MCCD-002", "LDA-DNACPR-001"}
    assert findings["LDA-MCCD-002"].path == "death_certificate.part1[1].text"
    assert findings["LDA-DNACPR-001"].evidence.path == "dnacpr.rationale"
    assert all(f.record_id == "R1" and f.record_type == "mortality_review" for f in findings.values())


def test_affirmed_only_negated_mentions_do_not_fire(book):
    assert book.check(dnacpr("Decision not based on his learning disability; end-stage COPD")) == []


def test_accounting_checked_plus_rejected_equals_read(book):
    records = [dnacpr("frail"), {"record_type": "unknown", "id": "X"}, dnacpr("LD", id="D2"), [1, 2], "text",
               {"record_type": "death_certificate"}, {"record_type": "death_certificate", "id": "C", "date_of_death": "2022-02-31"}]
    result = audit(records, rulebook=book, as_of=AS_OF)
    assert result.records_read == 7
    assert result.records_checked == 2
    assert len(result.rejected) == 5
    assert result.records_checked + len(result.rejected) == result.records_read
    reasons = {r.location: (r.field, r.message) for r in result.rejected}
    assert reasons["record 2"][0] == "record_type"
    assert reasons["record 6"][0] == "id"
    assert reasons["record 7"][0] == "date_of_death"
    assert "JSON object" in reasons["record 4"][1]


def test_per_rule_denominators(book):
    records = [dnacpr("LD"), dnacpr("End-stage COPD", id="D2"), dnacpr(None, id="D3")]
    result = audit(records, rulebook=book, as_of=AS_OF)
    stats = result.rule_stats["LDA-DNACPR-001"]
    assert (stats.applied, stats.fired, stats.unknown, stats.errored) == (3, 1, 1, 0)
    assert result.by_theme == {"ld-dnacpr-rationale": 1}
    assert result.by_severity == {"critical": 1}


RULES = """\
id: T-{n}
version: 1
title: t
severity: low
applies_to: mortality_review
tags: [transition]
references: [{{source: s}}]
rationale: r
when: {when}
when_unknown: {unknown}
message: "age {{person.age}}"
"""


UNKNOWN_CASE = """\
unknown:
  title: plan not recorded
  message: "plan not recorded at age {person.age}"
"""


def rulebook_of(tmp_path, when: str, unknown: str = "pass", case: str = UNKNOWN_CASE):
    text = RULES.format(n=1, when=when, unknown=unknown) + (case if unknown == "fire" else "")
    (tmp_path / "r.yaml").write_text(text, encoding="utf-8")
    return load_rulebook(tmp_path, builtin=False)


PLAN = "person.age >= 14 and transition.transition_plan_documented == false"


def test_when_unknown_fire_raises_the_rules_not_recorded_case(tmp_path):
    book = rulebook_of(tmp_path, PLAN, "fire")
    (finding,) = book.check({"record_type": "mortality_review", "id": "R", "person": {"age": 19}})
    assert finding.decided_on_unknown is True
    assert (finding.title, finding.message) == ("plan not recorded", "plan not recorded at age 19")
    assert finding.tags == ["transition", "not-recorded"]
    assert book.check({"record_type": "mortality_review", "id": "R", "person": {"age": 9}}) == []


def test_a_recorded_failure_keeps_the_rules_own_title_severity_and_tags(tmp_path):
    book = rulebook_of(tmp_path, PLAN, "fire")
    (finding,) = book.check({"record_type": "mortality_review", "id": "R", "person": {"age": 19},
                             "transition": {"transition_plan_documented": False}})
    assert not finding.decided_on_unknown
    assert (finding.title, finding.severity, finding.tags, finding.message) == ("t", "low", ["transition"], "age 19")


@pytest.mark.parametrize(("severity", "declared", "expected"), [
    ("critical", None, "high"), ("high", None, "medium"), ("medium", None, "low"), ("low", None, "info"),
    ("info", None, "info"), ("critical", "low", "low"), ("high", "info", "info"),
])
def test_the_not_recorded_case_ranks_below_the_recorded_one(tmp_path, severity, declared, expected):
    case = UNKNOWN_CASE + (f"  severity: {declared}\n" if declared else "")
    (tmp_path / "r.yaml").write_text(RULES.format(n=1, when=PLAN, unknown="fire").replace("severity: low",
                                     f"severity: {severity}") + case, encoding="utf-8")
    book = load_rulebook(tmp_path, builtin=False)
    (finding,) = book.check({"record_type": "mortality_review", "id": "R", "person": {"age": 19}})
    assert finding.severity == expected


def test_not_recorded_findings_are_counted_apart_from_care_failures(tmp_path):
    book = rulebook_of(tmp_path, PLAN, "fire")
    records = [{"record_type": "mortality_review", "id": "R1", "person": {"age": 19}},
               {"record_type": "mortality_review", "id": "R2", "person": {"age": 20},
                "transition": {"transition_plan_documented": False}},
               {"record_type": "mortality_review", "id": "R3", "person": {"age": 21},
                "transition": {"transition_plan_documented": True}},
               {"record_type": "mortality_review", "id": "R4", "person": {"age": 8}}]
    result = audit(records, rulebook=book)
    assert len(result.findings) == 2
    assert result.by_theme == {"transition": 1}
    assert (result.not_recorded, result.not_recorded_by_theme) == (1, {"transition": 1})
    stats = result.rule_stats["T-1"]
    assert (stats.applied, stats.fired, stats.not_recorded, stats.unknown) == (4, 2, 1, 1)
    assert stats.completeness == 0.75


@pytest.mark.parametrize(("select", "ignore", "expected"), [
    ([], [], {("R1", True), ("R2", False)}),
    (["not-recorded"], [], {("R1", True)}),
    ([], ["not-recorded"], {("R2", False)}),
    (["transition"], ["not-recorded"], {("R2", False)}),
    (["T-1", "not-recorded"], [], {("R1", True), ("R2", False)}),
])
def test_not_recorded_findings_are_selected_and_ignored_like_a_tag(tmp_path, select, ignore, expected):
    book = rulebook_of(tmp_path, PLAN, "fire").select(select, ignore)
    records = [{"record_type": "mortality_review", "id": "R1", "person": {"age": 19}},
               {"record_type": "mortality_review", "id": "R2", "person": {"age": 20},
                "transition": {"transition_plan_documented": False}}]
    found = {(f.record_id, f.decided_on_unknown) for f in audit(records, rulebook=book).findings}
    assert found == expected


def test_unknown_does_not_fire_by_default(tmp_path):
    book = rulebook_of(tmp_path, "person.age >= 14 and transition.transition_plan_documented == false")
    assert book.check({"record_type": "mortality_review", "id": "R", "person": {"age": 19}}) == []


def test_a_rule_failing_at_run_time_is_reported_and_the_run_goes_on(tmp_path, monkeypatch):
    book = rulebook_of(tmp_path, "person.age >= 14")
    rule = book.rules[0]

    def broken(env):
        raise ValueError("boom")

    book.plans["mortality_review"] = [(rule, broken)]
    result = audit([{"record_type": "mortality_review", "id": "R1"}, {"record_type": "mortality_review", "id": "R2"}],
                   rulebook=book)
    assert result.records_checked == 2
    assert [(e.rule_id, e.record_id) for e in result.errors] == [("T-1", "R1"), ("T-1", "R2")]
    assert "boom" in result.errors[0].message
    assert result.rule_stats["T-1"].errored == 2


def test_check_refuses_a_record_that_does_not_fit(book):
    with pytest.raises(InputError) as caught:
        book.check({"record_type": "death_certificate", "id": "C", "person": {"age": "forty"}})
    assert caught.value.field == "person.age"


def test_check_accepts_a_model(book):
    from leder_audit import DnacprDecision

    assert book.check(DnacprDecision(id="D", rationale="PMLD"))[0].rule_id == "LDA-DNACPR-001"


def test_findings_serialise_to_the_published_schema_shape(book):
    finding = book.check(dnacpr("Downs syndrome"))[0]
    data = finding.model_dump(mode="json")
    assert Finding.model_validate(data) == finding
    assert {"rule_id", "rule_version", "title", "severity", "tags", "record_id", "record_type", "message", "path",
            "evidence", "references", "fingerprint", "explanation"} <= set(data)
