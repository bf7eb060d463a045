"""The calls answered on the service's hot path: the same limits, CORS headers, bodies and audit lines as
every other call, and the shortcuts it takes agree with the long way round."""

from __future__ import annotations

import json
from functools import lru_cache

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


# ----- the shortcuts agree with the long way round -----

from leder_audit.findings import Evidence, Finding, Reference  # noqa: E402
from leder_audit.service.app import HookCall, hook_request  # noqa: E402
from leder_audit.service.cards import cards_answer, cards_for  # noqa: E402
from leder_audit.service.models import HookRequest  # noqa: E402

from .service_support import warm_checker  # noqa: E402

_texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)
_field_values = st.none() | st.booleans() | st.integers() | _texts | st.dictionaries(st.text(max_size=5), json_values,
                                                                                     max_size=3) | st.lists(json_values,
                                                                                                            max_size=2)


def _mostly(usual, other):
    """`usual` three times in four, else `other`."""
    return st.integers(0, 3).flatmap(lambda n: usual if n else other)


_mostly_text = _mostly(st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=30), _field_values)
_mostly_object = _mostly(st.dictionaries(st.text(max_size=5), json_values, max_size=3), _field_values)
_optional_fields = {"fhirServer": _field_values | _texts, "fhirAuthorization": _mostly_object,
                    "prefetch": _mostly_object | st.fixed_dictionaries({"draft": json_values}), "extra": json_values}
_context_fields = {"patientId": _mostly_text, "draft": _mostly_object, "encounterId": json_values}
_hook_bodies = st.one_of(
    st.fixed_dictionaries({"hook": _mostly_text, "hookInstance": _mostly_text,
                           "context": st.fixed_dictionaries({"userId": _mostly_text}, optional=_context_fields)},
                          optional=_optional_fields),
    st.fixed_dictionaries({}, optional={"hook": _field_values, "hookInstance": _field_values,
                                        "context": _mostly_object, **_optional_fields}),
    json_values)


def _the_long_way(body: bytes) -> HookCall | str:
    try:
        request = HookRequest.model_validate_json(body)
    except ValueError as error:  # ValidationError
        return type(error).__name__
    draft = request.context.draft if request.context.draft is not None else (request.prefetch or {}).get("draft")
    return HookCall(request.hook, request.hookInstance, draft)


@settings(max_examples=400)
@given(_hook_bodies)
def test_a_hook_body_is_read_as_the_model_reads_it(value):
    body = json.dumps(value, ensure_ascii=False).encode()
    expected = _the_long_way(body)
    try:
        got: HookCall | str = hook_request(body)
    except Exception as error:  # the handler's 400, as a ServiceError
        got = "ValidationError" if getattr(error, "status", None) == 400 else repr(error)
    assert got == expected


def test_a_hook_body_that_fits_is_read_without_the_model():
    body = hook_call("leder-audit-dnacpr", "edit", {"resourceType": "Consent"}, instance="i-1")
    assert hook_request(json.dumps(body).encode()) == HookCall(body["hook"], "i-1", {"resourceType": "Consent"})
    body["context"]["draft"] = None
    body["prefetch"] = {"draft": {"resourceType": "Observation"}}
    assert hook_request(json.dumps(body).encode()).draft == {"resourceType": "Observation"}


def _found(name: str, service_id: str):
    from leder_audit.service.drafts import Bounds, records_of_draft
    from leder_audit.service.hooks import SERVICES

    checker = warm_checker()
    records = records_of_draft(fixture_json(name), SERVICES[service_id], Bounds())
    return [f for record in records for f in checker.check(record).found]


@pytest.mark.parametrize("name, service_id", [("fhir_dnacpr_bundle.json", "leder-audit-dnacpr"),
                                              ("fhir_death_bundle.json", "leder-audit-mccd"),
                                              ("fhir_dnacpr_observation.json", "leder-audit-dnacpr")])
@pytest.mark.parametrize("moment", ["edit", "sign"])
@pytest.mark.parametrize("rule_errors", [0, 1])
def test_cards_written_from_their_parts_are_the_cards_as_json(name, service_id, moment, rule_errors):
    found = _found(name, service_id)
    for findings in (found, [f.model() for f in found], found + found):
        answer = cards_answer(findings, moment, "hook-1", "the-hash", rule_errors)
        pairs = cards_for(findings, moment, "hook-1", "the-hash", rule_errors)
        assert answer.body == json_bytes({"cards": [card for card, _ in pairs]})
        assert answer.count == len(pairs)
        assert answer.rules == sorted({card["source"]["topic"]["code"] for card, _ in pairs})
        assert answer.issued == [(card["uuid"], f.rule_id, f.rule_version) for card, f in pairs if f is not None]


