"""A hook's draft read into the records of one type in one pass over its entries.

The records are those the FHIR reader's builders find (`leder_audit.readers.fhir`), key for key and in the
same order: each entry is looked at once, a form's items are walked and read in the same walk, and a
patient's person fields are read once for all the records about that patient.
"""

from __future__ import annotations

from typing import Any, Callable

from ..readers.fhir import (CAUSE_OF_DEATH_PART1, CAUSE_OF_DEATH_PART2, DATE_OF_DEATH, DEATH_CODES, ICD10_SYSTEMS,
                            LINE_NUMBER, LOINC, NOT_FOR_RESUSCITATION, ONSET_TO_DEATH_INTERVAL,
                            RESPECT_LINK_IDS, RESPECT_MARKER, SNOMED, UNDERLYING_CAUSE, _quantity_text, _rationale,
                            date_part, person_from_patient, value_text)

_ICD10_SYSTEMS = frozenset(ICD10_SYSTEMS)


class _Resources:
    """A draft's resources in order (entry number, resource), each also by `Type/id` and by its entry's
    fullUrl (Bundle.by_reference, the later winning), and the Patient each record is about: what
    `Bundle.patient` finds, its person fields read once per patient."""

    __slots__ = ("document", "resources", "_index", "_people")

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self._people: dict[int, dict[str, Any] | None] = {}
        index: dict[str, dict[str, Any]] = {}
        self._index = index
        if document.get("resourceType") != "Bundle":
            self.resources = [(1, document)]
            kind, ident = document.get("resourceType"), document.get("id")
            if kind and ident:
                index[f"{kind}/{ident}"] = document
            return
        resources: list[tuple[int, dict[str, Any]]] = []
        self.resources = resources
        entries = document.get("entry")
        if type(entries) is list:
            number = 0
            for entry in entries:
                number += 1
                if type(entry) is dict:
                    resource = entry.get("resource")
                    if type(resource) is dict:
                        resources.append((number, resource))
                        kind, ident = resource.get("resourceType"), resource.get("id")
                        if kind and ident:
                            index[f"{kind}/{ident}"] = resource
                        full_url = entry.get("fullUrl")
                        if isinstance(full_url, str):
                            index[full_url] = resource

    def patient(self, resource: dict[str, Any]) -> dict[str, Any] | None:
        """Bundle.patient: the subject's or patient's Patient, else the draft's only Patient."""
        for key in ("subject", "patient"):
            reference = resource.get(key)
            if type(reference) is dict:
                target = reference.get("reference")
                if isinstance(target, str):
                    found = self._index.get(target)
                    if found is not None and found.get("resourceType") == "Patient":
                        return found
        patient = None
        for _, candidate in self.resources:
            if candidate.get("resourceType") == "Patient":
                if patient is not None:
                    return None
                patient = candidate
        return patient

    def person(self, patient: dict[str, Any] | None) -> dict[str, Any] | None:
        """person_from_patient of a Patient, read once a draft and given as a fresh dict to each record."""
        if patient is None:
            return None
        key = id(patient)
        if key in self._people:
            known = self._people[key]
        else:
            known = self._people[key] = person_from_patient(patient)
        return None if known is None else dict(known)


# ----- DNACPR decisions -----

def dnacpr_records(document: dict[str, Any]) -> list[dict[str, Any]]:
    """What `dnacpr_from_resource` finds in the draft, in order."""
    resources = _Resources(document)
    records = []
    for _, resource in resources.resources:
        kind = resource.get("resourceType")
        if kind == "QuestionnaireResponse":
            record: dict[str, Any] = {"record_type": "dnacpr_decision", "id": str(resource.get("id") or ""),
                                      "form": "respect"}
            if _respect_items(resource, record):
                if "decision_date" not in record:
                    authored = date_part(resource.get("authored"))
                    if authored:
                        record["decision_date"] = authored
                person = resources.person(resources.patient(resource))
                if person:
                    record["person"] = person
                records.append(record)
        elif kind == "Observation":
            if _not_for_resuscitation(resource, "code", "valueCodeableConcept"):
                records.append(_decision(resource, resources,
                                         resource.get("effectiveDateTime") or resource.get("issued")))
        elif kind == "Consent":
            if _not_for_resuscitation(resource, "category", "scope") or _not_for_resuscitation(
                    resource.get("provision"), "code"):
                records.append(_decision(resource, resources, resource.get("dateTime")))
    return records


