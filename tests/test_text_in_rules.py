"""The text cases of the clinical-text issue, through the rules that use them: each both firing and not."""

from __future__ import annotations

import pytest

from .conftest import AS_OF

DNACPR = [
    # Synonyms, old terms and abbreviations.
    ("Severe learning disabilities, poor quality of life", True),
    ("Intellectual disability and frailty", True),
    ("Mental handicap; bed bound", True),
    ("PMLD, non-verbal", True),
    ("LD and recurrent chest infections", True),
    ("Profound and multiple learning disability", True),
    ("Autistic spectrum disorder; would not tolerate ICU", True),
    ("Trisomy 21 and dementia", True),
    ("Fragile X syndrome", True),
    # Misspellings of long words.
    ("Learning dissability, frail", True),
    ("Severe learnig disability", True),
    # Apostrophes.
    ("Down's syndrome", True),
    ("Downs syndrome and frailty", True),
    ("Down’s syndrome, dementia", True),
    # Negation, pseudo-negation and scope.
    ("Decision not based on his learning disability; end-stage COPD", False),
    ("Not due to his learning disability: metastatic lung cancer", False),
    ("LD is not a reason for this decision. Advanced heart failure.", False),
    ("Learning disability should never be a reason; CPR would not succeed given end-stage COPD", False),
    ("No learning disability. Frailty and end-stage renal failure.", False),
    ("The decision is not due to her Down's syndrome but to end-stage heart failure", False),
    ("Not for CPR due to learning disability", True),
    ("Not only his learning disability but also frailty", True),
    ("Frailty; also has learning disability", True),
    ("End-stage COPD, not for ICU. Learning disability.", True),
    # Someone else's words or condition, and hypotheticals.
    ("Family worried the DNACPR was because of his learning disability; decision rests on end-stage COPD", False),
    ("Mother concerned that the decision was due to his autism; metastatic cancer", False),
    ("Sister has Down's syndrome; patient has end-stage heart failure", False),
    ("Ask family re learning disability; end-stage COPD", False),
    # Words that look like the terms and are not.
    ("Seen by the learning disability liaison nurse; end-stage COPD", False),
    ("Atrial septal defect (ASD) repair in childhood; end-stage heart failure", False),
    ("Old age, frailty and cold peripheries", False),
]


@pytest.mark.parametrize("rationale, fires", DNACPR)
def test_dnacpr_rationale_rule_reads_free_text(book, rationale, fires):
    rule = book.select(["ld-dnacpr-rationale"])
    findings = rule.check({"record_type": "dnacpr_decision", "id": "D", "rationale": rationale}, as_of=AS_OF)
    assert bool(findings) is fires, [f.evidence for f in findings]
    for finding in findings:
        evidence = finding.evidence
        assert rationale[evidence.start:evidence.end] == evidence.text
        assert evidence.context == "affirmed"


CERTIFICATE = [
    (["Learning disability"], True),
    (["Downs syndrom"], True),
    (["Aspiration pneumonia", "Severe learnig disabilities"], True),
    (["Aspiration pneumonia", "Dysphagia", "Down’s syndrome"], True),
    (["Aspiration pneumonia", "Dysphagia"], False),
    (["Sepsis", "Urinary tract infection; not related to his learning disability"], False),
    (["Bronchopneumonia", "Learning disability nurse review delayed"], False),
]


@pytest.mark.parametrize("part1, fires", CERTIFICATE)
def test_cause_of_death_rules_read_free_text(book, part1, fires):
    rules = book.select(["ld-cause-of-death"])
    record = {"record_type": "death_certificate", "id": "C", "part1": [{"text": t} for t in part1]}
    findings = rules.check(record, as_of=AS_OF)
    assert bool(findings) is fires, [(f.rule_id, f.evidence) for f in findings]
