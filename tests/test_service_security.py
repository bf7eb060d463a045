"""CORS by allowlist, an audit log without patient data, and loopback only when no client is authenticated."""

from __future__ import annotations

import asyncio
import json

import pytest

from leder_audit.service import auditlog
from leder_audit.service.auditlog import AuditLog
from leder_audit.service.config import ServiceConfig
from leder_audit.service.run import ServeError, is_loopback, serve, startup_notice

from .service_support import BASE_URL, Signer, client_of, fixture_json, hook_call, make_app

ALLOWED = "https://forms.example.nhs.uk"
PREFLIGHT = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
CANARIES = ("CANARY-NHS-9434765919", "CANARY-Rationale-Text", "CANARY-Patient-77", "CANARY-User-Dr-Who",
            "CANARY-Comment")


def test_cors_preflight_from_an_allowed_origin_is_allowed():
    client = client_of(make_app(cors_origins=[ALLOWED]))
    response = client.options("/cds-services/leder-audit-dnacpr", headers={"Origin": ALLOWED, **PREFLIGHT})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED


def test_cors_preflight_from_another_origin_is_refused():
    client = client_of(make_app(cors_origins=[ALLOWED]))
    response = client.options("/cds-services/leder-audit-dnacpr",
                              headers={"Origin": "https://evil.example", **PREFLIGHT})
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


def test_a_simple_request_from_another_origin_gets_no_cors_header():
    client = client_of(make_app(cors_origins=[ALLOWED]))
    response = client.get("/cds-services", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in response.headers


def test_no_patient_data_free_text_or_token_reaches_the_audit_log(tmp_path):
    signer = Signer()
    app = make_app(tmp_path, issuers=[signer.issuer()], base_url=BASE_URL)
    client = client_of(app)
    draft = fixture_json("fhir_dnacpr_bundle.json")
    draft["entry"][0]["resource"]["identifier"][0]["value"] = CANARIES[0]
    draft["entry"][1]["resource"]["text"]["div"] = f"<div>Downs syndrome {CANARIES[1]}</div>"
    body = hook_call("leder-audit-dnacpr", "sign", draft)
    body["context"].update(patientId=CANARIES[2], userId=CANARIES[3])
    path = "/cds-services/leder-audit-dnacpr"
    token = signer.token(BASE_URL + path)
    cards = client.post(path, json=body, headers={"Authorization": f"Bearer {token}"}).json()["cards"]
    assert cards
    feedback = {"feedback": [{"card": cards[0]["uuid"], "outcome": "overridden", "outcomeTimestamp": "2024-01-01T00:00:00Z",
                              "overrideReason": {"userComment": CANARIES[4]}}]}
    client.post(path + "/feedback", json=feedback,
                headers={"Authorization": f"Bearer {signer.token(BASE_URL + path + '/feedback')}"})
    client.post(path, json=body, headers={"Authorization": "Bearer " + token})  # replayed: refused, logged
    client.post(f"/cds-services/{CANARIES[2]}", json=body)  # an unknown path a caller chose
    client.post("/v1/check", content=json.dumps({"id": CANARIES[0]}), headers={"content-type": "text/plain"})
    app.state.log.flush()
    log = (tmp_path / "audit.log").read_text(encoding="utf-8")
    lines = [json.loads(line) for line in log.splitlines()]
    assert len(lines) == 5 and [l["status"] for l in lines] == [200, 200, 401, 401, 415]
    for secret in (*CANARIES, token, token.split(".")[2], "Downs"):
        assert secret not in log


def test_every_call_is_one_line_naming_route_status_and_time(tmp_path):
    app = make_app(tmp_path)
    client = client_of(app)
    client.get("/healthz")
    client.get("/nowhere/CANARY")
    app.close()
    lines = [json.loads(l) for l in (tmp_path / "audit.log").read_text().splitlines()]
    assert [(l["route"], l["status"]) for l in lines] == [("/healthz", 200), ("unmatched", 404)]
    assert all(isinstance(l["ms"], float) for l in lines)


def _lines(path):
    return [json.loads(line)["n"] for line in path.read_text().splitlines()]


def test_audit_lines_written_from_no_event_loop_reach_the_file_at_once(tmp_path):
    log = AuditLog(str(tmp_path / "audit.log"))
    log.write({"n": 1})
    log.write({"n": 2})
    assert _lines(tmp_path / "audit.log") == [1, 2]
    log.close()


def test_audit_lines_written_on_an_event_loop_reach_the_file_by_its_timer(tmp_path, monkeypatch):
    monkeypatch.setattr(auditlog, "FLUSH_AFTER_SECONDS", 0.01)
    log = AuditLog(str(tmp_path / "audit.log"))

    async def calls() -> tuple[list[int], list[int]]:
        log.write({"n": 1})
        log.write({"n": 2})
        buffered = _lines(tmp_path / "audit.log")
        await asyncio.sleep(0.05)  # the flush, due sooner, runs first
        return buffered, _lines(tmp_path / "audit.log")

    assert asyncio.run(calls()) == ([], [1, 2])
    log.close()


def test_audit_lines_reach_the_file_when_their_timers_loop_has_gone(tmp_path):
    now = [0.0]
    log = AuditLog(str(tmp_path / "audit.log"), clock=lambda: now[0])

    async def call(n: int) -> None:
        log.write({"n": n})

    asyncio.run(call(1))  # its loop, and the timer on it, are gone
    now[0] = 0.5
    asyncio.run(call(2))
    assert _lines(tmp_path / "audit.log") == []
    now[0] = 1.0
    asyncio.run(call(3))
    assert _lines(tmp_path / "audit.log") == [1, 2, 3]
    log.write({"n": 4})
    log.close()
    assert _lines(tmp_path / "audit.log") == [1, 2, 3, 4]


@pytest.mark.parametrize("host, loopback", [("127.0.0.1", True), ("::1", True), ("localhost", True),
                                            ("0.0.0.0", False), ("10.1.2.3", False), ("example.org", False)])
def test_loopback_hosts(host, loopback):
    assert is_loopback(host) is loopback


def test_serving_beyond_loopback_without_issuers_is_refused():
    with pytest.raises(ServeError, match="loopback"):
        serve("0.0.0.0", 8080, [], None)


def test_start_up_says_calls_are_not_authenticated_without_issuers():
    assert "not authenticated" in startup_notice(ServiceConfig(), "127.0.0.1", 8080)
    assert "not authenticated" not in startup_notice(ServiceConfig(issuers=[Signer().issuer()]), "0.0.0.0", 8080)


def test_a_failure_inside_the_service_is_an_operation_outcome_without_a_trace(monkeypatch):
    from leder_audit.service import app as app_module

    client = client_of(make_app())
    monkeypatch.setattr(app_module, "records_of_draft", lambda *a: 1 / 0)
    response = client.post("/cds-services/leder-audit-dnacpr",
                           json=hook_call("leder-audit-dnacpr", "sign", fixture_json("fhir_dnacpr_observation.json")))
    assert response.status_code == 500 and response.json()["resourceType"] == "OperationOutcome"
    assert "ZeroDivisionError" not in response.text and "Traceback" not in response.text
