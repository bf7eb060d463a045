"""The built-in rulebook as a clinical specification: real-looking records, profiles, themes, fixtures."""

from __future__ import annotations

import re

import pytest

from leder_audit import audit
from leder_audit.engine import validate
from leder_audit.findings import SEVERITIES
from leder_audit.readers import read

from .conftest import AS_OF, FIXTURES

DESIGN_THEMES = {
    "ld-cause-of-death", "ld-dnacpr-rationale", "dnacpr-process", "mca", "transition", "care-coordination",
    "family-involvement", "review-timeliness", "deterioration", "aspiration-pneumonia", "health-checks",
    "reasonable-adjustments", "ethnicity-representation",
}
# Needs population figures, which a single record cannot show.
THEMES_LEFT_FOR_LATER = {"ethnicity-representation"}


def certificate(*part1: str, part2: tuple[str, ...] = (), **fields) -> dict:
    return {"record_type": "death_certificate", "id": "C1", "date_of_death": "2024-03-01",
            "part1": [{"text": t} for t in part1], "part2": [{"text": t} for t in part2], **fields}


def decision(**fields) -> dict:
    """A DNACPR decision documented in full; each case overrides what it is about."""
    return {"record_type": "dnacpr_decision", "id": "D1", "form": "dnacpr", "decision_date": "2024-02-01",
            "rationale": "End-stage heart failure; CPR would not be successful", "person_has_capacity": True,
            "capacity_assessment_documented": True, "discussed_with_person": True,
            "senior_responsible_clinician": "Dr A Consultant", "review_date": "2024-08-01", **fields}


def review(**fields) -> dict:
    """A LeDeR review that shows good practice everywhere; each case overrides what it is about."""
    return {
        "record_type": "mortality_review", "id": "R1", "notification_date": "2024-01-10",
        "review_completed_date": "2024-05-01", "date_of_death": "2024-01-02",
        "person": {"age": 52, "learning_disability": True},
        "family": {"invited_to_contribute": True, "concerns_raised": False},
        "care_coordination": {"agencies_involved": ["GP", "acute trust"], "named_care_coordinator": True,
                              "information_sharing_problems": False},
        "health": {"annual_health_check_within_12_months": True, "health_action_plan": True,
                   "reasonable_adjustment_flag": True, "hospital_passport": True},
        "mca": {"capacity_assessment_required": False, "best_interests_process_followed": True},
        "deterioration": {"signs_recognised_promptly": True, "early_warning_score_used": True,
                          "delay_in_treatment": False},
        "risks": {"dysphagia": False, "aspiration_pneumonia": False, "epilepsy": False},
        "care_grading": 2, **fields,
    }


def young(age: int | None = None, **transition) -> dict:
    person = {"age": age} if age is not None else {"date_of_birth": "2004-01-01"}
    return review(person=person, transition=transition)


FULL_TRANSITION = dict(ehc_plan=True, preparation_for_adulthood_from_14=True, transition_plan_documented=True,
                       transition_lead_named=True, information_shared_with_adult_services=True)