def _decision(resource: dict[str, Any], resources: _Resources, when: Any) -> dict[str, Any]:
    """fhir._dnacpr_record: a decision from a not-for-resuscitation Observation or Consent."""
    record: dict[str, Any] = {"record_type": "dnacpr_decision", "id": str(resource.get("id") or ""), "form": "dnacpr"}
    decided = date_part(when)
    if decided:
        record["decision_date"] = decided
    rationale = _rationale(resource)
    if rationale:
        record["rationale"] = rationale
    performers = resource.get("performer")
    if type(performers) is list:
        for performer in performers:
            if type(performer) is dict and performer.get("display"):
                record["senior_responsible_clinician"] = performer["display"]
                break
    if resource.get("resourceType") == "Consent":
        provision = resource.get("provision")
        period = provision.get("period") if type(provision) is dict else None
        review = period.get("end") if type(period) is dict else None
        if review:
            record["review_date"] = date_part(review)
    person = resources.person(resources.patient(resource))
    if person:
        record["person"] = person
    return record


def _not_for_resuscitation(resource: Any, *keys: str) -> bool:
    """fhir._not_for_resuscitation: whether a concept (or list of them) at one of the keys codes it."""
    if type(resource) is not dict:
        return False
    for key in keys:
        value = resource.get(key)
        for concept in (value if type(value) is list else (value,)):
            if type(concept) is dict:
                codings = concept.get("coding")
                if type(codings) is list:
                    for coding in codings:
                        if type(coding) is dict and str(coding.get("code", "")) == NOT_FOR_RESUSCITATION \
                                and str(coding.get("system", "")) == SNOMED:
                            return True
    return False


def _respect_items(node: dict[str, Any], record: dict[str, Any]) -> bool:
    """A form's items walked as fhir._items walks them, each one's answer read into the record's field for
    its linkId (the first item of a field filling it) as fhir._respect_record reads it; whether the form
    holds the ReSPECT marker item."""
    marked = False
    children = node.get("item")
    if type(children) is list:
        for item in children:
            if type(item) is dict:
                link_id = item.get("linkId")
                if link_id == RESPECT_MARKER:
                    marked = True
                target = RESPECT_LINK_IDS.get(link_id if type(link_id) is str else str(link_id))
                if target is not None and target not in record:
                    value = _answer(item.get("answer"))
                    if value is not None:
                        record[target] = value
                if "item" in item and _respect_items(item, record):
                    marked = True
                answers = item.get("answer")
                if type(answers) is list:
                    for answer in answers:
                        if type(answer) is dict and "item" in answer and _respect_items(answer, record):
                            marked = True
    return marked


def _answer(answers: Any) -> Any:
    """fhir._answer: the first answer's value of a kind read."""
    if type(answers) is not list:
        return None
    for answer in answers:
        if type(answer) is not dict:
            continue
        if "valueBoolean" in answer:
            return answer["valueBoolean"]
        if "valueString" in answer:
            return answer["valueString"]
        if "valueDate" in answer:
            return answer["valueDate"]
        if "valueDateTime" in answer:
            return date_part(answer["valueDateTime"])
        coding = answer.get("valueCoding")
        if type(coding) is dict:
            return coding.get("display") or coding.get("code")
    return None


# ----- death certificate (VRDR) -----

def _loinc_code(resource: dict[str, Any]) -> str | None:
    """fhir.loinc_code: the code of the first LOINC coding of the resource's code."""
    concept = resource.get("code")
    if type(concept) is dict:
        codings = concept.get("coding")
        if type(codings) is list:
            for coding in codings:
                if type(coding) is dict and str(coding.get("system", "")) == LOINC:
                    return str(coding.get("code", ""))
    return None


