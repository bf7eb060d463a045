"""Card feedback: kept once however often it is sent, no free text kept, override rate per rule reported."""

from __future__ import annotations

import io
import json
import sqlite3

from hypothesis import given, settings, strategies as st

from leder_audit.cli import main
from leder_audit.service.cards import OVERRIDE_SYSTEM
from leder_audit.service.run import feedback_report

from .service_support import client_of, fixture_json, hook_call, make_app

DNACPR = "/cds-services/leder-audit-dnacpr"
COMMENT = "CANARY-COMMENT-Mrs-Jones-said-no"


def cards_for_draft(client, instance="fb-1"):
    body = hook_call("leder-audit-dnacpr", "sign", fixture_json("fhir_dnacpr_bundle.json"), instance=instance)
    return client.post(DNACPR, json=body).json()["cards"]


def entry(card, outcome="overridden", code="clinical-reasons-recorded", when="2024-05-01T10:00:00Z"):
    item = {"card": card["uuid"], "outcome": outcome, "outcomeTimestamp": when}
    if outcome == "overridden":
        item["overrideReason"] = {"reason": {"system": OVERRIDE_SYSTEM, "code": code}, "userComment": COMMENT}
    return item


def test_feedback_is_kept_once_however_often_it_is_sent(tmp_path):
    client = client_of(make_app(tmp_path))
    card = cards_for_draft(client)[0]
    first = client.post(f"{DNACPR}/feedback", json={"feedback": [entry(card)]})
    again = client.post(f"{DNACPR}/feedback", json={"feedback": [entry(card)]})
    assert first.json() == {"recorded": 1, "alreadyRecorded": 0}
    assert again.json() == {"recorded": 0, "alreadyRecorded": 1}


def test_no_free_text_is_stored(tmp_path):
    client = client_of(make_app(tmp_path))
    card = cards_for_draft(client)[0]
    client.post(f"{DNACPR}/feedback", json={"feedback": [entry(card)]})
    for path in tmp_path.iterdir():
        assert COMMENT.encode() not in path.read_bytes(), path
        assert b"Downs syndrome" not in path.read_bytes(), path


def test_feedback_needs_an_outcome_it_knows():
    client = client_of(make_app())
    response = client.post(f"{DNACPR}/feedback", json={"feedback": [{"card": "x", "outcome": "ignored",
                                                                      "outcomeTimestamp": "2024-05-01T10:00:00Z"}]})
    assert response.status_code == 400 and response.json()["resourceType"] == "OperationOutcome"


def test_override_rate_per_rule(tmp_path):
    client = client_of(make_app(tmp_path))
    cards = cards_for_draft(client)
    accepted, overridden = cards[0], cards[1]
    client.post(f"{DNACPR}/feedback", json={"feedback": [entry(accepted, "accepted"), entry(overridden, code="misread"),
                                                          entry(overridden, code="misread")]})
    out = io.StringIO()
    feedback_report(str(tmp_path / "feedback.sqlite3"), "json", out)
    rows = {r["rule_id"]: r for r in json.loads(out.getvalue())}
    rule_of = lambda card: card["source"]["topic"]["code"]  # noqa: E731
    assert rows[rule_of(accepted)]["override_rate"] == 0.0
    assert rows[rule_of(overridden)]["override_rate"] == 1.0
    assert rows[rule_of(overridden)]["reasons"] == {"misread": 1}
    assert all(r["cards"] == 1 for r in rows.values())


def test_feedback_report_command_prints_a_table(tmp_path, capsys):
    client = client_of(make_app(tmp_path))
    card = cards_for_draft(client)[0]
    client.post(f"{DNACPR}/feedback", json={"feedback": [entry(card)]})
    assert main(["feedback-report", "--db", str(tmp_path / "feedback.sqlite3")]) == 0
    line = next(l for l in capsys.readouterr().out.splitlines() if l.startswith(card["source"]["topic"]["code"]))
    assert "100%" in line and "clinical-reasons-recorded 1" in line


outcomes = st.lists(st.tuples(st.integers(0, 2), st.sampled_from(["accepted", "overridden"]),
                              st.sampled_from(["clinical-reasons-recorded", "not-applicable", "unknown-code"]),
                              st.integers(0, 3)), min_size=1, max_size=12)


@settings(max_examples=25, deadline=None)
@given(outcomes)
def test_sending_any_feedback_twice_changes_nothing(tmp_path_factory, sent):
    folder = tmp_path_factory.mktemp("feedback")
    client = client_of(make_app(folder))
    cards = cards_for_draft(client)
    batch = [entry(cards[i % len(cards)], outcome, code, f"2024-05-0{day + 1}T10:00:00Z")
             for i, outcome, code, day in sent]
    first = client.post(f"{DNACPR}/feedback", json={"feedback": batch}).json()
    with sqlite3.connect(folder / "feedback.sqlite3") as db:
        kept = db.execute("SELECT * FROM feedback ORDER BY 1, 2, 3, 4, 5").fetchall()
    again = client.post(f"{DNACPR}/feedback", json={"feedback": batch}).json()
    with sqlite3.connect(folder / "feedback.sqlite3") as db:
        assert db.execute("SELECT * FROM feedback ORDER BY 1, 2, 3, 4, 5").fetchall() == kept
    distinct = {(e["card"], e["outcome"], e["outcomeTimestamp"]) for e in batch}
    assert first["recorded"] == len(distinct) and again == {"recorded": 0, "alreadyRecorded": len(batch)}
    assert {row[3] for row in kept} <= {None, "clinical-reasons-recorded", "not-applicable", "other"}


def stored_cards(path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {row[0] for row in db.execute("SELECT uuid FROM cards")}


def test_cards_issued_are_written_together_and_before_anything_reads_the_file(tmp_path):
    from leder_audit.service.feedback import FeedbackStore, Outcome

    path = tmp_path / "feedback.sqlite3"
    store = FeedbackStore(path)
    assert store.issued("svc", "sign", [("card-1", "LDA-X-001", 1)]) is True  # the first waiting: flush soon
    assert store.issued("svc", "sign", [("card-2", "LDA-X-001", 1)]) is False
    assert stored_cards(path) == set()
    store.flush()
    assert stored_cards(path) == {"card-1", "card-2"}
    store.issued("svc", "edit", [("card-3", "LDA-X-002", 2)])
    store.record("svc", [Outcome("card-3", "accepted", None, "2024-05-01T10:00:00+00:00")])
    assert "card-3" in stored_cards(path)
    assert [r.rule_id for r in store.by_rule()] == ["LDA-X-001", "LDA-X-002"]
    store.issued("svc", "edit", [("card-4", "LDA-X-002", 2)])
    store.close()
    assert "card-4" in stored_cards(path)
    store.flush()  # after close, as a flush scheduled before it would: nothing happens


def test_cards_never_wait_in_memory_beyond_the_limit(tmp_path):
    from leder_audit.service.feedback import MAX_PENDING, FeedbackStore

    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    for number in range(MAX_PENDING):
        store.issued("svc", "sign", [(f"card-{number}", "LDA-X-001", 1)])
    assert len(stored_cards(tmp_path / "feedback.sqlite3")) == MAX_PENDING
    store.close()
