"""Record models: dates, unknown versus false, extra fields, embedded records, published schemas."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from leder_audit.records import RECORD_MODELS, DeathCertificate, DnacprDecision, MortalityReview, record_adapter

SCHEMAS = Path(__file__).resolve().parents[1] / "docs" / "schemas"


def test_dates_are_parsed_from_iso_strings():
    record = record_adapter.validate_python({"record_type": "dnacpr_decision", "id": "d", "decision_date": "2024-02-29"})
    assert record.decision_date == date(2024, 2, 29)


@pytest.mark.parametrize("bad", ["31/02/2022", "2022-13-01", "2022-02-30", "yesterday"])
def test_impossible_or_foreign_dates_are_refused(bad):
    with pytest.raises(ValidationError) as error:
        record_adapter.validate_python({"record_type": "death_certificate", "id": "c", "date_of_death": bad})
    assert error.value.errors()[0]["loc"][-1] == "date_of_death"


def test_absent_and_null_are_unknown_not_false():
    record = DnacprDecision.model_validate({"id": "d", "person_has_capacity": None})
    assert record.person_has_capacity is None
    assert record.discussed_with_person is None
    assert DnacprDecision.model_validate({"id": "d", "person_has_capacity": False}).person_has_capacity is False


def test_unknown_extra_fields_are_kept():
    record = record_adapter.validate_python({"record_type": "death_certificate", "id": "c", "local_ref": "X9",
                                             "person": {"age": 40, "gp_practice": "P1"}})
    assert record.local_ref == "X9"
    assert record.person.gp_practice == "P1"
    assert record.model_dump()["local_ref"] == "X9"


def test_embedded_records_are_full_records_of_their_type():
    review = MortalityReview.model_validate({
        "id": "r", "death_certificate": {"id": "c", "part1": [{"text": "Sepsis"}]},
        "dnacpr": {"id": "d", "rationale": "frail", "review_date": "2024-01-01"}})
    assert isinstance(review.death_certificate, DeathCertificate)
    assert isinstance(review.dnacpr, DnacprDecision)
    assert review.dnacpr.review_date == date(2024, 1, 1)


def test_embedded_record_is_validated_like_a_top_level_one():
    with pytest.raises(ValidationError) as error:
        MortalityReview.model_validate({"id": "r", "death_certificate": {"id": "c", "date_of_death": "2022-13-01"}})
    assert error.value.errors()[0]["loc"] == ("death_certificate", "date_of_death")


def test_record_type_chooses_the_model():
    for name, model in RECORD_MODELS.items():
        assert type(record_adapter.validate_python({"record_type": name, "id": "x"})) is model


@pytest.mark.parametrize("grading, ok", [(1, True), (6, True), (0, False), (7, False)])
def test_care_grading_is_one_to_six(grading, ok):
    data = {"id": "r", "care_grading": grading}
    if ok:
        assert MortalityReview.model_validate(data).care_grading == grading
    else:
        with pytest.raises(ValidationError):
            MortalityReview.model_validate(data)


def test_numeric_ids_become_text():
    assert record_adapter.validate_python({"record_type": "death_certificate", "id": 42}).id == "42"


def test_committed_schemas_match_the_models():
    from leder_audit.findings import Finding

    expected = {name: model.model_json_schema() for name, model in RECORD_MODELS.items()}
    expected["finding"] = Finding.model_json_schema()
    for name, schema in expected.items():
        committed = json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))
        assert committed == schema, f"docs/schemas/{name}.schema.json is stale: run `leder-audit schema`"