@settings(max_examples=200)
@given(message=_texts, words=_texts, path=st.none() | _texts, start=st.none() | st.integers(0, 10**6),
       instance=st.text(min_size=1, max_size=40), severity=st.sampled_from(["critical", "high", "medium", "low", "info"]),
       unknown=st.booleans(), title=_texts)
def test_any_finding_written_from_parts_is_its_card_as_json(message, words, path, start, instance, severity,
                                                            unknown, title):
    finding = Finding(rule_id="LDA-TEST-001", rule_version=3, title=title or "t", severity=severity, tags=["a", "b"],
                      record_id="R", record_type="dnacpr_decision", message=message, path=path,
                      evidence=Evidence(text=words, start=start, end=None, path=path) if words else None,
                      references=[Reference(source="S <b>", section=None, url="https://example.org/\"x\"")],
                      decided_on_unknown=unknown)
    answer = cards_answer([finding], "sign", instance, "h\u00e9")
    assert answer.body == json_bytes({"cards": [card for card, _ in cards_for([finding], "sign", instance, "h\u00e9")]})


@lru_cache(maxsize=1)
def _plain_app():
    return make_app()


@settings(max_examples=100, deadline=None)
@given(json_values.filter(lambda v: isinstance(v, dict)) | st.sampled_from(
    [{"record_type": "dnacpr_decision", "id": "D1", "rationale": "Severe learning disability; frail"},
     {"record_type": "death_certificate", "id": "C", "part1": [{"text": "Down\u2019s syndrome \"x\""}]}]))
def test_a_plain_check_answers_with_the_findings_models_json(record):
    from leder_audit.service.app import _check_response

    app = _plain_app()
    try:
        checked = [warm_checker().check({"record_type": "dnacpr_decision", "id": "x", **record})]
    except Exception:  # a record that does not fit its model is not answered with findings
        return
    result = checked[0]
    expected = {"complete": result.rule_errors == 0, "incomplete": None if not result.rule_errors else "...",
                "findings": [f.model_dump(mode="json") for f in result.findings],
                "rulebookHash": warm_checker().rulebook_hash}
    got = _check_response(app.state, checked)
    if not result.rule_errors:
        assert got == json_bytes(expected)
    assert json.loads(got)["findings"] == expected["findings"]


@pytest.mark.parametrize("where, name, lengths", [
    ((), "hook", (0, 256, 257)), ((), "hookInstance", (0, 1, 128, 129)), (("context",), "userId", (0, 256, 257)),
    (("context",), "patientId", (256, 257)), ((), "fhirServer", (2048, 2049))])
def test_a_hook_body_at_its_fields_bounds_is_read_as_the_model_reads_it(where, name, lengths):
    for length in lengths:
        body = hook_call("leder-audit-dnacpr", "edit", {"resourceType": "Consent"})
        target = body
        for step in where:
            target = target[step]
        target[name] = "\u00e9" * length  # characters, not bytes, are what the bounds count
        text = json.dumps(body, ensure_ascii=False).encode()
        try:
            got: HookCall | str = hook_request(text)
        except Exception:
            got = "ValidationError"
        assert got == _the_long_way(text), (name, length)


_line_text = st.none() | st.text(max_size=16)


@given(st.lists(st.fixed_dictionaries({}, optional={"text": _line_text, "interval": _line_text, "icd10": _line_text}),
                max_size=4),
       st.lists(st.fixed_dictionaries({}, optional={"text": _line_text, "icd10": _line_text}), max_size=6))
def test_the_pages_record_is_its_lines_as_dumped(part1, part2):
    from leder_audit.service.page import MeDraft

    draft = MeDraft.model_validate({"part1": part1, "part2": part2})
    assert draft.record() == {"record_type": "death_certificate", "id": "checking-aid",
                              "part1": [line.model_dump(exclude_none=True) for line in draft.part1],
                              "part2": [condition.model_dump(exclude_none=True) for condition in draft.part2]}


