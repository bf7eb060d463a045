"""The calls answered on the service's hot path: the same limits, CORS headers, bodies and audit lines as
every other call, and the shortcuts it takes agree with the long way round."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings, strategies as st

from leder_audit.service.app import json_bytes
from leder_audit.service.drafts import Bounds, DraftError, within_bounds

from .service_support import client_of, fixture_json, hook_call, make_app

ALLOWED = "https://forms.example.nhs.uk"
DNACPR = "/cds-services/leder-audit-dnacpr"
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(st.characters(exclude_categories=("Cs",)), max_size=30),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=30)


def _refusal(value, bounds, body_bytes=None):
    try:
        within_bounds(value, bounds, body_bytes=body_bytes)
    except DraftError as error:
        return error.status
    return None


@settings(max_examples=300)
@given(json_values, st.integers(1, 60), st.integers(1, 30))
def test_bounds_read_from_the_body_length_refuse_what_the_walk_refuses(value, max_text, max_strings):
    bounds = Bounds(max_entries=100, max_text=max_text, max_strings=max_strings)
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    assert _refusal(value, bounds, len(body)) == _refusal(value, bounds)


@given(json_values)
def test_response_bodies_are_the_json_starlette_writes(value):
    expected = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
    assert json_bytes(value) == expected


@pytest.mark.parametrize("origin", [None, ALLOWED, "https://evil.example"])
def test_a_hot_call_gets_the_cors_headers_any_other_call_gets(origin):
    client = client_of(make_app(cors_origins=[ALLOWED]))
    headers = {"Origin": origin} if origin else {}
    hot = client.post("/v1/check", json={"record_type": "dnacpr_decision", "id": "D"}, headers=headers)
    routed = client.get("/healthz", headers=headers)
    assert hot.status_code == routed.status_code == 200
    cors = ("access-control-allow-origin", "vary")
    assert [hot.headers.get(h) for h in cors] == [routed.headers.get(h) for h in cors]
    assert (hot.headers.get("access-control-allow-origin") == ALLOWED) is (origin == ALLOWED)


def test_a_hot_call_refused_by_a_limit_is_logged_and_carries_cors_headers(tmp_path):
    app = make_app(tmp_path, cors_origins=[ALLOWED], rate_limit={"per_second": 0.01, "burst": 1})
    client = client_of(app)
    body = hook_call("leder-audit-dnacpr", "edit", fixture_json("fhir_dnacpr_observation.json"))
    first = client.post(DNACPR, json=body, headers={"Origin": ALLOWED})
    second = client.post(DNACPR, json=body, headers={"Origin": ALLOWED})
    assert first.status_code == 200 and second.status_code == 429 and second.headers["retry-after"] == "1"
    assert second.headers["access-control-allow-origin"] == ALLOWED
    assert second.json()["resourceType"] == "OperationOutcome"
    app.state.log.flush()
    lines = [json.loads(line) for line in (tmp_path / "audit.log").read_text().splitlines()]
    assert [(line["route"], line["status"]) for line in lines] == [(DNACPR, 200), (DNACPR, 429)]


def test_hot_calls_are_answered_alike_through_fastapi():
    app = make_app()
    hot_client, routed_client = client_of(app), client_of(app.asgi.stack)  # the stack: audit trail, CORS, FastAPI
    hot, routed = hot_client.get("/me"), routed_client.get("/me")
    assert hot.status_code == routed.status_code == 200 and hot.content == routed.content
    for name in ("content-type", "content-security-policy", "cache-control", "referrer-policy",
                 "x-content-type-options", "content-length"):
        assert hot.headers[name] == routed.headers[name], name

    record = {"record_type": "death_certificate", "id": "C", "part1": [{"text": "Down's syndrome"}]}
    hot, routed = hot_client.post("/v1/check", json=record), routed_client.post("/v1/check", json=record)
    assert hot.status_code == routed.status_code == 200 and hot.json()["findings"]
    assert hot.content == routed.content and hot.headers["content-type"] == routed.headers["content-type"]
    bad = hot_client.post("/v1/check", content=b"[1]", headers={"content-type": "application/json"})
    assert bad.status_code == 400 and bad.content == routed_client.post(
        "/v1/check", content=b"[1]", headers={"content-type": "application/json"}).content


class _RecordingChecker:
    """Stands in for the warm checker: says which thread checked, and takes as long as it is told to."""

    def __init__(self, seconds: float = 0.0) -> None:
        import threading

        self.seconds, self.threads, self._lock = seconds, [], threading.Lock()

    def check(self, record):
        import threading
        import time

        with self._lock:
            self.threads.append(threading.current_thread().name)
            time.sleep(self.seconds)
            return record

    def check_now(self, records):
        if not self._lock.acquire(blocking=False):
            return None
        self._lock.release()
        return [self.check(record) for record in records]


def _run_checks(checker, deadline, bodies):
    import asyncio

    from leder_audit.service.checker import Checks

    checks = Checks(checker, deadline)

    async def calls():
        return [await checks.run([n], size) for n, size in enumerate(bodies)]

    try:
        return asyncio.run(calls()), checks
    finally:
        checks.close()


def test_a_short_body_is_checked_on_the_loop_once_checks_are_known_to_be_quick():
    import threading

    checker = _RecordingChecker()
    answers, _ = _run_checks(checker, 0.3, [2000, 2000, 2000])
    assert answers == [[0], [1], [2]]
    loop_thread = threading.current_thread().name
    assert checker.threads[0] != loop_thread and checker.threads[1:] == [loop_thread, loop_thread]


def test_a_long_body_or_a_short_deadline_is_always_checked_on_the_thread():
    import threading

    for deadline, bodies in ((0.3, [2000, 7000, 2000, 7000]), (0.001, [100, 100, 100])):
        checker = _RecordingChecker()
        _run_checks(checker, deadline, bodies)
        loop_thread = threading.current_thread().name
        expected = 1 if deadline == 0.3 else 0  # the second short body, and nothing else, ran on the loop
        assert checker.threads.count(loop_thread) == expected, (deadline, checker.threads)


def test_a_slow_check_sends_the_next_ones_to_the_thread_and_its_deadline():
    checker = _RecordingChecker(seconds=0.05)
    answers, checks = _run_checks(checker, 0.3, [100, 100])
    assert answers == [[0], [1]]
    assert checks.slowest >= 0.05 and checks.slowest * 10 >= 0.3  # too slow to check on the loop again
    checker.seconds = 0.5
    answers, _ = _run_checks(checker, 0.1, [100])
    assert answers == [None]  # past the deadline: the caller hears the check is incomplete
