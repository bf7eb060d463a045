"""FHIR R4 Bundles: death records as the Vital Records Death Reporting guide models them, and DNACPR decisions."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Collection, Iterator

from ..intake import Incoming
from ..findings import Rejection
from ..jsontext import loads, problem_in
from .jsonfile import BOM, load_document
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10_SYSTEMS = ("http://hl7.org/fhir/sid/icd-10", "http://hl7.org/fhir/sid/icd-10-cm", "http://hl7.org/fhir/sid/icd-10-uk")
NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"

# LOINC codes of the VRDR profiles read.
CAUSE_OF_DEATH_PART1 = "69453-9"
CAUSE_OF_DEATH_PART2 = "69441-4"
LINE_NUMBER = "69444-2"
ONSET_TO_DEATH_INTERVAL = "69440-6"
DATE_OF_DEATH = "81956-5"
UNDERLYING_CAUSE = ("80358-5", "80359-3")  # automated, manual
DEATH_CODES = {CAUSE_OF_DEATH_PART1, CAUSE_OF_DEATH_PART2, DATE_OF_DEATH, *UNDERLYING_CAUSE}

NOT_FOR_RESUSCITATION = "304253006"

# ReSPECT-style QuestionnaireResponse items read, by linkId, and the field each fills.
RESPECT_LINK_IDS: dict[str, str] = {
    "cpr-rationale": "rationale",
    "clinical-reasons": "rationale",
    "person-has-capacity": "person_has_capacity",
    "capacity-assessment-documented": "capacity_assessment_documented",
    "best-interests-documented": "best_interests_documented",
    "discussed-with-person": "discussed_with_person",
    "discussed-with-family-or-advocate": "discussed_with_family_or_advocate",
    "reason-not-discussed": "reason_not_discussed",
    "cpr-would-not-succeed": "cpr_would_not_succeed",
    "senior-responsible-clinician": "senior_responsible_clinician",
    "decision-date": "decision_date",
    "review-date": "review_date",
}
RESPECT_MARKER = "cpr-recommendation"


def read_fhir(path: Path) -> Iterator[Incoming | Rejection]:
    """A FHIR JSON file (a Bundle or one resource), or NDJSON with one Bundle or resource per line."""
    if path.suffix.lower() in (".ndjson", ".jsonl"):
        yield from _read_lines(path)
        return
    document = load_document(path)
    if isinstance(document, Rejection):
        yield document
        return
    if document == []:  # a blank file
        return
    problem = problem_in(document)
    if problem:
        yield Rejection(source=str(path), location="document", field=problem[0], message=problem[1])
        return
    yield from records_from_document(document, str(path), "")


def _read_lines(path: Path) -> Iterator[Incoming | Rejection]:
    source = str(path)
    with path.open("rb") as handle:
        for number, line in enumerate(handle, 1):
            line = line.removeprefix(BOM) if number == 1 else line
            if not line.strip():
                continue
            try:
                document = loads(line)
            except (UnicodeDecodeError, json.JSONDecodeError) as error:
                yield Rejection(source=source, location=f"line {number}", message=f"invalid JSON: {error}")
                continue
            except RecursionError:
                yield Rejection(source=source, location=f"line {number}", message="the JSON is nested too deeply to read")
                continue
            problem = problem_in(document)
            if problem:
                yield Rejection(source=source, location=f"line {number}", field=problem[0], message=problem[1])
                continue
            yield from records_from_document(document, source, f"line {number}")


def records_from_document(document: Any, source: str, where: str,
                          record_types: Collection[str] | None = None) -> Iterator[Incoming | Rejection]:
    """The records in one Bundle (or one bare resource), each located by the entry it came from; only those
    of `record_types` are looked for, when given."""
    if not isinstance(document, dict) or not isinstance(document.get("resourceType"), str):
        yield Rejection(source=source, location=where or "document",
                        message="not a FHIR resource: a JSON object with resourceType is expected")
        return
    bundle = Bundle.of(document)
    found = False
    for record_type, builder in BUILDERS:
        if record_types is not None and record_type not in record_types:
            continue
        for record, entry in builder(bundle):
            found = True
            yield Incoming(record, source, _location(where, entry, document))
    if not found:
        ident = document.get("id")
        yield Rejection(source=source, location=where or "document", record_id=ident if isinstance(ident, str) else None,
                        message=f"no death record (LOINC {CAUSE_OF_DEATH_PART1}, {CAUSE_OF_DEATH_PART2}, "
                                f"{DATE_OF_DEATH}) or DNACPR decision (SNOMED CT {NOT_FOR_RESUSCITATION}, or a "
                                f"QuestionnaireResponse with item {RESPECT_MARKER!r}) in this "
                                f"{_resource_name(document['resourceType'])}")


# FHIR R4 resource types named in messages; any other resourceType is not repeated (it could be anything).
_KNOWN_RESOURCES = frozenset({
    "Bundle", "Composition", "Observation", "Consent", "QuestionnaireResponse", "Questionnaire", "Patient",
    "Practitioner", "PractitionerRole", "Condition", "Encounter", "Organization", "DocumentReference",
    "CarePlan", "Procedure", "MedicationStatement", "MedicationRequest", "DiagnosticReport", "Goal",
    "RelatedPerson", "Location", "List", "Basic", "Parameters", "OperationOutcome", "DetectedIssue"})


def _resource_name(resource_type: str) -> str:
    return resource_type if resource_type in _KNOWN_RESOURCES else "resource (its resourceType is not a FHIR R4 one)"


def _location(where: str, entry: int, document: dict[str, Any]) -> str:
    if document.get("resourceType") != "Bundle":
        return where or "resource"
    return f"{where}, entry {entry}" if where else f"entry {entry}"


@dataclass
class Bundle:
    """The resources of a Bundle in order, with their 1-based entry numbers, and a way to follow references."""

    document: dict[str, Any]
    resources: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    by_reference: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def of(cls, document: dict[str, Any]) -> "Bundle":
        bundle = cls(document)
        if document.get("resourceType") != "Bundle":
            bundle._add(1, document, None)
            return bundle
        for number, entry in enumerate(as_list(document.get("entry")), 1):
            if isinstance(entry, dict) and isinstance(entry.get("resource"), dict):
                bundle._add(number, entry["resource"], entry.get("fullUrl"))
        return bundle

    def _add(self, number: int, resource: dict[str, Any], full_url: Any) -> None:
        self.resources.append((number, resource))
        kind, ident = resource.get("resourceType"), resource.get("id")
        if kind and ident:
            self.by_reference[f"{kind}/{ident}"] = resource
        if isinstance(full_url, str):
            self.by_reference[full_url] = resource

    def of_type(self, kind: str) -> Iterator[tuple[int, dict[str, Any]]]:
        return ((n, r) for n, r in self.resources if r.get("resourceType") == kind)

    def resolve(self, reference: Any) -> dict[str, Any] | None:
        target = reference.get("reference") if isinstance(reference, dict) else None
        return self.by_reference.get(target) if isinstance(target, str) else None

    def patient(self, resource: dict[str, Any]) -> dict[str, Any] | None:
        """The Patient a resource is about: its subject or patient reference, else the Bundle's only Patient."""
        for key in ("subject", "patient"):
            found = self.resolve(resource.get(key))
            if found is not None and found.get("resourceType") == "Patient":
                return found
        patients = [r for _, r in self.of_type("Patient")]
        return patients[0] if len(patients) == 1 else None


