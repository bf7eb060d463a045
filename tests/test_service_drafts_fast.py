"""Reading a hook's draft the short way gives exactly the records (and the same refusals) as the long way
through `records_from_document`, on generated drafts and on the fixture drafts mutated: the same fields, in
the same order."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import given, settings, strategies as st

from leder_audit.intake import Incoming
from leder_audit.readers import fhir
from leder_audit.readers.fhir import RESPECT_LINK_IDS, RESPECT_MARKER, records_from_document
from leder_audit.service.drafts import DRAFT_ID, Bounds, DraftError, records_of_draft
from leder_audit.service.hooks import SERVICES

from .service_support import fixture_json, fixture_lines

FIXTURE_DRAFTS = [fixture_json("fhir_death_bundle.json"), fixture_json("fhir_dnacpr_bundle.json"),
                  fixture_json("fhir_dnacpr_observation.json"), *fixture_lines("fhir_bundles.ndjson")]


def _long_way(draft: Any, service_id: str) -> list[dict[str, Any]] | tuple[int, str, str | None]:
    """What the service read from a draft through records_from_document, as it did before the short way."""
    service = SERVICES[service_id]
    if not isinstance(draft, dict) or not isinstance(draft.get("resourceType"), str):
        return 400, "context.draft must be a FHIR resource or Bundle: a JSON object with resourceType", "context.draft"
    records = []
    for item in records_from_document(draft, "context.draft", "", (service.record_type,)):
        if isinstance(item, Incoming) and item.data.get("record_type") == service.record_type:
            record = dict(item.data)
            if not record.get("id"):
                record["id"] = DRAFT_ID
            records.append(record)
    if not records:
        return 422, (f"context.draft holds no {service.form}; expected "
                     f"{', '.join(service.draft_resources)}"), "context.draft"
    return records


def _read_alike(short: Any, long: Any) -> bool:
    """The same records (or refusal), each record's fields in the same order all through."""
    return short == long and json.dumps(short) == json.dumps(long)


def _short_way(draft: Any, service_id: str) -> list[dict[str, Any]] | tuple[int, str, str | None]:
    try:
        return records_of_draft(draft, SERVICES[service_id], Bounds(max_text=10**9, max_strings=10**9))
    except DraftError as error:
        return error.status, error.message, error.field