# (rule id, record, should fire)
CASES = [
    # Part I: only condition, underlying cause, link in the chain; Part II is the right place.
    ("LDA-MCCD-001", certificate("Profound and multiple learning disabilities"), True),
    ("LDA-MCCD-001", certificate("Trisomy 21"), True),
    ("LDA-MCCD-001", certificate("Old age"), False),
    ("LDA-MCCD-001", certificate("Bronchopneumonia", part2=("Down's syndrome",)), False),
    ("LDA-MCCD-002", certificate("Sepsis", "Pressure ulcer", "Severe learning disability"), True),
    ("LDA-MCCD-002", certificate("Aspiration pneumonia", "Autistic spectrum disorder"), True),
    ("LDA-MCCD-002", certificate("Aspiration pneumonia", "Dysphagia", part2=("Learning disability",)), False),
    ("LDA-MCCD-002", certificate("Pneumonia", "COPD", part2=("Mild learning disability", "Autism")), False),
    ("LDA-MCCD-003", certificate("Aspiration pneumonia", "Learning disability", "Cerebral palsy"), True),
    ("LDA-MCCD-003", certificate("Aspiration pneumonia", "Dysphagia", "Cerebral palsy"), False),
    ("LDA-MCCD-003", certificate("Aspiration pneumonia", "Dysphagia", "Cerebral palsy",
                                 part2=("Learning disability",)), False),
    ("LDA-MCCD-004", certificate("Bronchopneumonia", underlying_cause_icd10="F79"), True),
    ("LDA-MCCD-004", certificate("Bronchopneumonia", underlying_cause_icd10="F84.5"), True),
    ("LDA-MCCD-004", certificate("Bronchopneumonia", underlying_cause_icd10="J18.0"), False),
    ("LDA-MCCD-004", certificate("Bronchopneumonia", underlying_cause_icd10="F81.1"), False),
    # Medical examiner: old age and frailty, scrutiny, the bereaved, and deaths the coroner must hear of.
    ("LDA-MCCD-005", certificate("Frailty", person={"age": 62}), True),
    ("LDA-MCCD-005", certificate("Old age", person={"age": 84}), False),
    ("LDA-MCCD-006", certificate("Aspiration pneumonia", "Frailty of old age", person={"age": 90}), True),
    ("LDA-MCCD-006", certificate("Old age", person={"age": 90}, part2=("Mild learning disability",)), False),
    ("LDA-MCCD-007", certificate("Aspiration pneumonia", date_of_death="2024-10-01", person={"learning_disability": True},
                                 medical_examiner={"scrutiny_completed": False}), True),
    ("LDA-MCCD-007", certificate("Aspiration pneumonia", person={"learning_disability": True},
                                 medical_examiner={"scrutiny_completed": False}), False),
    ("LDA-MCCD-008", certificate("Sepsis", date_of_death="2024-12-01", person={"autism": True},
                                 medical_examiner={"scrutiny_completed": True, "bereaved_consulted": False}), True),
    ("LDA-MCCD-008", certificate("Sepsis", date_of_death="2024-12-01", person={"autism": True},
                                 medical_examiner={"scrutiny_completed": True, "bereaved_consulted": False,
                                                   "reason_bereaved_not_consulted": "No family or friends could be traced"}), False),
    ("LDA-MCCD-009", certificate("Sepsis", "Profound learning disability", medical_examiner={"scrutiny_completed": True}), True),
    ("LDA-MCCD-009", certificate("Sepsis", part2=("Profound learning disability",),
                                 medical_examiner={"scrutiny_completed": True}), False),
    ("LDA-MCCD-010", certificate("Aspiration", "Choked on sandwich", referred_to_coroner=False), True),
    ("LDA-MCCD-010", certificate("Head injury", "Fall from wheelchair", referred_to_coroner=True), False),
    ("LDA-MCCD-011", certificate("Pneumonia", detained_under_mental_health_act=True, referred_to_coroner=False), True),
    ("LDA-MCCD-011", certificate("Pneumonia", detained_under_mental_health_act=True, referred_to_coroner=True), False),
    ("LDA-MCCD-012", certificate("Choking on a food bolus in an autistic man"), True),
    ("LDA-MCCD-012", certificate("Choking on a food bolus", part2=("Autism",)), False),
    ("LDA-MCCD-013", certificate("Bronchopneumonia", "Alzheimer's dementia", "Trisomy 21"), True),
    ("LDA-MCCD-013", certificate("Bronchopneumonia", "Alzheimer's dementia", part2=("Trisomy 21",)), False),
    ("LDA-MCCD-014", certificate("Lennox-Gastaut syndrome"), True),
    ("LDA-MCCD-014", certificate("Status epilepticus", "Lennox-Gastaut syndrome"), False),
    # DNACPR rationale: affirmed mentions only.
    ("LDA-DNACPR-001", decision(rationale="PMLD, bed bound"), True),
    ("LDA-DNACPR-001", decision(rationale="Not for CPR due to learning disability"), True),
    ("LDA-DNACPR-001", decision(rationale="Autistic; would not tolerate ITU"), True),
    ("LDA-DNACPR-001", decision(rationale="End-stage renal failure. Her learning disability is not a reason."), False),
    ("LDA-DNACPR-001", decision(rationale="Mother has a learning disability; he has metastatic cancer"), False),
    ("LDA-DNACPR-008", decision(rationale="?LD, frail, not for CPR"), True),
    ("LDA-DNACPR-008", decision(rationale="Possible autism; would not cope with ITU"), True),
    ("LDA-DNACPR-008", decision(rationale="Severe LD and possible autism"), False),
    ("LDA-DNACPR-008", decision(rationale="Possible aspiration pneumonia; end-stage MND"), False),
    ("LDA-DNACPR-009", decision(rationale="PMH: Down's syndrome. Reason: end-stage heart failure, CPR would fail"), True),
    ("LDA-DNACPR-009", decision(rationale="Down's syndrome, end-stage heart failure"), False),
    # DNACPR process.
    ("LDA-DNACPR-002", decision(person_has_capacity=False, capacity_assessment_documented=None,
                                best_interests_documented=True), True),
    ("LDA-DNACPR-002", decision(person_has_capacity=False, best_interests_documented=True), False),
    ("LDA-DNACPR-002", decision(person_has_capacity=None, capacity_assessment_documented=None), False),
    # Best interests are owed when CPR might succeed; when it would not, the decision is clinical.
    ("LDA-DNACPR-003", decision(person_has_capacity=False, rationale="Frail; family feel he would not want CPR"), True),
    ("LDA-DNACPR-003", decision(person_has_capacity=False, rationale="Advanced dementia", cpr_would_not_succeed=False), True),
    ("LDA-DNACPR-003", decision(person_has_capacity=False), False),
    ("LDA-DNACPR-003", decision(person_has_capacity=False, rationale="Advanced dementia", cpr_would_not_succeed=True), False),
    ("LDA-DNACPR-003", decision(person_has_capacity=False, best_interests_documented=True), False),
    ("LDA-DNACPR-004", decision(person_has_capacity=None, discussed_with_person=None), True),
    # Winspear: those close to a person who lacks capacity are owed consultation even when CPR would fail.
    ("LDA-DNACPR-004", decision(person_has_capacity=False, discussed_with_person=False,
                                discussed_with_family_or_advocate=False, best_interests_documented=True), True),
    ("LDA-DNACPR-004", decision(person_has_capacity=False, discussed_with_person=False,
                                discussed_with_family_or_advocate=True), False),
    ("LDA-DNACPR-004", decision(person_has_capacity=None, discussed_with_person=False,
                                discussed_with_family_or_advocate=False), True),
    ("LDA-DNACPR-004", decision(discussed_with_person=False, discussed_with_family_or_advocate=False), False),
    ("LDA-DNACPR-004", decision(discussed_with_person=False, discussed_with_family_or_advocate=True), False),
    ("LDA-DNACPR-004", decision(discussed_with_person=False, discussed_with_family_or_advocate=False,
                                reason_not_discussed="Unconscious on admission; sister to be called"), False),
    # Tracey: a person with capacity is involved in their own decision; telling the family is not enough.
    ("LDA-DNACPR-007", decision(discussed_with_person=False, discussed_with_family_or_advocate=True), True),
    ("LDA-DNACPR-007", decision(discussed_with_person=None), True),
    ("LDA-DNACPR-007", decision(discussed_with_person=False, discussed_with_family_or_advocate=False), True),
    ("LDA-DNACPR-007", decision(discussed_with_person=False, discussed_with_family_or_advocate=True,
                                reason_not_discussed="Discussion now would cause serious psychological harm "
                                                     "(psychiatry opinion); revisit on Friday"), False),
    ("LDA-DNACPR-007", decision(person_has_capacity=False, discussed_with_person=False,
                                discussed_with_family_or_advocate=True, best_interests_documented=True), False),
    ("LDA-DNACPR-005", decision(senior_responsible_clinician=None), True),
    ("LDA-DNACPR-005", decision(senior_responsible_clinician=""), True),
    ("LDA-DNACPR-005", decision(), False),
    ("LDA-DNACPR-006", decision(review_date=None), True),
    ("LDA-DNACPR-006", decision(), False),
    ("LDA-DNACPR-006", decision(form="respect", review_date=None), False),
    ("LDA-DNACPR-006", decision(form="tep", review_date=None), True),
    # Inspector: a rationale of quality of life or frailty alone; no decision date.
    ("LDA-DNACPR-010", decision(rationale="Poor quality of life, fully dependent on carers"), True),
    ("LDA-DNACPR-010", decision(rationale="Frail; CPR would not be successful"), False),
    ("LDA-DNACPR-011", decision(decision_date=None), True),
    ("LDA-DNACPR-011", decision(), False),
    # Timeliness, judged at AS_OF for open reviews.
    ("LDA-REVIEW-001", review(notification_date="2023-06-01", review_completed_date="2024-01-15"), True),
    ("LDA-REVIEW-001", review(notification_date="2023-06-01", review_completed_date=None), False),
    ("LDA-REVIEW-001", review(notification_date="2023-06-01", review_completed_date="2023-12-01"), False),
    ("LDA-REVIEW-023", review(notification_date="2023-06-01", review_completed_date=None), True),
    ("LDA-REVIEW-023", review(notification_date="2024-02-01", review_completed_date=None), False),
    ("LDA-REVIEW-023", review(notification_date="2023-06-01", review_completed_date="2024-01-15"), False),
    # A review on hold is told apart from a late one.
    ("LDA-REVIEW-023", review(notification_date="2023-06-01", review_completed_date=None,
                              hold={"reason": "coroner", "start_date": "2023-07-01"}), False),
    ("LDA-REVIEW-024", review(notification_date="2023-06-01", review_completed_date=None,
                              hold={"reason": "coroner", "start_date": "2023-07-01"}), True),
    ("LDA-REVIEW-024", review(notification_date="2023-06-01", review_completed_date=None), False),
    ("LDA-REVIEW-001", review(notification_date="2023-06-01", review_completed_date="2024-01-15",
                              hold={"reason": "police", "start_date": "2023-07-01", "end_date": "2023-09-01"}), False),
    ("LDA-REVIEW-030", review(date_of_death="2023-09-01", notification_date="2024-01-10"), True),
    ("LDA-REVIEW-030", review(), False),
    # Focused reviews, constipation, sepsis, the register, STOMP.
    ("LDA-REVIEW-025", review(person={"age": 40, "learning_disability": True, "ethnicity": "H"}, focused_review=False), True),
    ("LDA-REVIEW-025", review(person={"age": 40, "learning_disability": True, "ethnicity": "A"}, focused_review=False), False),
    ("LDA-REVIEW-026", review(risks={"constipation": True, "bowel_care_plan": False}), True),
    ("LDA-REVIEW-026", review(risks={"constipation": True, "bowel_care_plan": True}), False),
    ("LDA-REVIEW-027", review(risks={"sepsis": True, "sepsis_screening": False}), True),
    ("LDA-REVIEW-027", review(risks={"sepsis": False}), False),
    ("LDA-REVIEW-028", review(health={"on_learning_disability_register": False}), True),
    ("LDA-REVIEW-028", review(health={"on_learning_disability_register": True}), False),
    ("LDA-REVIEW-029", review(health={"psychotropic_medication": True, "stomp_review": False}), True),
    ("LDA-REVIEW-029", review(health={"psychotropic_medication": True, "stomp_review": True}), False),
    # Transition: ages 14 and 25 are in, 13 and 26 are out; missing documentation fires.
    ("LDA-REVIEW-002", young(14), True),
    ("LDA-REVIEW-002", young(25, transition_plan_documented=False), True),
    ("LDA-REVIEW-002", young(None), True),
    ("LDA-REVIEW-002", young(13), False),
    ("LDA-REVIEW-002", young(26), False),
    ("LDA-REVIEW-002", young(18, **FULL_TRANSITION), False),
    ("LDA-REVIEW-002", review(person={}), False),
    ("LDA-REVIEW-003", young(16, ehc_plan=True), True),
    ("LDA-REVIEW-003", young(16, ehc_plan=False), False),
    ("LDA-REVIEW-003", young(16), False),
    ("LDA-REVIEW-003", young(26, ehc_plan=True), False),
    ("LDA-REVIEW-004", young(21, transition_plan_documented=True), True),
    ("LDA-REVIEW-004", young(13, transition_lead_named=False), False),
    ("LDA-REVIEW-005", young(None, transition_plan_documented=True), True),
    ("LDA-REVIEW-005", young(26, information_shared_with_adult_services=False), False),
    # Care co-ordination.
    ("LDA-REVIEW-006", review(care_coordination={"agencies_involved": ["GP", "CLDT", "social care"]}), True),
    ("LDA-REVIEW-006", review(care_coordination={"agencies_involved": ["GP"], "named_care_coordinator": False}), False),
    ("LDA-REVIEW-006", review(care_coordination={"agencies_involved": ["GP practice", "GP Practice"],
                                                 "named_care_coordinator": False}), False),
    ("LDA-REVIEW-006", review(health={"long_term_conditions": 2},
                              care_coordination={"agencies_involved": ["GP"], "named_care_coordinator": False}), True),
    ("LDA-REVIEW-007", review(care_coordination={"agencies_involved": ["GP", "acute trust"],
                                                 "named_care_coordinator": True,
                                                 "information_sharing_problems": True}), True),
    ("LDA-REVIEW-007", review(care_coordination={"information_sharing_problems": None}), False),
    # Family.
    ("LDA-REVIEW-008", review(family=None), True),
    ("LDA-REVIEW-008", review(family={"invited_to_contribute": False}), True),
    ("LDA-REVIEW-008", review(), False),
    ("LDA-REVIEW-009", review(family={"invited_to_contribute": True, "concerns_raised": True}), True),
    ("LDA-REVIEW-009", review(family={"invited_to_contribute": True, "concerns_raised": True,
                                      "concerns_text": "Not told he was moved to another ward"}), False),
    ("LDA-REVIEW-022", review(family={"invited_to_contribute": True, "concerns_raised": True,
                                      "concerns_text": "Not told he was moved to another ward"}), True),
    ("LDA-REVIEW-022", review(family={"invited_to_contribute": True, "concerns_raised": True,
                                      "concerns_text": "Not told he was moved to another ward",
                                      "concerns_response": "Ward manager apologised; transfer checklist now tells families"}), False),
    # Mental Capacity Act.
    ("LDA-REVIEW-010", review(mca={"capacity_assessment_required": True}), True),
    ("LDA-REVIEW-010", review(mca={"capacity_assessment_required": True, "capacity_assessment_done": True}), False),
    ("LDA-REVIEW-011", review(mca={"capacity_assessment_required": True, "capacity_assessment_done": True,
                                   "capacity_assessment_outcome": "lacks_capacity",
                                   "best_interests_process_followed": False}), True),
    ("LDA-REVIEW-011", review(mca={"capacity_assessment_required": False, "best_interests_process_followed": False}), False),
    ("LDA-REVIEW-011", review(mca={"capacity_assessment_outcome": "has_capacity",
                                   "best_interests_process_followed": False}), False),
    ("LDA-REVIEW-011", review(mca={}), False),
    # Deterioration.
    ("LDA-REVIEW-012", review(deterioration={"signs_recognised_promptly": False}), True),
    ("LDA-REVIEW-012", review(deterioration=None), False),
    ("LDA-REVIEW-013", review(deterioration={"delay_in_treatment": True}), True),
    ("LDA-REVIEW-013", review(), False),
    ("LDA-REVIEW-014", review(deterioration={"early_warning_score_used": False}), True),
    ("LDA-REVIEW-014", review(), False),
    # Aspiration pneumonia and dysphagia.
    ("LDA-REVIEW-015", review(risks={"aspiration_pneumonia": True, "salt_assessment": False}), True),
    ("LDA-REVIEW-015", review(risks={"dysphagia": True}), True),
    ("LDA-REVIEW-015", review(risks={"dysphagia": True, "salt_assessment": True}), False),
    ("LDA-REVIEW-015", review(risks=None), False),
    # Health checks, action plans, reasonable adjustments, epilepsy.
    ("LDA-REVIEW-016", review(health={"annual_health_check_within_12_months": False}), True),
    ("LDA-REVIEW-016", review(person={"age": 12, "learning_disability": True},
                              health={"annual_health_check_within_12_months": False}), False),
    # Autistic adults without a learning disability are not eligible for the learning disability health check.
    ("LDA-REVIEW-016", review(person={"age": 30, "autism": True, "learning_disability": False},
                              health={"annual_health_check_within_12_months": False}), False),
    ("LDA-REVIEW-017", review(health={"health_action_plan": False}), True),
    ("LDA-REVIEW-017", review(health={}), False),
    ("LDA-REVIEW-017", review(person={"age": 13, "learning_disability": True}, health={"health_action_plan": False}), False),
    ("LDA-REVIEW-017", review(person={"age": 30, "autism": True, "learning_disability": False},
                              health={"health_action_plan": False}), False),
    ("LDA-REVIEW-018", review(health={"reasonable_adjustment_flag": False}), True),
    ("LDA-REVIEW-018", review(health={"reasonable_adjustment_flag": None}), False),
    ("LDA-REVIEW-019", review(health={"hospital_passport": False}), True),
    ("LDA-REVIEW-019", review(), False),
    ("LDA-REVIEW-020", review(risks={"epilepsy": True}), True),
    ("LDA-REVIEW-020", review(risks={"epilepsy": True, "epilepsy_care_plan": True}), False),
    # Care grading.
    ("LDA-REVIEW-021", review(care_grading=6), True),
    ("LDA-REVIEW-021", review(care_grading=4), False),
    ("LDA-REVIEW-021", review(care_grading=None), False),
]