def as_list(value: Any) -> list[Any]:
    """A repeating FHIR element as a list; anything else (a malformed value) as an empty one."""
    return value if isinstance(value, list) else []


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def codings(concept: Any) -> Iterator[tuple[str, str]]:
    """(system, code) of each coding in a CodeableConcept, in the order written."""
    if isinstance(concept, dict):
        for c in as_list(concept.get("coding")):
            if isinstance(c, dict):
                yield str(c.get("system", "")), str(c.get("code", ""))


def has_code(concept: Any, system: str, code: str) -> bool:
    if isinstance(concept, dict):
        for c in as_list(concept.get("coding")):
            if isinstance(c, dict) and str(c.get("code", "")) == code and str(c.get("system", "")) == system:
                return True
    return False


def loinc_code(resource: dict[str, Any]) -> str | None:
    """The code of the first LOINC coding of a resource's code."""
    concept = resource.get("code")
    if isinstance(concept, dict):
        for c in as_list(concept.get("coding")):
            if isinstance(c, dict) and str(c.get("system", "")) == LOINC:
                return str(c.get("code", ""))
    return None


def concept_text(concept: Any) -> str | None:
    """What a CodeableConcept says in words: its text, else the first coding's display."""
    if not isinstance(concept, dict):
        return None
    if concept.get("text"):
        return str(concept["text"])
    return next((str(c["display"]) for c in as_list(concept.get("coding")) if isinstance(c, dict) and c.get("display")),
                None)


def icd10_of(concept: Any) -> str | None:
    """The first ICD-10 code among a concept's codings."""
    return next((code for system, code in codings(concept) if system in ICD10_SYSTEMS and code), None)


def value_text(resource: dict[str, Any]) -> str | None:
    """An Observation's or component's value as text."""
    if "valueString" in resource:
        return str(resource["valueString"])
    return concept_text(resource.get("valueCodeableConcept"))