def _old_items(node: dict[str, Any], into: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """The walk over a form's items as it was written first."""
    items = [] if into is None else into
    for item in fhir.as_list(node.get("item")):
        if isinstance(item, dict):
            items.append(item)
            _old_items(item, items)
            for answer in fhir.as_list(item.get("answer")):
                if isinstance(answer, dict):
                    _old_items(answer, items)
    return items


def _old_respect_record(response: dict[str, Any], bundle: fhir.Bundle, items: list[dict[str, Any]]) -> dict[str, Any]:
    record: dict[str, Any] = {"record_type": "dnacpr_decision", "id": str(response.get("id") or ""), "form": "respect"}
    for item in items:
        target = RESPECT_LINK_IDS.get(str(item.get("linkId")))
        value = fhir._answer(item) if target else None
        if target and value is not None and target not in record:
            record[target] = value
    if "decision_date" not in record and fhir.date_part(response.get("authored")):
        record["decision_date"] = fhir.date_part(response.get("authored"))
    person = fhir.person_from_patient(bundle.patient(response))
    if person:
        record["person"] = person
    return record


_odd = st.none() | st.booleans() | st.integers(-3, 8) | st.text(max_size=4) | st.just([]) | st.just({})
_link_ids = st.sampled_from([*RESPECT_LINK_IDS, RESPECT_MARKER, "other"]) | st.integers(0, 2) | st.none()
_value = st.sampled_from(["valueBoolean", "valueString", "valueDate", "valueDateTime", "valueCoding", "valueInteger"])
_answer_value = st.booleans() | st.text(max_size=12) | st.just("2024-02-11T10:00:00Z") | st.fixed_dictionaries(
    {}, optional={"display": st.text(max_size=5) | st.none(), "code": st.text(max_size=3)})


def _items_of(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    answer = st.dictionaries(_value, _answer_value, max_size=2).flatmap(
        lambda a: st.fixed_dictionaries({}, optional={"item": children}).map(lambda extra: {**a, **extra}))
    item = st.fixed_dictionaries({}, optional={"linkId": _link_ids, "answer": st.lists(answer | _odd, max_size=2) | _odd,
                                               "item": children, "text": st.text(max_size=3)})
    return st.lists(item | _odd, max_size=4) | _odd


_item_trees = st.recursive(st.just([]), _items_of, max_leaves=12)
_patient = st.fixed_dictionaries({"resourceType": st.just("Patient")}, optional={
    "id": st.sampled_from(["p1", "p2"]), "birthDate": st.just("1970-01-01"), "gender": st.sampled_from(["female", ""]),
    "identifier": st.just([{"system": fhir.NHS_NUMBER_SYSTEM, "value": "9434765919"}]),
    "deceasedDateTime": st.just("2024-03-01T08:00:00Z")})
_subject = st.fixed_dictionaries({}, optional={"subject": st.just({"reference": "Patient/p1"}),
                                                "patient": st.just({"reference": "Patient/p2"})})
_response = st.builds(lambda items, subject, extra: {"resourceType": "QuestionnaireResponse", "item": items,
                                                     **subject, **extra},
                      _item_trees, _subject, st.fixed_dictionaries({}, optional={
                          "id": st.sampled_from(["r1", ""]), "authored": st.sampled_from(["2024-02-11", "2024", None])}))


def _coding(system: str, codes: list[str]) -> st.SearchStrategy[Any]:
    return st.fixed_dictionaries({"coding": st.lists(st.fixed_dictionaries(
        {"system": st.sampled_from([system, fhir.LOINC, fhir.SNOMED, "x"]), "code": st.sampled_from([*codes, "1"])},
        optional={"display": st.text(max_size=4)}), max_size=2)}, optional={"text": st.text(max_size=4)})


_component = st.fixed_dictionaries({"code": _coding(fhir.LOINC, [fhir.LINE_NUMBER, fhir.ONSET_TO_DEATH_INTERVAL])},
                                   optional={"valueInteger": st.integers(0, 7), "valueString": st.text(max_size=3),
                                             "valueQuantity": st.just({"value": 2, "unit": "years"})})
_observation = st.builds(lambda code, subject, extra: {"resourceType": "Observation", "code": code, **subject, **extra},
                         _coding(fhir.LOINC, sorted(fhir.DEATH_CODES)) | _coding(fhir.SNOMED, [fhir.NOT_FOR_RESUSCITATION]),
                         _subject, st.fixed_dictionaries({}, optional={
                             "id": st.sampled_from(["o1", "o2", ""]), "component": st.lists(_component, max_size=3),
                             "valueString": st.text(max_size=5),
                             "valueCodeableConcept": _coding(fhir.ICD10_SYSTEMS[0], ["I21", "F72"]),
                             "valueDateTime": st.just("2024-03-01T08:00:00Z"),
                             "note": st.just([{"text": "frail"}]), "effectiveDateTime": st.just("2024-02-01")}))
_consent = st.builds(lambda scope, extra: {"resourceType": "Consent", "scope": scope, **extra},
                     _coding(fhir.SNOMED, [fhir.NOT_FOR_RESUSCITATION]), st.fixed_dictionaries({}, optional={
                         "id": st.just("c1"), "dateTime": st.just("2024-02-01"),
                         "provision": st.just({"period": {"end": "2025-01-01T00:00:00Z"}})}))
_resource = _response | _observation | _consent | _patient | st.just({"resourceType": "Composition", "id": "comp"})
_entry = st.builds(lambda r, url: {"resource": r, **({"fullUrl": url} if url else {})}, _resource,
                   st.sampled_from([None, "urn:uuid:1", "Patient/p1"])) | _odd
_bundle = st.builds(lambda entries, ident: {"resourceType": "Bundle", "entry": entries, **ident},
                    st.lists(_entry, max_size=5) | _odd, st.fixed_dictionaries({}, optional={"id": st.just("b1")}))
_drafts = _resource | _bundle | _odd | st.fixed_dictionaries({"resourceType": _odd})


@settings(max_examples=400, deadline=None)
@given(_drafts, st.sampled_from(sorted(SERVICES)))
def test_a_generated_draft_is_read_the_short_way_as_the_long_way(draft, service_id):
    assert _read_alike(_short_way(draft, service_id), _long_way(copy.deepcopy(draft), service_id))


def _mutated(value: Any, data: st.DataObject) -> Any:
    """The value with some of its keys dropped or their values replaced, all through the tree."""
    if isinstance(value, dict):
        out = {}
        for key, inner in value.items():
            choice = data.draw(st.sampled_from(["keep", "keep", "keep", "drop", "odd"]))
            if choice == "keep":
                out[key] = _mutated(inner, data)
            elif choice == "odd":
                out[key] = data.draw(_odd)
        return out
    if isinstance(value, list):
        return [_mutated(inner, data) for inner in value if data.draw(st.integers(0, 5))]
    return value


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(FIXTURE_DRAFTS), st.sampled_from(sorted(SERVICES)), st.data())
def test_a_mutated_fixture_draft_is_read_the_short_way_as_the_long_way(draft, service_id, data):
    draft = _mutated(draft, data)
    assert _read_alike(_short_way(draft, service_id), _long_way(copy.deepcopy(draft), service_id))


def test_every_fixture_draft_gives_records_read_alike():
    found = 0
    for draft in FIXTURE_DRAFTS:
        for service_id in SERVICES:
            short = _short_way(draft, service_id)
            assert _read_alike(short, _long_way(draft, service_id))
            found += isinstance(short, list)
    assert found >= 3  # the fixtures hold certificates and decisions both


def test_records_about_one_patient_each_have_their_own_person():
    draft = fixture_json("fhir_dnacpr_bundle.json")
    first, second = records_of_draft(draft, SERVICES["leder-audit-dnacpr"], Bounds())
    assert first["person"] == second["person"] and first["person"] is not second["person"]
    first["person"]["sex"] = "changed"
    assert second["person"]["sex"] == "female"
    assert records_of_draft(draft, SERVICES["leder-audit-dnacpr"], Bounds())[0]["person"]["sex"] == "female"


@settings(max_examples=400, deadline=None)
@given(_response, _bundle)
def test_a_form_is_walked_and_read_as_it_was_before(response, bundle_document):
    items = fhir._items(response)
    assert items == _old_items(response) and all(a is b for a, b in zip(items, _old_items(response)))
    bundle = fhir.Bundle.of(bundle_document if isinstance(bundle_document.get("entry"), list) else response)
    assert fhir._respect_record(response, bundle, items) == _old_respect_record(response, bundle, items)