@pytest.mark.parametrize("rule_id, record, fires", CASES,
                         ids=[f"{r}-{'fires' if f else 'passes'}-{n}" for n, (r, _, f) in enumerate(CASES)])
def test_rule_decides_a_clinical_case(book, rule_id, record, fires):
    findings = book.select([rule_id]).check(record, as_of=AS_OF)
    assert bool(findings) is fires, [f.message for f in findings]


def test_every_builtin_rule_has_clinical_cases_both_ways(book):
    fired = {r for r, _, f in CASES if f}
    passed = {r for r, _, f in CASES if not f}
    assert set(book.by_id) <= fired & passed


@pytest.mark.parametrize("record", [certificate("Old age"), decision(), review()],
                         ids=["certificate", "decision", "review"])
def test_a_well_documented_record_fires_nothing(book, record):
    assert book.check(record, as_of=AS_OF) == []


def test_certificate_and_dnacpr_rules_run_on_a_reviews_embedded_records(book):
    record = review(death_certificate=certificate("Aspiration pneumonia", "Learning disability", "Cerebral palsy"),
                    dnacpr={"id": "D9", "rationale": "Down's syndrome", "discussed_with_family_or_advocate": True,
                            "senior_responsible_clinician": "Dr B", "decision_date": "2023-12-01",
                            "review_date": "2024-01-01"})
    findings = {f.rule_id: f for f in book.check(record, as_of=AS_OF)}
    assert set(findings) == {"LDA-MCCD-003", "LDA-DNACPR-001"}
    assert findings["LDA-MCCD-003"].path == "death_certificate.part1[1].text"
    assert findings["LDA-DNACPR-001"].path == "dnacpr.rationale"
    assert {f.record_id for f in findings.values()} == {"R1"}


