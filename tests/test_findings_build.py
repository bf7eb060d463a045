"""Findings as the engine builds them: the fingerprint's key, and the same model a user would construct."""

from __future__ import annotations

import hashlib
import json
import pickle

import pytest
from hypothesis import given, settings, strategies as st
from pydantic import ValidationError

from leder_audit import load_rulebook
from leder_audit.engine import Auditor, Incoming
from leder_audit.findings import Evidence, Finding, Step, fingerprint, fingerprint_of

from .conftest import AS_OF, FIXTURES

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


def by_json(rule_id: str, rule_version: int, record_id: str, path: str, evidence: str) -> str:
    key = json.dumps([rule_id, rule_version, record_id, path, evidence], ensure_ascii=False)
    return hashlib.sha256(key.encode()).hexdigest()[:32]


@settings(max_examples=300, deadline=None)
@given(TEXT, st.integers(min_value=1, max_value=10**20), TEXT, TEXT, TEXT)
def test_the_fingerprint_key_is_the_json_array_of_what_identifies_a_finding(rule_id, version, record_id, path, text):
    assert fingerprint_of(rule_id, version, record_id, path, text) == by_json(rule_id, version, record_id, path, text)


def test_the_fingerprint_key_escapes_as_json_does():
    texts = ['"quoted" \\ back', "tab\tnew\nline\r\x00\x1f\x7f", "Down’s syndrome é ☃ 𝄞", "\u2028\u2029", ""]
    for text in texts:
        assert fingerprint_of("LDA-X-1", 3, text, text, text) == by_json("LDA-X-1", 3, text, text, text)


def test_a_finding_fingerprints_its_rule_record_path_and_evidence():
    finding = Finding(rule_id="LDA-X-1", rule_version=2, title="t", severity="low", tags=["a"], record_id="R1",
                      record_type="death_certificate", message="m", path=None,
                      evidence=Evidence(text="Down's syndrome", start=0, end=15, path="part1[1].text"))
    assert finding.fingerprint == fingerprint(finding) == by_json("LDA-X-1", 2, "R1", "", "Down's syndrome")


def engine_findings() -> list[Finding]:
    """Findings on the fixtures: with and without evidence, on embedded records, decided on unknown data."""
    items = []
    for name in ("death_certificates.ndjson", "mortality_reviews.ndjson"):
        with open(FIXTURES / name, "rb") as lines:
            items += [Incoming(line, name, f"line {n}") for n, line in enumerate(lines, 1)]
    records = json.loads((FIXTURES / "dnacpr_decisions.json").read_text())
    items += [Incoming(record, "dnacpr_decisions.json", f"entry {n}") for n, record in enumerate(records, 1)]
    return list(Auditor(load_rulebook(), as_of=AS_OF).run(items))


def validated(finding: Finding) -> Finding:
    """The same finding made by the validating constructors, as a user would make it."""
    evidence = finding.evidence
    if evidence is not None:
        evidence = Evidence(text=evidence.text, start=evidence.start, end=evidence.end, path=evidence.path,
                            context=evidence.context)
    steps = [Step(expression=s.expression, value=s.value, inputs=s.inputs) for s in finding.explanation]
    values = {name: getattr(finding, name) for name in Finding.model_fields if name != "fingerprint"}
    return Finding(**{**values, "evidence": evidence, "explanation": steps})


def test_the_engine_builds_the_finding_the_validating_constructor_would():
    findings = engine_findings()
    assert any(f.evidence for f in findings) and any(f.decided_on_unknown for f in findings)
    assert any(f.path and f.path.startswith("dnacpr.") for f in findings)
    for finding in findings:
        expected = validated(finding)
        assert finding == expected and finding.fingerprint == expected.fingerprint == by_json(
            finding.rule_id, finding.rule_version, finding.record_id, finding.path or "",
            finding.evidence.text if finding.evidence else "")
        assert finding.model_dump_json() == expected.model_dump_json() and repr(finding) == repr(expected)
        assert list(finding.__dict__) == list(expected.__dict__)
        assert finding.model_fields_set == expected.model_fields_set
        assert (finding.__pydantic_extra__, finding.__pydantic_private__) == (None, None)
        if finding.evidence is not None:
            assert finding.evidence.model_fields_set == expected.evidence.model_fields_set
            assert list(finding.evidence.__dict__) == list(expected.evidence.__dict__)
        for step, expected_step in zip(finding.explanation, expected.explanation, strict=True):
            assert step.model_fields_set == expected_step.model_fields_set
            assert list(step.__dict__) == list(expected_step.__dict__)
        assert pickle.loads(pickle.dumps(finding)) == expected
        assert finding.model_copy(update={"message": "m"}) == expected.model_copy(update={"message": "m"})


def test_a_finding_the_engine_built_is_frozen_and_shares_no_list_with_its_rule():
    book = load_rulebook()
    finding = engine_findings()[0]
    spec = next(rule.spec for rule in book.rules if rule.id == finding.rule_id)
    with pytest.raises(ValidationError):
        finding.message = "changed"
    finding.tags.append("added")
    assert "added" not in spec.tags and finding.references is not spec.references


def _generated_findings(book, keep: int, monkeypatch, unique_text: bool = False) -> list[Finding]:
    from leder_audit import engine
    from leder_audit.generate import generate_records

    monkeypatch.setattr(engine, "EXPLAINED_LIMIT", keep)
    records = generate_records(1500, seed=31, problem_rate=0.5, unique_text=unique_text)
    return list(Auditor(book, as_of=AS_OF).run(records))


@pytest.mark.parametrize("keep", [4096, 7])
@pytest.mark.parametrize("unique_text", [False, True])
def test_explanations_kept_by_the_values_read_are_those_worked_out_afresh(monkeypatch, keep, unique_text):
    book = load_rulebook()
    fresh = _generated_findings(book, 0, monkeypatch, unique_text)
    kept = _generated_findings(book, keep, monkeypatch, unique_text)
    assert len(kept) == len(fresh) > 500
    for finding, expected in zip(kept, fresh, strict=True):
        assert finding.model_dump_json() == expected.model_dump_json()


def test_findings_with_the_same_explanation_share_its_steps_but_not_its_list(monkeypatch):
    findings = _generated_findings(load_rulebook(), 4096, monkeypatch)
    passports = [f for f in findings if f.rule_id == "LDA-REVIEW-019"]
    assert len(passports) > 10
    first, second = passports[:2]
    assert first.explanation == second.explanation and first.explanation is not second.explanation
    assert first.explanation[0] is second.explanation[0]
    first.explanation.append(first.explanation[0])
    assert len(second.explanation) == 1


@given(flag=st.sampled_from([True, False, None]), age=st.one_of(st.none(), st.integers(0, 120)))
@settings(max_examples=60, deadline=None)
def test_an_explanation_depends_on_the_values_read_and_nothing_kept_from_other_records(flag, age):
    """The same rule on records that differ only in what it reads: each explanation is the record's own."""
    book = load_rulebook()
    auditor = Auditor(book, as_of=AS_OF)
    records = [{"record_type": "mortality_review", "id": f"R{n}", "notification_date": "2024-01-01",
                "person": {"age": a}, "health": {"hospital_passport": f, "annual_health_check_within_12_months": f}}
               for n, (f, a) in enumerate([(flag, age), (not flag if flag is not None else False, age), (flag, age)])]
    for record in records:
        alone = Auditor(book, as_of=AS_OF).check(record)
        assert [f.model_dump_json() for f in auditor.check(record)] == [f.model_dump_json() for f in alone]