def death_certificate_records(document: dict[str, Any]) -> list[dict[str, Any]]:
    """What `death_certificate` finds in the draft: one certificate, or none."""
    resources = _Resources(document)
    coded = []
    composition = None
    for number, resource in resources.resources:
        kind = resource.get("resourceType")
        if kind == "Observation":
            code = _loinc_code(resource)
            if code in DEATH_CODES:
                coded.append((number, resource, code))
        elif kind == "Composition" and composition is None:
            composition = resource
    if not coded:
        return []
    first = coded[0][1]
    record: dict[str, Any] = {"record_type": "death_certificate", "id": _record_id(document, composition, first)}
    lines: dict[int, dict[str, Any]] = {}
    for _, observation, code in coded:
        if code == CAUSE_OF_DEATH_PART1:
            _cause_line(observation, lines)
        elif code == CAUSE_OF_DEATH_PART2:
            condition = {"text": value_text(observation),
                         "icd10": _icd10(observation.get("valueCodeableConcept"))}
            record.setdefault("part2", []).append({k: v for k, v in condition.items() if v})
        elif code == DATE_OF_DEATH:
            when = observation.get("valueDateTime")
            if not when:
                period = observation.get("valuePeriod")
                when = period.get("start") if type(period) is dict else None
            if when:
                record["date_of_death"] = date_part(when)
        elif code in UNDERLYING_CAUSE:
            icd10 = _icd10(observation.get("valueCodeableConcept"))
            if icd10:
                record["underlying_cause_icd10"] = icd10
    if lines:
        record["part1"] = [lines.get(i, {}) for i in range(max(lines) + 1)]
    patient = resources.patient(first)
    if patient is not None:
        person = resources.person(patient)
        if person:
            record["person"] = person
        if "date_of_death" not in record and patient.get("deceasedDateTime"):
            record["date_of_death"] = date_part(patient["deceasedDateTime"])
    return [record]


def _record_id(document: dict[str, Any], composition: dict[str, Any] | None, first: dict[str, Any]) -> str:
    """fhir._death_record_id: the Composition's id, else the Bundle's, else the first death Observation's."""
    if composition and composition.get("id"):
        return str(composition["id"])
    if document.get("resourceType") == "Bundle" and document.get("id"):
        return str(document["id"])
    return str(first.get("id") or "")


def _cause_line(observation: dict[str, Any], lines: dict[int, dict[str, Any]]) -> None:
    """A Part I line into its place (fhir._read_death_observation and _cause_line): the first line-number
    and interval components each read, a line with no number (or one out of 1 to 6) placed after the others."""
    number = interval = None
    components = observation.get("component")
    if type(components) is list:
        for component in components:
            if type(component) is not dict:
                continue
            concept = component.get("code")
            if type(concept) is not dict:
                continue
            codings = concept.get("coding")
            if type(codings) is not list:
                continue
            for coding in codings:
                if type(coding) is dict and str(coding.get("system", "")) == LOINC:
                    code = str(coding.get("code", ""))
                    if code == LINE_NUMBER and number is None:
                        number = component
                    elif code == ONSET_TO_DEATH_INTERVAL and interval is None:
                        interval = component
            if number is not None and interval is not None:
                break
    index = number.get("valueInteger") if number else None
    index = (index - 1) if isinstance(index, int) and 1 <= index <= 6 else len(lines)
    line = {}
    text = value_text(observation)
    if text:
        line["text"] = text
    if interval:
        length = interval.get("valueString") or _quantity_text(interval.get("valueQuantity"))
        if length:
            line["interval"] = length
    icd10 = _icd10(observation.get("valueCodeableConcept"))
    if icd10:
        line["icd10"] = icd10
    lines[index] = line


def _icd10(concept: Any) -> str | None:
    """fhir.icd10_of: the first ICD-10 code among a concept's codings."""
    if type(concept) is not dict:
        return None
    codings = concept.get("coding")
    if type(codings) is not list:
        return None
    for coding in codings:
        if type(coding) is dict:
            system = str(coding.get("system", ""))
            if system in _ICD10_SYSTEMS:
                code = str(coding.get("code", ""))
                if code:
                    return code
    return None


# The reader of each record type a service files.
READERS: dict[str, Callable[[dict[str, Any]], list[dict[str, Any]]]] = {
    "dnacpr_decision": dnacpr_records, "death_certificate": death_certificate_records}