def test_transition_findings_on_missing_documentation_say_so(book):
    (finding,) = book.select(["LDA-REVIEW-002"]).check(young(None), as_of=AS_OF)
    assert finding.decided_on_unknown
    assert "date of birth: 2004-01-01" in finding.message


def test_a_review_with_no_family_block_is_a_documentation_gap_below_the_recorded_failure(book):
    blank = review()
    del blank["family"]
    (gap,) = book.select(["LDA-REVIEW-008"]).check(blank, as_of=AS_OF)
    (failure,) = book.select(["LDA-REVIEW-008"]).check(review(family={"invited_to_contribute": False}), as_of=AS_OF)
    assert gap.decided_on_unknown and not failure.decided_on_unknown
    assert gap.title == "Family involvement not recorded in the review"
    assert gap.title != failure.title and gap.message != failure.message
    assert SEVERITIES.index(gap.severity) < SEVERITIES.index(failure.severity)
    assert gap.tags == ["family-involvement", "not-recorded"] and failure.tags == ["family-involvement"]


def test_every_rule_that_fires_on_unknown_says_not_recorded_at_a_lower_severity(book):
    firing = [rule for rule in book.rules if rule.spec.when_unknown == "fire"]
    assert len(firing) >= 12
    for rule in firing:
        spec = rule.spec
        assert "not record" in spec.unknown.title and "not record" in spec.unknown.message, rule.id
        assert spec.unknown_severity == "info" or SEVERITIES.index(spec.unknown_severity) < SEVERITIES.index(
            spec.severity), rule.id
        assert len(spec.tests.not_recorded) >= 2, rule.id


