"""Rules read records as plain dicts checked against the same models: the dict must be what the model
holds, and a record must be accepted or rejected, with the same message, exactly as the model decides."""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leder_audit.engine import record_data, validate
from leder_audit.errors import InputError
from leder_audit.records import DnacprDecision, MortalityReview

from .test_fuzz_check import records

# Values that are wrong for some field somewhere: each one swapped into a valid record.
WRONG = st.one_of(st.just("not a date"), st.just(-1), st.just(131), st.just(""), st.just([1, 2]),
                  st.just({"x": 1}), st.just(True), st.just(2.5), st.just("7"), st.just(7), st.none(),
                  st.just("dnacpr_decision"), st.just([{"text": 3}]))


def outcome(check, data):
    try:
        return "ok", check(data)
    except InputError as error:
        return "rejected", (error.field, error.message)


def both(data):
    by_model = outcome(lambda d: validate(d).model_dump(), data)
    by_data = outcome(record_data, data)
    return by_model, by_data


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(records)
def test_a_valid_record_gives_the_dict_its_model_dumps(record):
    by_model, by_data = both(record)
    assert by_model == by_data
    assert by_data[0] == "ok"
    assert both(json.dumps(record, default=str).encode())[1] == by_data  # from JSON bytes too


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(records, st.data())
def test_a_record_with_a_wrong_value_is_rejected_or_accepted_as_its_model_decides(record, data):
    path = data.draw(st.sampled_from(sorted(record)))
    broken = {**record, path: data.draw(WRONG)}
    if isinstance(record.get("person"), dict):
        inner = data.draw(st.sampled_from(["age", "date_of_birth", "learning_disability", "nhs_number"]))
        broken = {**broken, "person": {**record["person"], inner: data.draw(WRONG)}}
    assert both(broken)[0] == both(broken)[1]
    text = json.dumps(broken, default=str).encode()
    assert both(text)[0] == both(text)[1]


@pytest.mark.parametrize("data", [
    b"[1, 2]", b'"text"', b"{", b'{"record_type": "autopsy", "id": "x"}', b'{"record_type": "dnacpr_decision"}',
    {"record_type": "dnacpr_decision", "id": ""}, {"id": "x"}, 42,
])
def test_what_is_not_a_record_gets_the_models_message(data):
    (by_model, by_data) = both(data)
    assert by_model[0] == "rejected" and by_model == by_data


def test_a_model_gives_its_dump_and_extra_fields_are_kept():
    model = DnacprDecision(id="D1", rationale="frailty", decision_date=date(2024, 1, 2), ward="7B")
    assert record_data(model) == model.model_dump()
    assert record_data({"record_type": "dnacpr_decision", "id": 5, "ward": "7B"})["ward"] == "7B"
    assert record_data({"record_type": "dnacpr_decision", "id": 5})["id"] == "5"  # numbers as text, as in the model


def test_every_field_is_present_with_its_default_and_embedded_records_are_dicts():
    data = record_data(b'{"record_type": "mortality_review", "id": "R1", "dnacpr": {"id": "D1"}}')
    assert set(MortalityReview.model_fields) <= set(data)
    assert data["transition"] is None and data["dnacpr"]["record_type"] == "dnacpr_decision"
    assert data["dnacpr"]["rationale"] is None


def test_checking_valid_records_builds_no_model(monkeypatch, book):
    import leder_audit.engine as engine
    import leder_audit.intake as intake

    def refuse(*args, **kwargs):
        raise AssertionError("a model was built for a record that fits")

    monkeypatch.setattr(intake, "_validate_json", refuse)
    monkeypatch.setattr(intake.record_adapter, "validate_python", refuse)
    line = b'{"record_type": "dnacpr_decision", "id": "D1", "rationale": "Down\'s syndrome"}'
    auditor = engine.Auditor(book, as_of=date(2024, 6, 30))
    found = list(auditor.run([engine.Incoming(line, "f.ndjson", "line 1"),
                              {"record_type": "death_certificate", "id": "C1", "part1": [{"text": "Down's syndrome"}]}]))
    assert {f.record_id for f in found} == {"D1", "C1"} and auditor.tally.records_checked == 2