def component_value(observation: dict[str, Any], loinc: str) -> dict[str, Any] | None:
    return next((c for c in as_list(observation.get("component")) if isinstance(c, dict)
                 and has_code(c.get("code"), LOINC, loinc)), None)


def date_part(value: Any) -> str | None:
    """The date of a FHIR date or dateTime ('2024-02-11T10:00:00Z' -> '2024-02-11')."""
    return value[:10] if isinstance(value, str) and len(value) >= 10 else value if isinstance(value, str) else None


def person_from_patient(patient: dict[str, Any] | None) -> dict[str, Any] | None:
    """Date of birth, sex and NHS number; the name is not read."""
    if patient is None:
        return None
    person: dict[str, Any] = {}
    if patient.get("birthDate"):
        person["date_of_birth"] = patient["birthDate"]
    if patient.get("gender"):
        person["sex"] = patient["gender"]
    nhs_number = next((i.get("value") for i in as_list(patient.get("identifier"))
                       if isinstance(i, dict) and i.get("system") == NHS_NUMBER_SYSTEM), None)
    if nhs_number:
        person["nhs_number"] = str(nhs_number)
    return person or None


# ----- death certificate (VRDR) -----

def death_certificate(bundle: Bundle) -> Iterator[tuple[dict[str, Any], int]]:
    """One death_certificate from the VRDR cause-of-death, date-of-death and underlying-cause Observations."""
    coded = [(n, r, loinc_code(r)) for n, r in bundle.of_type("Observation")]
    observations = [(n, r) for n, r, code in coded if code in DEATH_CODES]
    if not observations:
        return
    record: dict[str, Any] = {"record_type": "death_certificate", "id": _death_record_id(bundle, observations)}
    lines: dict[int, dict[str, Any]] = {}
    for _, observation, code in coded:
        if code in DEATH_CODES:
            _read_death_observation(observation, code, record, lines)
    if lines:
        record["part1"] = [lines.get(i, {}) for i in range(max(lines) + 1)]
    patient = bundle.patient(observations[0][1])
    person = person_from_patient(patient)
    if person:
        record["person"] = person
    if "date_of_death" not in record and patient is not None and patient.get("deceasedDateTime"):
        record["date_of_death"] = date_part(patient["deceasedDateTime"])
    yield record, observations[0][0]


def _death_record_id(bundle: Bundle, observations: list[tuple[int, dict[str, Any]]]) -> str:
    composition = next((r for _, r in bundle.of_type("Composition")), None)
    for candidate in (composition, bundle.document if bundle.document.get("resourceType") == "Bundle" else None):
        if candidate and candidate.get("id"):
            return str(candidate["id"])
    return str(observations[0][1].get("id") or "")


def _read_death_observation(observation: dict[str, Any], code: str | None, record: dict[str, Any],
                            lines: dict[int, dict[str, Any]]) -> None:
    if code == CAUSE_OF_DEATH_PART1:
        number = component_value(observation, LINE_NUMBER)
        index = number.get("valueInteger") if number else None
        index = (index - 1) if isinstance(index, int) and 1 <= index <= 6 else len(lines)
        lines[index] = _cause_line(observation)
    elif code == CAUSE_OF_DEATH_PART2:
        condition = {"text": value_text(observation), "icd10": icd10_of(observation.get("valueCodeableConcept"))}
        record.setdefault("part2", []).append({k: v for k, v in condition.items() if v})
    elif code == DATE_OF_DEATH:
        when = observation.get("valueDateTime") or as_dict(observation.get("valuePeriod")).get("start")
        if when:
            record["date_of_death"] = date_part(when)
    elif code in UNDERLYING_CAUSE:
        icd10 = icd10_of(observation.get("valueCodeableConcept"))
        if icd10:
            record["underlying_cause_icd10"] = icd10


def _cause_line(observation: dict[str, Any]) -> dict[str, Any]:
    interval = component_value(observation, ONSET_TO_DEATH_INTERVAL)
    line = {
        "text": value_text(observation),
        "interval": (interval.get("valueString") or _quantity_text(interval.get("valueQuantity"))) if interval else None,
        "icd10": icd10_of(observation.get("valueCodeableConcept")),
    }
    return {k: v for k, v in line.items() if v}


def _quantity_text(quantity: Any) -> str | None:
    if not isinstance(quantity, dict) or quantity.get("value") is None:
        return None
    return f"{quantity['value']} {quantity.get('unit') or quantity.get('code') or ''}".strip()


# ----- DNACPR decisions -----

