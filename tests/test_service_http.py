"""The service over HTTP: findings equal the library's, and every failure is an OperationOutcome."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings

from .conftest import AS_OF
from .service_support import client_of, fixture_json, hook_call, make_app, warm_checker
from .test_fuzz_check import records

DNACPR = "/cds-services/leder-audit-dnacpr"
MCCD = "/cds-services/leder-audit-mccd"
CLIENT = client_of(make_app())


def as_json(value):
    return json.loads(json.dumps(value, default=str))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(records)
def test_findings_over_http_equal_book_check(book, record):
    record = as_json(record)
    response = CLIENT.post("/v1/check", json=record)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["complete"] is True
    assert body["findings"] == [f.model_dump(mode="json") for f in book.check(record, as_of=AS_OF)]


def test_a_record_that_does_not_fit_its_model_is_422_naming_the_field():
    response = CLIENT.post("/v1/check", json={"record_type": "death_certificate", "id": "X", "date_of_death": "soon"})
    assert response.status_code == 422
    issue = response.json()["issue"][0]
    assert issue["expression"] == ["date_of_death"]


def outcome(response, status: int) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    issue = body["issue"][0]
    assert issue["severity"] == "error" and issue["diagnostics"]
    assert "Traceback" not in response.text and 'File "' not in response.text
    return issue


def test_400_when_the_body_is_not_json():
    outcome(CLIENT.post(DNACPR, content=b"{not json", headers={"content-type": "application/json"}), 400)


def test_400_when_hookinstance_is_missing_names_it():
    body = hook_call("leder-audit-dnacpr", "edit", fixture_json("fhir_dnacpr_observation.json"))
    del body["hookInstance"]
    assert "hookInstance" in outcome(CLIENT.post(DNACPR, json=body), 400)["diagnostics"]


def test_400_when_the_hook_is_another_services():
    body = hook_call("leder-audit-mccd", "edit", fixture_json("fhir_dnacpr_observation.json"))
    assert outcome(CLIENT.post(DNACPR, json=body), 400)["expression"] == ["hook"]


def test_400_when_the_draft_is_not_a_fhir_resource():
    body = hook_call("leder-audit-dnacpr", "edit", {"rationale": "frail"})
    outcome(CLIENT.post(DNACPR, json=body), 400)


def test_404_for_an_unknown_service_and_path():
    body = hook_call("leder-audit-dnacpr", "edit", fixture_json("fhir_dnacpr_observation.json"))
    outcome(CLIENT.post("/cds-services/no-such-service", json=body), 404)
    outcome(CLIENT.get("/no/such/path"), 404)


def test_405_for_a_method_the_endpoint_does_not_take():
    outcome(CLIENT.get(DNACPR), 405)
    outcome(CLIENT.delete("/cds-services"), 405)


def test_412_when_there_is_no_draft():
    body = hook_call("leder-audit-dnacpr", "edit", None)
    del body["context"]["draft"]
    assert outcome(CLIENT.post(DNACPR, json=body), 412)["expression"] == ["context.draft"]


def test_the_draft_may_come_as_prefetch():
    body = hook_call("leder-audit-dnacpr", "sign", None, prefetch={"draft": fixture_json("fhir_dnacpr_observation.json")})
    del body["context"]["draft"]
    response = CLIENT.post(DNACPR, json=body)
    assert response.status_code == 200 and response.json()["cards"]


def test_413_when_the_body_is_over_256_kib():
    big = hook_call("leder-audit-dnacpr", "edit", fixture_json("fhir_dnacpr_observation.json"),
                    padding="x" * (256 * 1024))
    outcome(CLIENT.post(DNACPR, json=big), 413)


def test_413_when_a_bundle_has_too_many_entries():
    bundle = {"resourceType": "Bundle", "type": "collection",
              "entry": [{"resource": {"resourceType": "Basic"}}] * 101}
    outcome(CLIENT.post(DNACPR, json=hook_call("leder-audit-dnacpr", "edit", bundle)), 413)


def test_413_when_a_text_is_too_long_names_where():
    draft = fixture_json("fhir_dnacpr_observation.json")
    draft["note"] = [{"text": "frail " * 2000}]
    issue = outcome(CLIENT.post(DNACPR, json=hook_call("leder-audit-dnacpr", "edit", draft)), 413)
    assert issue["expression"] == ["context.draft.note[0].text"]


def test_415_when_the_body_is_not_json_typed():
    outcome(CLIENT.post(DNACPR, content=b"hook=x", headers={"content-type": "application/x-www-form-urlencoded"}), 415)


def test_422_when_the_draft_holds_no_form_of_the_services_kind():
    body = hook_call("leder-audit-mccd", "edit", fixture_json("fhir_dnacpr_observation.json"))
    outcome(CLIENT.post(MCCD, json=body), 422)


def test_429_when_a_client_calls_too_often():
    client = client_of(make_app(rate_limit={"per_second": 0.01, "burst": 3}))
    statuses = [client.get("/healthz").status_code for _ in range(5)]
    assert statuses[:3] == [200, 200, 200]
    outcome(client.get("/healthz"), 429)


def test_a_check_past_its_deadline_answers_with_the_incomplete_card():
    client = client_of(make_app(deadline_ms=1))
    draft = fixture_json("fhir_dnacpr_observation.json")
    # Long enough to take more than a millisecond to read: many cue words, every one of them looked at.
    draft["note"] = [{"text": ("not due to learning disability; no Downs; history of LD; " * 150)[:9_999]}]
    response = client.post(DNACPR, json=hook_call("leder-audit-dnacpr", "sign", draft))
    assert response.status_code == 200
    cards = response.json()["cards"]
    assert len(cards) == 1 and "could not finish" in cards[0]["summary"] and cards[0]["indicator"] == "warning"


def test_a_check_past_its_deadline_on_v1_check_says_it_is_incomplete():
    client = client_of(make_app(deadline_ms=1))
    record = {"record_type": "dnacpr_decision", "id": "D", "rationale": ("no LD; Downs; " * 700)[:9_999]}
    body = client.post("/v1/check", json=record).json()
    assert body["complete"] is False and body["incomplete"]


def test_one_warm_checker_serves_every_request(monkeypatch):
    from leder_audit import engine

    made = []
    monkeypatch.setattr(engine.Auditor, "__init__", lambda *a, **k: made.append(1) or None)
    for _ in range(3):
        assert CLIENT.post("/v1/check", json={"record_type": "dnacpr_decision", "id": "D"}).status_code == 200
    assert made == [] and warm_checker().rulebook is not None


@pytest.mark.parametrize("path", ["/cds-services", "/healthz", "/openapi.json"])
def test_get_endpoints_answer_json(path):
    response = CLIENT.get(path)
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