def test_medical_examiner_messages_say_what_to_discuss_with_the_certifying_doctor(book):
    for rule in book.select(["profile:medical-examiner"]).rules:
        assert "certifying doctor" in rule.spec.message, rule.id
        if "ld-cause-of-death" in rule.spec.tags:
            assert "train of events" in rule.spec.message, rule.id


def test_every_theme_in_the_design_is_carried_by_a_rule(book):
    carried = {tag for rule in book.rules for tag in rule.spec.tags}
    assert DESIGN_THEMES - THEMES_LEFT_FOR_LATER <= carried


def test_every_rule_has_a_profile_references_and_a_rationale(book):
    for rule in book.rules:
        assert rule.spec.profiles, rule.id
        assert all(ref.source for ref in rule.spec.references), rule.id
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", rule.spec.rationale.strip()) if s]
        assert 2 <= len(sentences) <= 3, (rule.id, sentences)


def test_medical_examiner_profile_is_the_certificate_rules(book):
    chosen = book.select(["profile:medical-examiner"])
    assert {r.id for r in chosen.rules} == {r.id for r in book.by_type["death_certificate"]}


def test_inspector_profile_is_the_dnacpr_and_review_rules(book):
    chosen = {r.id for r in book.select(["profile:inspector"]).rules}
    expected = {r.id for r in book.by_type["dnacpr_decision"] + book.by_type["mortality_review"]}
    assert chosen == expected


