"""Each private interface leder-audit relies on (leder_audit/_private.py) does what the public one does,
on the versions pyproject.toml allows; an upgrade that changes one fails here, not in the results."""

from __future__ import annotations

import json
from importlib.metadata import version

import lark
import pytest
from hypothesis import given
from hypothesis import strategies as st

from leder_audit._private import lark_parser_from_tables, models_as_typed_dicts, trusted_model
from leder_audit.findings import Evidence, Step
from leder_audit.language import syntax
from leder_audit.records import RECORD_MODELS, record_adapter, record_data_validator

from .conftest import FIXTURES


def _requirement(name: str) -> str:
    import tomllib
    from pathlib import Path

    project = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())["project"]
    return next(r for r in project["dependencies"] if r.split(">")[0].split("=")[0].split("<")[0].strip() == name)


def test_the_stored_parser_tables_were_written_by_the_lark_version_pyproject_pins():
    stored = json.loads(syntax.files("leder_audit.language").joinpath(syntax.TABLES).read_text())
    assert stored["lark_version"] == lark.__version__
    assert f"=={lark.__version__}" in _requirement("lark") or f">={lark.__version__}" in _requirement("lark")
    assert "<" in _requirement("lark"), "lark is pinned below the next version whose tables could differ"


CONDITIONS = [
    "exists(rationale)", "not person_has_capacity and exists(decision_date)",
    "any line in part1: mentions(line.text, ld_or_related)", "let n = len(part1); n >= 2 and n <= 4",
    "decision_date + 6 months < today()", "care_grading in [5, 6] or age_at(date_of_death) < 14",
    "count(l in part1: exists(l.icd10)) > 1 and not (x.y[0].z == \"a\")",
]


@pytest.fixture(scope="module")
def parsers():
    stored = json.loads(syntax.files("leder_audit.language").joinpath(syntax.TABLES).read_text(),
                        object_pairs_hook=syntax._int_keys)
    return lark_parser_from_tables(stored["data"], stored["memo"]), syntax.build_parser(syntax._grammar())


@pytest.mark.parametrize("condition", CONDITIONS)
def test_the_parser_loaded_from_tables_parses_as_the_one_built_from_the_grammar(parsers, condition):
    loaded, built = parsers
    assert loaded.parse(condition) == built.parse(condition)


@given(st.text(max_size=30), st.integers(0, 500), st.integers(0, 500), st.text(max_size=20),
       st.one_of(st.none(), st.sampled_from(["affirmed", "uncertain"])))
def test_a_trusted_model_equals_the_validated_one(text, start, end, path, context):
    values = {"text": text, "start": start, "end": end, "path": path, "context": context}
    made = trusted_model(Evidence, values, frozenset(values))
    checked = Evidence(**values)
    assert made == checked and made.model_dump() == checked.model_dump()
    assert made.model_fields_set == checked.model_fields_set
    assert made.model_dump_json() == checked.model_dump_json()


def test_a_trusted_model_keeps_which_fields_were_given():
    made = trusted_model(Step, {"expression": "x", "value": 1, "inputs": {}}, frozenset({"expression", "value"}))
    assert made.model_fields_set == {"expression", "value"} and made.model_dump(exclude_unset=True) == {
        "expression": "x", "value": 1}


def _fixture_records():
    for name in ("death_certificates.ndjson", "certificate_chains.ndjson", "mortality_reviews.ndjson"):
        yield from (line for line in (FIXTURES / name).read_text().splitlines() if line.strip())
    yield from (json.dumps(r) for r in json.loads((FIXTURES / "dnacpr_decisions.json").read_text()))


def test_records_read_as_typed_dicts_equal_the_models_dumped():
    records = list(_fixture_records())
    assert len(records) > 20
    for line in records:
        assert record_data_validator.validate_json(line) == record_adapter.validate_json(line).model_dump()


def test_the_schema_rewrite_refuses_a_model_it_cannot_express():
    from pydantic import BaseModel

    class WithInit(BaseModel):
        x: int

        def __init__(self, **data):
            super().__init__(**data)

    with pytest.raises(TypeError, match="cannot be checked as a typed dict"):
        models_as_typed_dicts(WithInit.__pydantic_core_schema__)


def test_pydantic_is_a_version_two():
    assert version("pydantic").split(".")[0] == "2" and set(RECORD_MODELS)