def dnacpr_from_resource(bundle: Bundle) -> Iterator[tuple[dict[str, Any], int]]:
    """A dnacpr_decision from each not-for-resuscitation Observation or Consent, and each ReSPECT-style form."""
    for number, resource in bundle.resources:
        kind = resource.get("resourceType")
        if kind == "Observation" and _not_for_resuscitation(resource, ("code", "valueCodeableConcept")):
            yield _dnacpr_record(resource, bundle, resource.get("effectiveDateTime") or resource.get("issued")), number
        elif kind == "Consent" and _consent_not_for_resuscitation(resource):
            yield _dnacpr_record(resource, bundle, resource.get("dateTime")), number
        elif kind == "QuestionnaireResponse":
            items = _items(resource)
            if _is_respect_form(items):
                yield _respect_record(resource, bundle, items), number


def _not_for_resuscitation(resource: dict[str, Any], keys: tuple[str, ...]) -> bool:
    concepts: list[Any] = []
    for key in keys:
        value = resource.get(key)
        concepts.extend(value if isinstance(value, list) else [value])
    return any(has_code(concept, SNOMED, NOT_FOR_RESUSCITATION) for concept in concepts)


def _consent_not_for_resuscitation(consent: dict[str, Any]) -> bool:
    provision = as_dict(consent.get("provision"))
    return (_not_for_resuscitation(consent, ("category", "scope"))
            or _not_for_resuscitation(provision, ("code",)))


def _dnacpr_record(resource: dict[str, Any], bundle: Bundle, when: Any) -> dict[str, Any]:
    record: dict[str, Any] = {"record_type": "dnacpr_decision", "id": str(resource.get("id") or ""), "form": "dnacpr"}
    if date_part(when):
        record["decision_date"] = date_part(when)
    rationale = _rationale(resource)
    if rationale:
        record["rationale"] = rationale
    clinician = next((p.get("display") for p in as_list(resource.get("performer")) if isinstance(p, dict)
                      and p.get("display")), None)
    if clinician:
        record["senior_responsible_clinician"] = clinician
    review = as_dict(as_dict(resource.get("provision")).get("period")).get("end") if resource.get("resourceType") == "Consent" else None
    if review:
        record["review_date"] = date_part(review)
    person = person_from_patient(bundle.patient(resource))
    if person:
        record["person"] = person
    return record


_TAG = re.compile(r"<[^>]+>")


def _rationale(resource: dict[str, Any]) -> str | None:
    """The reasons as written: the notes, else a string value, else the resource's narrative text."""
    notes = [str(n["text"]) for n in as_list(resource.get("note")) if isinstance(n, dict) and n.get("text")]
    if notes:
        return "; ".join(notes)
    if resource.get("valueString"):
        return str(resource["valueString"])
    narrative = as_dict(resource.get("text")).get("div")
    if isinstance(narrative, str):
        return " ".join(_TAG.sub(" ", narrative).split()) or None
    return None


def _is_respect_form(items: list[dict[str, Any]]) -> bool:
    return any(item.get("linkId") == RESPECT_MARKER for item in items)


def _items(node: dict[str, Any], into: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Every item under a QuestionnaireResponse, item or answer, each before the items nested in it."""
    items = [] if into is None else into
    children = node.get("item")
    if isinstance(children, list):
        for item in children:
            if isinstance(item, dict):
                items.append(item)
                if "item" in item:  # most items nest none: no call for them
                    _items(item, items)
                answers = item.get("answer")
                if isinstance(answers, list):
                    for answer in answers:
                        if isinstance(answer, dict) and "item" in answer:
                            _items(answer, items)
    return items


def _answer(item: dict[str, Any]) -> Any:
    for answer in as_list(item.get("answer")):
        if not isinstance(answer, dict):
            continue
        for key in ("valueBoolean", "valueString", "valueDate", "valueDateTime"):
            if key in answer:
                return date_part(answer[key]) if key == "valueDateTime" else answer[key]
        if isinstance(answer.get("valueCoding"), dict):
            return answer["valueCoding"].get("display") or answer["valueCoding"].get("code")
    return None


def _respect_record(response: dict[str, Any], bundle: Bundle, items: list[dict[str, Any]]) -> dict[str, Any]:
    record: dict[str, Any] = {"record_type": "dnacpr_decision", "id": str(response.get("id") or ""), "form": "respect"}
    for item in items:
        link_id = item.get("linkId")
        target = RESPECT_LINK_IDS.get(link_id if type(link_id) is str else str(link_id))
        if target and target not in record:
            value = _answer(item)
            if value is not None:
                record[target] = value
    if "decision_date" not in record and date_part(response.get("authored")):
        record["decision_date"] = date_part(response.get("authored"))
    person = person_from_patient(bundle.patient(response))
    if person:
        record["person"] = person
    return record


# The record types a FHIR document is read for, each with the function that finds its records.
BUILDERS: tuple[tuple[str, Callable[[Bundle], Iterator[tuple[dict[str, Any], int]]]], ...] = (
    ("death_certificate", death_certificate), ("dnacpr_decision", dnacpr_from_resource))
