"""Pydantic models of the three record types and the people they are about."""

from __future__ import annotations

import math
import re
import warnings
from datetime import date, datetime
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter
from pydantic_core import SchemaValidator

from ._private import models_as_typed_dicts


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?")
# The ways UK exports write a date, besides ISO 8601: 31/03/2024, 31/03/2024 14:05, 31 March 2024, 31-Mar-2024.
_UK_DATE_FORMATS = ("%d/%m/%Y", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d %B %Y", "%d %b %Y", "%d-%b-%Y",
                    "%d-%B-%Y", "%d.%m.%Y")


# record_structs.VALIDATORS says what msgspec may check in place of each validator here: change it with them.
def _read_date(value: Any) -> Any:
    """A date as written in a record: ISO 8601 or a UK export form; never a number, which is no date."""
    if value is None or isinstance(value, date):
        return value
    if isinstance(value, (bool, int, float)):
        raise ValueError("a date must be written as text, such as 2024-03-31 or 31/03/2024, not as a number")
    if isinstance(value, str):
        text = value.strip()
        if _ISO_DATE.fullmatch(text):
            # pydantic reads ISO 8601 itself, with its own messages for an impossible day; a time after the
            # date (an export's date-time column) is not the date's business: the date is as written.
            return text[:10]
        for form in _UK_DATE_FORMATS:
            try:
                return datetime.strptime(text, form).date()
            except ValueError:
                continue
        raise ValueError("not a date that exists or can be read: write it as 2024-03-31, 31/03/2024, 31 March 2024 or "
                         "31-Mar-2024")
    return value


def _not_a_truth_value(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("a number is expected, not true or false")
    return value


def _an_identifier(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("an id must be text or a whole number, not NaN or Infinity")
    if isinstance(value, bool):
        raise ValueError("an id must be text or a whole number, not true or false")
    if isinstance(value, str) and not value.strip():
        raise ValueError("an id must not be blank")
    return value


RecordDate = Annotated[date, BeforeValidator(_read_date)]
RecordId = Annotated[str, Field(min_length=1), BeforeValidator(_an_identifier)]


class _Part(BaseModel):
    """A part of a record: unknown extra fields are kept, absent fields are unknown (None)."""

    model_config = ConfigDict(extra="allow", coerce_numbers_to_str=True)


DisabilitySeverity = Literal["mild", "moderate", "severe", "profound", "unknown"]


class Person(_Part):
    """The person the record is about."""

    date_of_birth: RecordDate | None = None
    age: Annotated[int, Field(ge=0, le=130), BeforeValidator(_not_a_truth_value)] | None = Field(
        None, description="Age in years at death or at the decision."
    )
    sex: str | None = None
    ethnicity: str | None = Field(None, description="NHS ethnic category code A-Z, or text.")
    learning_disability: bool | None = None
    learning_disability_severity: DisabilitySeverity | None = None
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


_CERTIFICATE_LINE = re.compile(r"(?:^|\.)(part1|part2)\[(\d+)\](?:\.(\w+))?$")
PART1_LETTERS = "abcd"


def certificate_line_name(path: str | None) -> str:
    """The name a certifier knows a line by: "Part I(b)" for part1[1], "Part II" for part2[0]; else ""."""
    found = _CERTIFICATE_LINE.search(path or "")
    if found is None:
        return "the coded underlying cause" if (path or "").endswith("underlying_cause_icd10") else ""
    part, index = found.group(1), int(found.group(2))
    if part == "part2":
        return "Part II"
    return f"Part I({PART1_LETTERS[index]})" if index < len(PART1_LETTERS) else f"Part I, line {index + 1}"


def certificate_line_text(certificate: dict[str, Any], path: str | None) -> str:
    """What is written on the certificate line at a path: its text, or its code when it has no text."""
    found = _CERTIFICATE_LINE.search(path or "")
    if found is None:
        return ""
    lines = certificate.get(found.group(1)) or []
    index = int(found.group(2))
    line = lines[index] if index < len(lines) and isinstance(lines[index], dict) else {}
    text = line.get("text")
    if isinstance(text, str) and text.strip():
        return text.strip()
    code = line.get("icd10")
    return code.strip() if isinstance(code, str) else ""


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
    id: RecordId
    person: Person | None = None


class DeathCertificate(_Record):
    """Medical Certificate of Cause of Death (England and Wales)."""

    record_type: Literal["death_certificate"] = "death_certificate"
    date_of_death: RecordDate | None = None
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
    decision_date: RecordDate | None = None
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
    review_date: RecordDate | None = None
    setting: str | None = Field(None, description="Where the decision was made: a care home, ward, hospice or "
                                                  "service, by name or code (e.g. its CQC location ID).")


class ReviewHold(_Part):
    """A pause in a LeDeR review while another process runs."""

    reason: Literal["coroner", "police", "safeguarding", "other"] | None = Field(
        None, description="What the review waits for: an inquest, a police investigation, a safeguarding enquiry.")
    start_date: RecordDate | None = None
    end_date: RecordDate | None = Field(None, description="Null while the review is still on hold.")


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
    long_term_conditions: Annotated[int, Field(ge=0, le=100), BeforeValidator(_not_a_truth_value)] | None = Field(
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
    notification_date: RecordDate | None = None
    focused_review: bool | None = Field(None, description="A focused review followed the initial review.")
    hold: ReviewHold | None = None
    review_completed_date: RecordDate | None = Field(None, description="Null while the review is open.")
    date_of_death: RecordDate | None = None
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
    care_grading: Annotated[int, Field(ge=1, le=6), BeforeValidator(_not_a_truth_value)] | None = Field(
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


# Records checked against the same models, as plain dicts: about 40% quicker than building the models,
# for the engine, which reads fields and never needs a model's methods.
record_data_validator = SchemaValidator(models_as_typed_dicts(record_adapter.core_schema))


def __getattr__(name: str) -> Any:
    if name == "Severity":  # the name it had; findings.Severity is a finding's severity
        warnings.warn("leder_audit.records.Severity is now DisabilitySeverity", DeprecationWarning, stacklevel=2)
        return DisabilitySeverity
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
