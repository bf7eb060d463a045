"""FHIR R4: VRDR cause-of-death Observations, DNACPR Observations, Consents and ReSPECT-style forms."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leder_audit.engine import Incoming
from leder_audit.findings import Rejection
from leder_audit.readers import detect_format, read
from leder_audit.readers.fhir import records_from_document

LOINC, SNOMED = "http://loinc.org", "http://snomed.info/sct"


def coded(system: str, code: str) -> dict:
    return {"coding": [{"system": system, "code": code}]}


def cause(line: int | None, text: str, interval: dict | None = None) -> dict:
    components = [{"code": coded(LOINC, "69444-2"), "valueInteger": line}] if line else []
    if interval:
        components.append({"code": coded(LOINC, "69440-6"), **interval})
    return {"resourceType": "Observation", "id": f"c{line}", "code": coded(LOINC, "69453-9"),
            "valueCodeableConcept": {"text": text}, "component": components}


def bundle(*resources: dict, **extra) -> dict:
    return {"resourceType": "Bundle", "id": "B1", "type": "collection",
            "entry": [{"resource": r} for r in resources], **extra}


def records(document: dict) -> list:
    return list(records_from_document(document, "in.json", ""))


def test_cause_lines_are_placed_by_their_line_number_component():
    items = records(bundle(cause(3, "Down syndrome"), cause(1, "Pneumonia", {"valueString": "3 days"})))
    assert items[0].data["part1"] == [{"text": "Pneumonia", "interval": "3 days"}, {}, {"text": "Down syndrome"}]


def test_an_interval_given_as_a_quantity_is_read_as_text():
    items = records(bundle(cause(1, "Sepsis", {"valueQuantity": {"value": 5, "unit": "days"}})))
    assert items[0].data["part1"] == [{"text": "Sepsis", "interval": "5 days"}]


def test_the_date_of_death_falls_back_to_the_patient():
    patient = {"resourceType": "Patient", "id": "p", "deceasedDateTime": "2024-01-02T03:04:05Z"}
    items = records(bundle(patient, cause(1, "Sepsis")))
    assert items[0].data["date_of_death"] == "2024-01-02"


def test_the_patient_name_is_not_read():
    patient = {"resourceType": "Patient", "id": "p", "name": [{"family": "Smith"}], "gender": "female"}
    items = records(bundle(patient, cause(1, "Sepsis")))
    assert items[0].data["person"] == {"sex": "female"} and "Smith" not in json.dumps(items[0].data)


@pytest.mark.parametrize("resource", [
    {"resourceType": "Observation", "id": "o", "code": coded(SNOMED, "304253006"), "note": [{"text": "Frailty"}]},
    {"resourceType": "Observation", "id": "o", "code": coded(LOINC, "11111-1"),
     "valueCodeableConcept": coded(SNOMED, "304253006"), "note": [{"text": "Frailty"}]},
    {"resourceType": "Consent", "id": "o", "category": [coded(SNOMED, "304253006")],
     "text": {"div": "<div><p>Frailty</p></div>"}},
    {"resourceType": "Consent", "id": "o", "provision": {"code": [coded(SNOMED, "304253006")]},
     "text": {"div": "<div>Frailty</div>"}},
])
def test_a_not_for_resuscitation_decision_is_read_from_an_observation_or_consent(resource):
    (item,) = records(bundle(resource))
    assert item.data["record_type"] == "dnacpr_decision" and item.data["rationale"] == "Frailty"
    assert item.location == "entry 1"


def test_a_respect_form_says_whether_cpr_would_not_succeed():
    form = {"resourceType": "QuestionnaireResponse", "id": "q1", "authored": "2024-02-01T10:00:00Z",
            "item": [{"linkId": "cpr-recommendation", "answer": [{"valueString": "not for CPR"}]},
                     {"linkId": "cpr-would-not-succeed", "answer": [{"valueBoolean": True}]}]}
    (item,) = records(bundle(form))
    assert item.data["form"] == "respect" and item.data["cpr_would_not_succeed"] is True


def test_a_bundle_without_anything_we_read_is_rejected_with_the_codes_looked_for():
    (item,) = records(bundle({"resourceType": "Patient", "id": "p"}))
    assert isinstance(item, Rejection) and "69453-9" in item.message and "304253006" in item.message


@pytest.mark.parametrize("document", [[1, 2], {"no": "resourceType"}, "text"])
def test_json_that_is_not_a_fhir_resource_is_rejected(document):
    (item,) = records(document)
    assert isinstance(item, Rejection) and "FHIR" in item.message


def test_fhir_is_detected_by_content_whatever_the_extension(tmp_path):
    for name in ("b.json", "b.ndjson", "b.txt"):
        path = tmp_path / name
        path.write_text(json.dumps(bundle(cause(1, "Sepsis"))) + "\n")
        assert detect_format(path) == "fhir"
        assert [type(i) for i in read(path)] == [Incoming]


def test_a_bad_line_in_ndjson_of_bundles_is_rejected_alone(tmp_path):
    path = tmp_path / "b.ndjson"
    path.write_text(json.dumps(bundle(cause(1, "Sepsis"))) + "\n{oops\n" + json.dumps(bundle(cause(1, "Sepsis"))) + "\n")
    items = list(read(path, "fhir"))
    assert [type(i).__name__ for i in items] == ["Incoming", "Rejection", "Incoming"]
    assert items[1].location == "line 2" and items[2].location == "line 3, entry 1"


def test_invalid_json_is_rejected_not_raised(tmp_path):
    path = tmp_path / "b.json"
    path.write_text('{"resourceType": "Bundle", ')
    (item,) = list(read(path, "fhir"))
    assert isinstance(item, Rejection) and "invalid JSON" in item.message


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 7) | st.sampled_from(
        ["", "Bundle", "Observation", "Consent", "QuestionnaireResponse", "Patient", "69453-9", "69444-2",
         "304253006", LOINC, SNOMED, "cpr-recommendation", "2024-01-01"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.sampled_from(["resourceType", "entry", "resource", "code", "coding", "system", "component", "valueInteger",
                         "valueString", "item", "linkId", "answer", "note", "text", "id", "subject", "reference",
                         "provision", "period", "end", "performer", "display", "valuePeriod", "identifier", "category",
                         "scope", "valueCodeableConcept", "valueDateTime", "authored", "fullUrl", "valueCoding",
                         "valueBoolean", "dateTime", "birthDate", "gender", "deceasedDateTime", "div", "patient"]),
        children, max_size=4),
    max_leaves=20)


@settings(max_examples=400, deadline=None)
@given(json_values)
def test_the_fhir_reader_yields_records_or_rejections_and_never_raises(document):
    for item in records_from_document(document, "in.json", ""):
        assert isinstance(item, (Incoming, Rejection))


@pytest.mark.parametrize("resource_type, shown", [("9434765919", False), ("Mrs Joan Example", False),
                                                  ("Patient", True)])
def test_an_unknown_resource_type_is_not_repeated(resource_type, shown):
    (rejection,) = records_from_document({"resourceType": resource_type, "id": "x"}, "f.json", "")
    assert isinstance(rejection, Rejection) and "no death record" in rejection.message
    assert (resource_type in rejection.message) is shown
