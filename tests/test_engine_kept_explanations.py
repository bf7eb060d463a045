"""An Auditor that has checked many records explains a finding as a fresh one would."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from leder_audit.engine import Auditor

from .conftest import AS_OF
from .test_language_explain import generated_records


def test_a_null_part_and_a_null_field_in_it_are_explained_apart(book):
    no_family = {"record_type": "mortality_review", "id": "R1"}
    family_unsaid = {"record_type": "mortality_review", "id": "R2", "family": {"invited_to_contribute": None}}
    warm = Auditor(book, as_of=AS_OF)
    warm.check(no_family)
    for record in (family_unsaid, no_family):
        fresh = Auditor(book, as_of=AS_OF).check(record)
        assert [(f.path, f.explanation) for f in warm.check(record)] == [(f.path, f.explanation) for f in fresh]


# Certificates built from a few Part I wordings, so that a warm Auditor meets the same lines again, in other
# places, with other intervals, codes and scrutiny: explanations of loop rules are kept by the lines they read.
_WORDINGS = ["Aspiration pneumonia", "Learning disability", "Severe learning disabilities", "Down's syndrome",
             "Dementia in Down's syndrome", "Pneumonia due to learning disability", "AVSD", "Old age", "Choking",
             "Aspiration pneumonia in a man with severe learning disabilities", "", "Autism", "Rett syndrome"]
_lines = st.lists(st.fixed_dictionaries({
    "text": st.sampled_from(_WORDINGS),
    "icd10": st.one_of(st.none(), st.sampled_from(["F72", "Q90.9", "J69.0", "F84.0"])),
    "interval": st.one_of(st.none(), st.sampled_from(["2 days", "years"]))}), min_size=0, max_size=4)
_certificates = st.fixed_dictionaries({
    "record_type": st.just("death_certificate"), "id": st.sampled_from(["C1", "C2"]),
    "date_of_death": st.sampled_from(["2024-10-01", "2023-01-05"]),
    "part1": _lines,
    "part2": st.lists(st.fixed_dictionaries({"text": st.sampled_from(_WORDINGS)}), max_size=2),
    "underlying_cause_icd10": st.one_of(st.none(), st.sampled_from(["F72", "Q90.9", "F03"])),
    "referred_to_coroner": st.one_of(st.none(), st.booleans()),
    "person": st.fixed_dictionaries({"age": st.one_of(st.none(), st.integers(30, 95)),
                                     "learning_disability": st.one_of(st.none(), st.booleans())}),
    "medical_examiner": st.fixed_dictionaries({"scrutiny_completed": st.one_of(st.none(), st.booleans()),
                                               "bereaved_consulted": st.one_of(st.none(), st.booleans())}),
})
_WARM: dict[str, Auditor] = {}


@settings(max_examples=300, deadline=None)
@given(st.lists(_certificates, min_size=1, max_size=4))
def test_a_warm_auditor_explains_certificates_as_a_fresh_one_does(book, certificates):
    warm = _WARM.setdefault("auditor", Auditor(book, as_of=AS_OF))  # kept across examples, as in a long run
    for record in certificates:
        expected = [f.model_dump_json() for f in Auditor(book, as_of=AS_OF).check(record)]
        assert [f.model_dump_json() for f in warm.check(record)] == expected


# Records of every type from a few seeds, with some values changed: a warm Auditor meets the same values again
# in other records (other ids), so its kept explanations and messages are used, and sometimes new values.
_WARM_ANY: dict[str, Auditor] = {}


@st.composite
def _records_of_any_type(draw):
    record = draw(generated_records(draw(st.sampled_from(["death_certificate", "dnacpr_decision", "mortality_review"]))))
    record["id"] = draw(st.sampled_from(["A1", "A2", "B7"]))
    return record


@settings(max_examples=300, deadline=None)
@given(st.lists(_records_of_any_type(), min_size=1, max_size=3))
def test_a_warm_auditor_finds_what_a_fresh_one_does_on_any_record(book, records):
    from leder_audit.errors import InputError

    warm = _WARM_ANY.setdefault("auditor", Auditor(book, as_of=AS_OF))
    for record in records:
        try:
            expected = [f.model_dump_json() for f in Auditor(book, as_of=AS_OF).check(record)]
        except InputError:
            continue
        assert [f.model_dump_json() for f in warm.check(record)] == expected


@settings(max_examples=60, deadline=None)
@given(st.lists(_records_of_any_type(), min_size=1, max_size=6))
def test_the_counts_an_auditor_keeps_are_those_of_the_findings_it_gave(book, records):
    from collections import Counter

    from leder_audit import audit

    result = audit(records, rulebook=book, as_of=AS_OF)
    fired = Counter(f.rule_id for f in result.findings)
    not_recorded = Counter(f.rule_id for f in result.findings if f.decided_on_unknown)
    assert {r: s.fired for r, s in result.rule_stats.items() if s.fired} == dict(fired)
    assert {r: s.not_recorded for r, s in result.rule_stats.items() if s.not_recorded} == dict(not_recorded)
    assert result.not_recorded == sum(not_recorded.values())
    themes = Counter(t for f in result.findings if not f.decided_on_unknown for t in f.tags)
    assert result.by_theme == dict(themes)
    gaps = Counter(t for f in result.findings if f.decided_on_unknown for t in f.tags if t != "not-recorded")
    assert result.not_recorded_by_theme == dict(gaps)
    assert result.by_severity == {s: n for s, n in Counter(f.severity for f in result.findings).items()}


def test_a_full_store_keeps_the_explanations_found_again_within_its_bound(book, monkeypatch):
    from leder_audit import engine

    monkeypatch.setattr(engine, "EXPLAINED_LIMIT", 8)
    monkeypatch.setattr(engine, "MESSAGES_LIMIT", 8)
    regular = {"record_type": "mortality_review", "id": "R0", "notification_date": "2024-01-01",
               "person": {"age": 40}, "health": {"hospital_passport": None}}
    others = [{"record_type": "mortality_review", "id": f"R{n}", "notification_date": "2024-01-01",
               "person": {"age": n}, "health": {"hospital_passport": n % 2 == 0}} for n in range(1, 120)]
    auditor = Auditor(book, as_of=AS_OF)
    first = auditor.check_found(regular)
    assert first
    shrunk = 0
    for other in others:
        before = len(auditor._explained)
        found = auditor.check_found(other)
        shrunk += len(auditor._explained) < before
        assert len(auditor._explained) <= 8 and len(auditor._messages) <= 8
        assert [f.json() for f in found] == [f.json() for f in Auditor(book, as_of=AS_OF).check_found(other)]
        again = auditor.check_found(regular)
        # The regular record's reasons are found again each time, so every sweep keeps them.
        assert [f.reasons for f in again] == [f.reasons for f in first]
        assert [f.json() for f in again] == [f.json() for f in first]
    assert shrunk >= 3  # the store was full and made room several times
