"""Pydantic models of the three record types and the people they are about."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter
from pydantic_core import SchemaValidator


class _Part(BaseModel):
    """A part of a record: unknown extra fields are kept, absent fields are unknown (None)."""

    model_config = ConfigDict(extra="allow", coerce_numbers_to_str=True)


Severity = Literal["mild", "moderate", "severe", "profound", "unknown"]


class Person(_Part):
    """The person the record is about."""

    date_of_birth: date | None = None
    age: Annotated[int, Field(ge=0, le=130)] | None = Field(
        None, description="Age in years at death or at the decision."
    )
    sex: str | None = None
    ethnicity: str | None = Field(None, description="NHS ethnic category code A-Z, or text.")
    learning_disability: bool | None = None
    learning_disability_severity: Severity | None = None
    autism: bool | None = None
    nhs_number: str | None = None


class CauseLine(_Part):
    """One line of Part I of the MCCD: I(a) is the immediate cause."""

    text: str | None = None
    interval: str | None = Field(None, description="Interval between onset and death, as written.")
    icd10: str | None = None


class ContributingCondition(_Part):
    """One condition in Part II of the MCCD."""

    text: str | None = None
    icd10: str | None = None


class Certifier(_Part):
    name: str | None = None
    role: str | None = None


class MedicalExaminer(_Part):
    name: str | None = None
    scrutiny_completed: bool | None = None
    bereaved_consulted: bool | None = None
    reason_bereaved_not_consulted: str | None = Field(
        None, description="Why the bereaved were not consulted, e.g. no next of kin could be found.")


class _Record(_Part):
    id: Annotated[str, Field(min_length=1)]
    person: Person | None = None


class DeathCertificate(_Record):
    """Medical Certificate of Cause of Death (England and Wales)."""

    record_type: Literal["death_certificate"] = "death_certificate"
    date_of_death: date | None = None
    part1: list[CauseLine] | None = Field(
        None, description="Lines I(a) to I(d) in order; the last completed line is the underlying cause."
    )
    part2: list[ContributingCondition] | None = None
    underlying_cause_icd10: str | None = None
    certifier: Certifier | None = None
    medical_examiner: MedicalExaminer | None = None
    referred_to_coroner: bool | None = None
    detained_under_mental_health_act: bool | None = Field(
        None, description="The person was detained under the Mental Health Act 1983 when they died.")


class DnacprDecision(_Record):
    """A DNACPR form, ReSPECT form or treatment escalation plan."""

    record_type: Literal["dnacpr_decision"] = "dnacpr_decision"
    form: Literal["dnacpr", "respect", "tep"] | None = None
    decision_date: date | None = None
    rationale: str | None = Field(None, description="Free text, as written on the form.")
    cpr_would_not_succeed: bool | None = Field(
        None, description="The decision rests on the clinical judgement that CPR would not be successful.")
    person_has_capacity: bool | None = None
    capacity_assessment_documented: bool | None = None
    best_interests_documented: bool | None = None
    discussed_with_person: bool | None = None
    discussed_with_family_or_advocate: bool | None = None
    reason_not_discussed: str | None = None
    senior_responsible_clinician: str | None = None
    review_date: date | None = None


class ReviewHold(_Part):
    """A pause in a LeDeR review while another process runs."""

    reason: Literal["coroner", "police", "safeguarding", "other"] | None = Field(
        None, description="What the review waits for: an inquest, a police investigation, a safeguarding enquiry.")
    start_date: date | None = None
    end_date: date | None = Field(None, description="Null while the review is still on hold.")


class Area(_Part):
    ics: str | None = None
    ccg: str | None = None


class Transition(_Part):
    ehc_plan: bool | None = None
    preparation_for_adulthood_from_14: bool | None = None
    transition_plan_documented: bool | None = None
    transition_lead_named: bool | None = None
    information_shared_with_adult_services: bool | None = None


class CareCoordination(_Part):
    agencies_involved: list[str] | None = None
    named_care_coordinator: bool | None = None
    information_sharing_problems: bool | None = None


class Family(_Part):
    invited_to_contribute: bool | None = None
    requested_focused_review: bool | None = Field(None, description="The family asked for a focused review.")
    concerns_raised: bool | None = None
    concerns_text: str | None = None
    concerns_response: str | None = Field(None, description="How the review answered the family's concerns.")


class Health(_Part):
    annual_health_check_within_12_months: bool | None = None
    health_action_plan: bool | None = None
    reasonable_adjustment_flag: bool | None = None
    hospital_passport: bool | None = None
    flu_vaccine: bool | None = None
    on_learning_disability_register: bool | None = Field(
        None, description="On the GP practice's learning disability register.")
    long_term_conditions: Annotated[int, Field(ge=0, le=100)] | None = Field(
        None, description="Number of long-term physical or mental health conditions recorded.")
    psychotropic_medication: bool | None = Field(
        None, description="Prescribed antipsychotic, antidepressant, anxiolytic, hypnotic or mood-stabilising medication.")
    stomp_review: bool | None = Field(
        None, description="Psychotropic medication reviewed in the 12 months before death (STOMP).")


class MentalCapacity(_Part):
    capacity_assessment_required: bool | None = None
    capacity_assessment_done: bool | None = None
    capacity_assessment_outcome: Literal["lacks_capacity", "has_capacity"] | None = Field(
        None, description="What the capacity assessment found for the decision the review looked at.")
    best_interests_process_followed: bool | None = None


class Deterioration(_Part):
    signs_recognised_promptly: bool | None = None
    early_warning_score_used: bool | None = None
    delay_in_treatment: bool | None = None


class Risks(_Part):
    dysphagia: bool | None = None
    salt_assessment: bool | None = Field(None, description="Speech and language therapy assessment.")
    aspiration_pneumonia: bool | None = None
    epilepsy: bool | None = None
    epilepsy_care_plan: bool | None = None
    constipation: bool | None = None
    bowel_care_plan: bool | None = Field(None, description="A bowel care plan (or constipation care plan) was in place.")
    sepsis: bool | None = None
    sepsis_screening: bool | None = Field(
        None, description="Sepsis screening (a sepsis screening tool or NEWS2/PEWS-triggered screen) was recorded.")


class MortalityReview(_Record):
    """A LeDeR review of a death."""

    record_type: Literal["mortality_review"] = "mortality_review"
    notification_date: date | None = None
    focused_review: bool | None = Field(None, description="A focused review followed the initial review.")
    hold: ReviewHold | None = None
    review_completed_date: date | None = Field(None, description="Null while the review is open.")
    date_of_death: date | None = None
    area: Area | None = None
    death_certificate: DeathCertificate | None = None
    dnacpr: DnacprDecision | None = None
    transition: Transition | None = None
    care_coordination: CareCoordination | None = None
    family: Family | None = None
    health: Health | None = None
    mca: MentalCapacity | None = None
    deterioration: Deterioration | None = None
    risks: Risks | None = None
    care_grading: Annotated[int, Field(ge=1, le=6)] | None = Field(
        None, description="LeDeR grading of care, 1 (excellent) to 6 (fell short and contributed to death)."
    )
    narrative: str | None = None


Record = Annotated[
    Union[DeathCertificate, DnacprDecision, MortalityReview],
    Field(discriminator="record_type"),
]

RECORD_MODELS: dict[str, type[_Record]] = {
    "death_certificate": DeathCertificate,
    "dnacpr_decision": DnacprDecision,
    "mortality_review": MortalityReview,
}

# Records of these types embedded in a mortality review, by the field that holds them.
EMBEDDED: dict[str, str] = {"death_certificate": "death_certificate", "dnacpr": "dnacpr_decision"}
_PREFIXES = {field_name: field_name + "." for field_name in EMBEDDED}


def parts_of(record: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    """A record's data and the records embedded in it, each with the prefix of its field paths ("dnacpr.")."""
    parts = [(record, "")]
    if record["record_type"] == "mortality_review":
        parts += [(record[name], prefix) for name, prefix in _PREFIXES.items() if record[name] is not None]
    return parts