class _Socket:
    """Stands in for a connection's transport: what was written, one entry a write."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data):
        self.writes.append(bytes(data))

    def is_closing(self):
        return self.closed

    def close(self):
        self.closed = True

    def abort(self):
        self.closed = True


def test_an_answers_head_and_body_reach_the_socket_in_one_write_and_a_lone_write_by_the_turns_end():
    import asyncio

    from leder_audit.service.protocol import CoalescedTransport

    async def writes():
        socket_ = _Socket()
        transport = CoalescedTransport(socket_, asyncio.get_running_loop())
        transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
        assert socket_.writes == []  # held for the body
        transport.write(bytearray(b"{}"))
        assert socket_.writes == [b"HTTP/1.1 200 OK\r\n\r\n{}"]
        transport.write(b"more")
        await asyncio.sleep(0)  # the loop's turn ends: nothing is held past it
        assert socket_.writes[-1] == b"more"
        transport.write(b"last")
        transport.close()  # what is held is written before the connection closes
        assert socket_.writes[-1] == b"last" and socket_.closed
        await asyncio.sleep(0)
        assert socket_.writes.count(b"last") == 1
        aborted = _Socket()
        transport = CoalescedTransport(aborted, asyncio.get_running_loop())
        transport.write(b"dropped")
        transport.abort()
        await asyncio.sleep(0)
        assert aborted.writes == [] and aborted.closed

    asyncio.run(writes())


@pytest.mark.parametrize("name, service_id", [("fhir_dnacpr_bundle.json", "leder-audit-dnacpr"),
                                              ("fhir_death_bundle.json", "leder-audit-mccd")])
def test_cards_of_findings_found_again_are_the_cards_written_afresh(name, service_id):
    # A form checked again finds the same findings (the engine shares their parts and reasons), and its cards
    # come from what was written for them the first time: the same cards, with this call's uuids and hash.
    first, again = _found(name, service_id), _found(name, service_id)
    assert first and any(a.reasons is b.reasons for a, b in zip(first, again))
    for findings, instance, rulebook_hash in ((first, "hook-1", "hash-1"), (again, "hook-2", "hash-1"),
                                              (again, "hook-2", "hash-2"), (first, "hook-1", "hash-1")):
        answer = cards_answer(findings, "sign", instance, rulebook_hash)
        fresh = [card for card, _ in cards_for(findings, "sign", instance, rulebook_hash)]
        assert answer.body == json_bytes({"cards": fresh})
        assert {card["extension"]["org.leder-audit.finding"]["rulebookHash"] for card in fresh} == {rulebook_hash}


def test_a_finding_with_other_words_gets_its_own_card_not_one_kept_for_another():
    from leder_audit.findings import FoundFinding

    found = _found("fhir_death_bundle.json", "leder-audit-mccd")[0]
    other = FoundFinding(found.parts, found.reasons, found.record_id, found.record_type, found.message + " Again.",
                         found.source, found.location)
    for finding in (found, other, found):
        answer = cards_answer([finding], "sign", "hook-1", "h")
        assert answer.body == json_bytes({"cards": [card for card, _ in cards_for([finding], "sign", "hook-1", "h")]})
    assert "Again." in json.loads(cards_answer([other], "sign", "hook-1", "h").body)["cards"][0]["detail"]
    assert "Again." not in json.loads(cards_answer([found], "sign", "hook-1", "h").body)["cards"][0]["detail"]


@settings(max_examples=500)
@given(st.floats(0, 4e9, allow_nan=False) | st.integers(0, 4 * 10**15).map(lambda us: us / 1e6))
def test_an_audit_lines_time_is_the_one_datetime_writes(now):
    from datetime import datetime, timezone

    from leder_audit.service.auditlog import AuditLog

    log = AuditLog(None, wall_clock=lambda: now)
    assert log._time() == datetime.fromtimestamp(now, timezone.utc).isoformat(timespec="milliseconds")
    assert log._time() == log._time()  # the second's text, kept, is the one written afresh


@given(st.binary(max_size=600))
def test_a_base64url_segment_reads_as_the_standard_library_reads_it(data):
    import base64

    from leder_audit.service.auth import _bytes

    text = base64.urlsafe_b64encode(data).rstrip(b"=").decode()
    assert _bytes(text) == data
    for spoiled in (text + "=", "+" + text, text + "/", text + "\u00e9", text + " "):
        with pytest.raises(ValueError):
            _bytes(spoiled)
