"""Fuzzing the rulebook: any record that validates is checked without raising, by every built-in
rule, and the findings it gives are well formed."""

from __future__ import annotations

import types
import typing
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from leder_audit import audit
from leder_audit.records import RECORD_MODELS

WORDS = ["learning disability", "LD", "Down's syndrome", "downs", "no", "not", "mother has", "history of",
         "if", "frail", "pneumonia", "aspiration", "sepsis", ";", ".", "F81.9", "F72", "J69.0", "autism",
         "PMLD", "learning-disabilities", "lerning disabilty", "\u00e9", "\x00", "\n", "{evidence}", "<b>"]
free_text = st.one_of(st.text(max_size=40), st.lists(st.sampled_from(WORDS), max_size=12).map(" ".join))
dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))


def strategy_for(annotation) -> st.SearchStrategy:
    """Values of one field's type, with None (unknown) always possible."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return st.one_of(*(strategy_for(a) for a in args))
    if origin is typing.Annotated:
        base = args[0]
        if base is int:
            bounds = [m for m in args[1:] if hasattr(m, "metadata")]
            low = next((x.ge for m in bounds for x in m.metadata if hasattr(x, "ge")), 0)
            high = next((x.le for m in bounds for x in m.metadata if hasattr(x, "le")), 10_000)
            return st.integers(low, high)
        if base is str:
            return free_text.filter(bool)
        return strategy_for(base)
    if origin is typing.Literal:
        return st.sampled_from(args)
    if origin is list:
        return st.lists(strategy_for(args[0]), max_size=5)
    if annotation is type(None):
        return st.none()
    if annotation is bool:
        return st.booleans()
    if annotation is int:
        return st.integers(-5, 200)
    if annotation is str:
        return free_text
    if annotation is date:
        return dates
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return model_dicts(annotation)
    raise AssertionError(f"no strategy for {annotation!r}")


def model_dicts(model: type[BaseModel]) -> st.SearchStrategy:
    # Only `id` is required, and it must not be blank.
    required = {n: free_text.filter(str.strip) for n, f in model.model_fields.items() if f.is_required()}
    optional = {n: st.none() | strategy_for(f.annotation) for n, f in model.model_fields.items()
                if not f.is_required() and n != "record_type"}
    return st.fixed_dictionaries(required, optional=optional)


records = st.one_of(*(model_dicts(m).map(lambda d, t=t: {**d, "record_type": t}) for t, m in RECORD_MODELS.items()))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(records)
def test_check_never_raises_on_a_record_that_validates(book, record):
    RECORD_MODELS[record["record_type"]].model_validate(record)
    result = audit([record], rulebook=book, as_of=date(2024, 6, 30))
    assert result.records_checked == 1 and not result.rejected
    assert result.errors == [], result.errors
    for finding in result.findings:
        assert finding.record_id == record["id"]
        if finding.evidence and finding.evidence.start is not None:
            assert finding.evidence.start <= finding.evidence.end
