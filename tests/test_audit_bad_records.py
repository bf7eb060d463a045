"""audit() never raises for a bad record: whatever a record holds, it is checked or reported as rejected."""

from __future__ import annotations

import math
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leder_audit import InputError, audit

from .test_fuzz_check import records

pd = pytest.importorskip("pandas")
np = pytest.importorskip("numpy")

AS_OF = date(2024, 6, 30)

# What a record built from a DataFrame, a spreadsheet library or a hand-written script may hold.
odd_values = st.one_of(
    st.sampled_from([math.nan, math.inf, -math.inf, pd.NaT, pd.NA, np.nan, np.float64("nan"), np.int64(7),
                     np.bool_(True), np.datetime64("NaT"), np.datetime64("2024-01-02"), Decimal("NaN"),
                     Decimal("1.5"), b"\xff\xfe", bytearray(b"x"), {1, 2}, frozenset(), (1, 2), object(),
                     complex(1, 2), 10 ** 400, "\ud800", datetime(2024, 1, 2, tzinfo=timezone.utc),
                     pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-02 10:30")]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.lists(st.sampled_from([None, math.nan, pd.NaT, "x", 1]), max_size=3),
    st.dictionaries(st.one_of(st.text(max_size=5), st.integers()), st.sampled_from([None, pd.NA, "x"]), max_size=3),
)


@st.composite
def damaged_records(draw) -> object:
    """A record of the right shape with some fields (top level or nested) replaced by odd values."""
    record = draw(records)
    for _ in range(draw(st.integers(1, 4))):
        target = record
        nested = [k for k, v in target.items() if isinstance(v, dict)]
        if nested and draw(st.booleans()):
            target = target[draw(st.sampled_from(sorted(nested, key=str)))]
        keys = sorted((k for k in target if k != "record_type"), key=str) or ["extra"]
        target[draw(st.sampled_from(keys + ["unknown_field"]))] = draw(odd_values)
    return record


items = st.one_of(damaged_records(), records, odd_values, st.none(), st.text(max_size=20), st.binary(max_size=20))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(items, min_size=1, max_size=4))
def test_audit_reports_every_bad_record_instead_of_raising(book, batch):
    result = audit(batch, rulebook=book, as_of=AS_OF)
    assert result.records_read == len(batch)
    assert result.records_checked + len(result.rejected) == len(batch)
    assert result.errors == [], result.errors
    for rejection in result.rejected:
        assert rejection.message and rejection.location.startswith("record ")


@pytest.mark.parametrize("record", [
    {"record_type": "dnacpr_decision", "id": "D1", "decision_date": pd.NaT},
    {"record_type": "dnacpr_decision", "id": "D1", "person": {"age": 40, "date_of_birth": pd.NaT}},
    {"record_type": "mortality_review", "id": "D1", "death_certificate": {"id": "C", "date_of_death": pd.NaT}},
])
def test_a_value_that_cannot_be_read_names_its_field_and_type(book, record):
    (rejection,) = audit([record], rulebook=book).rejected
    field = rejection.field
    assert field in ("decision_date", "person.date_of_birth", "death_certificate.date_of_death")
    assert "NaTType value that cannot be read" in rejection.message, rejection
    with pytest.raises(InputError) as raised:
        book.check(record)
    assert raised.value.field == field


def test_a_good_record_after_a_bad_one_is_still_checked(book):
    bad = {"record_type": "dnacpr_decision", "id": "BAD", "decision_date": pd.NaT}
    good = {"record_type": "dnacpr_decision", "id": "GOOD", "rationale": "Down's syndrome"}
    result = audit([bad, good], rulebook=book, as_of=AS_OF)
    assert [r.record_id for r in result.rejected] == ["BAD"]
    assert result.rejected[0].field == "decision_date"
    assert {f.record_id for f in result.findings} == {"GOOD"}