def test_review_profile_holds_every_rule_a_review_runs(book):
    chosen = {r.id for r in book.select(["profile:review"]).rules}
    assert chosen == set(book.by_id)


def test_severities_follow_the_issue(book):
    severity = {r.id: r.spec.severity for r in book.rules}
    assert severity["LDA-MCCD-001"] == "critical"
    assert severity["LDA-MCCD-002"] == severity["LDA-MCCD-004"] == "high"
    assert severity["LDA-MCCD-003"] == "medium"
    assert severity["LDA-DNACPR-001"] == severity["LDA-REVIEW-021"] == "critical"
    assert severity["LDA-DNACPR-006"] == "low"


FIXTURE_FILES = ("death_certificates.ndjson", "certificate_chains.ndjson", "dnacpr_decisions.json",
                 "mortality_reviews.ndjson")


def fixture_findings(book):
    records = [validate(item.data) for name in FIXTURE_FILES for item in read(str(FIXTURES / name))]
    return records, audit(records, rulebook=book, as_of=AS_OF)


def test_every_rule_fires_on_some_fixture_record(book):
    _, result = fixture_findings(book)
    assert set(book.by_id) <= {f.rule_id for f in result.findings}


def test_the_fixtures_hold_records_that_fire_nothing(book):
    records, result = fixture_findings(book)
    assert result.records_checked == len(records)
    quiet = {record.id for record in records} - {f.record_id for f in result.findings}
    assert {"MCCD-0003", "MCCD-0005", "MCCD-0104", "DNACPR-0002", "DNACPR-0005", "LEDER-0002"} <= quiet