record_adapter: TypeAdapter[DeathCertificate | DnacprDecision | MortalityReview] = TypeAdapter(Record)


def _as_data(schema: Any) -> Any:
    """A core schema with every model in it re-expressed as a typed dict: the same checks, a dict for a model.

    Extra fields are kept and absent fields get their defaults, as in the model, so the dict holds what
    `model.model_dump()` would.
    """
    if isinstance(schema, list):
        return [_as_data(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if schema.get("type") != "model":
        return {key: _as_data(value) for key, value in schema.items()}
    fields = schema["schema"]
    if schema.get("custom_init") or schema.get("root_model") or fields.get("type") != "model-fields" \
            or fields.get("computed_fields") or any("validation_alias" in f for f in fields["fields"].values()):
        raise TypeError(f"{schema['cls'].__name__} cannot be checked as a typed dict")
    as_dict: dict[str, Any] = {
        "type": "typed-dict",
        "fields": {name: {"type": "typed-dict-field", "schema": _as_data(field["schema"]),
                          "required": field["schema"].get("type") != "default"}
                   for name, field in fields["fields"].items()},
        "extra_behavior": schema["config"].get("extra_fields_behavior", "ignore"),
        "config": schema["config"],
    }
    if "ref" in schema:
        as_dict["ref"] = schema["ref"] + ":data"
    return as_dict


# Records checked against the same models, as plain dicts: about 40% quicker than building the models,
# for the engine, which reads fields and never needs a model's methods.
record_data_validator = SchemaValidator(_as_data(record_adapter.core_schema))
