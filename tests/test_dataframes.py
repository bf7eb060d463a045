"""leder_audit.audit_dataframe / check_dataframe over pandas: the findings audit() gives, as a table."""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import leder_audit
from leder_audit import InputError, audit, audit_dataframe, check_dataframe
from leder_audit.dataframes import FINDING_COLUMNS, finding_row
from leder_audit.generate import generate_records

from leder_audit.records import RECORD_MODELS

from .conftest import AS_OF
from .test_fuzz_check import model_dicts

pd = pytest.importorskip("pandas")
np = pytest.importorskip("numpy")


def keys(rows) -> list[str]:
    return sorted(json.dumps(row, sort_keys=True, default=str) for row in rows)


def expected(records, book) -> list[str]:
    return keys(finding_row(f) for f in audit(records, rulebook=book, as_of=AS_OF).findings)


def table_keys(frame) -> list[str]:
    rows = frame.drop(columns="row").astype(object).where(frame.drop(columns="row").notna(), None)
    return keys(rows.to_dict("records"))


@pytest.fixture(scope="module")
def records():
    return list(generate_records(120, seed=5, problem_rate=0.6))


def test_a_frame_of_nested_cells_gives_the_findings_of_audit(records, book):
    frame = pd.DataFrame(records)
    assert table_keys(check_dataframe(frame, book, as_of=AS_OF)) == expected(records, book)


def test_dotted_columns_from_json_normalize_give_the_same_findings(records, book):
    frame = pd.json_normalize(records)  # person.age, medical_examiner.scrutiny_completed ... with NaN for gaps
    assert any("." in name for name in frame.columns) and frame.isna().any().any()
    assert table_keys(check_dataframe(frame, book, as_of=AS_OF)) == expected(records, book)


@pytest.mark.parametrize("as_json", [True, False])
def test_a_record_column_of_json_text_or_dicts(records, book, as_json):
    cells = [json.dumps(r, default=str) if as_json else r for r in records[:40]]
    frame = pd.DataFrame({"record": cells, "other": range(40)})
    assert table_keys(check_dataframe(frame, book, column="record", as_of=AS_OF)) == expected(records[:40], book)


same_type_records = st.sampled_from(sorted(RECORD_MODELS)).flatmap(
    lambda t: st.lists(model_dicts(RECORD_MODELS[t]).map(lambda d: {**d, "record_type": t}), min_size=1, max_size=4))


def without_nones(value):
    """The record as json_normalize can hold it: no None, no empty object (it leaves no column), and no blank
    text, which a DataFrame's cells give as unknown."""
    if isinstance(value, dict):
        kept = {k: without_nones(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v is not None and v != {} and not (isinstance(v, str) and not v.strip())}
    if isinstance(value, list):
        return [without_nones(v) for v in value]
    return value


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(same_type_records)
def test_a_missing_cell_reads_as_unknown_exactly_as_an_absent_field(book, batch):
    """json_normalize fills every field one record lacks with NaN (NaT, <NA> for typed columns)."""
    batch = [without_nones(r) for r in batch]
    for i, record in enumerate(batch):
        record["id"] = f"R{i}"
    frame = pd.json_normalize(batch).convert_dtypes()  # nullable dtypes: <NA> rather than NaN
    assert table_keys(check_dataframe(frame, book, as_of=AS_OF)) == expected(batch, book)


@pytest.mark.parametrize("missing", [None, np.nan, pd.NA, pd.NaT, float("nan"), np.float64("nan"), "", "  "])
def test_nan_nat_na_and_blank_are_unknown_in_a_yes_no_and_a_date_column(book, missing):
    frame = pd.DataFrame({"record_type": ["dnacpr_decision"], "id": ["D1"], "rationale": ["end-stage COPD"],
                          "person_has_capacity": pd.Series([missing], dtype=object),
                          "decision_date": pd.Series([missing], dtype=object)})
    record = {"record_type": "dnacpr_decision", "id": "D1", "rationale": "end-stage COPD"}
    checked = audit_dataframe(frame, book, as_of=AS_OF)
    assert checked.rejected.empty and checked.result.records_checked == 1
    assert table_keys(checked.findings) == expected([record], book)


def test_numpy_and_pandas_values_read_as_their_python_values(book):
    frame = pd.DataFrame({"record_type": ["dnacpr_decision"], "id": ["D1"],
                          "rationale": ["Down's syndrome"], "decision_date": [pd.Timestamp("2024-03-01")],
                          "person.age": [np.int64(30)], "person_has_capacity": [np.bool_(False)]})
    record = {"record_type": "dnacpr_decision", "id": "D1", "rationale": "Down's syndrome",
              "decision_date": date(2024, 3, 1), "person": {"age": 30}, "person_has_capacity": False}
    assert table_keys(check_dataframe(frame, book, as_of=AS_OF)) == expected([record], book)


def test_the_row_column_is_the_index_label_of_the_record(book):
    frame = pd.DataFrame({"record_type": "dnacpr_decision", "id": ["A", "B"],
                          "rationale": ["end-stage COPD", "learning disabilities"]}, index=["x", "y"])
    findings = check_dataframe(frame, book, as_of=AS_OF)
    assert set(findings.loc[findings.rule_id == "LDA-DNACPR-001", "row"]) == {"y"}
    assert set(zip(findings.row, findings.record_id)) <= {("x", "A"), ("y", "B")}


def test_rows_that_do_not_fit_are_listed_and_the_others_checked(book):
    frame = pd.DataFrame({"record_type": "dnacpr_decision", "id": ["A", None, "C"],
                          "person_has_capacity": [True, True, "perhaps"],
                          "rationale": ["Down's syndrome"] * 3}, index=[5, 6, 7])
    checked = audit_dataframe(frame, book, as_of=AS_OF)
    rejected = checked.rejected.astype(object).where(checked.rejected.notna(), None).to_dict("records")
    assert [(r["row"], r["record_id"], r["field"]) for r in rejected] == [(6, None, "id"),
                                                                          (7, "C", "person_has_capacity")]
    assert rejected[0]["message"] == "Field required" and "valid boolean" in rejected[1]["message"]
    assert [r.message for r in checked.result.rejected] == [r["message"] for r in rejected]
    assert set(checked.findings.row) == {5}
    assert checked.result.records_read == 3 and checked.result.records_rejected == 2


def test_check_dataframe_refuses_a_row_that_does_not_fit_naming_row_and_field(book):
    frame = pd.DataFrame({"record_type": ["dnacpr_decision"], "id": ["A"], "decision_date": ["someday"]},
                         index=[41])
    with pytest.raises(InputError) as raised:
        check_dataframe(frame, book)
    assert raised.value.location == "row 41" and raised.value.field == "decision_date"


def test_record_type_fills_rows_that_have_none(book):
    frame = pd.DataFrame({"id": ["A", "B"], "rationale": ["Down's syndrome", "frailty"],
                          "record_type": [None, "dnacpr_decision"]})
    findings = check_dataframe(frame, book, record_type="dnacpr_decision", as_of=AS_OF)
    assert "LDA-DNACPR-001" in set(findings.loc[findings.record_id == "A", "rule_id"])


def test_an_empty_result_still_has_every_column_and_its_dtype(book):
    findings = check_dataframe(pd.DataFrame({"record_type": [], "id": []}), book)
    assert list(findings.columns) == ["row"] + [name for name, _ in FINDING_COLUMNS]
    assert str(findings.dtypes["evidence_start"]) == "Int64" and str(findings.dtypes["decided_on_unknown"]) == "boolean"
    assert findings.empty


def test_a_column_name_that_is_no_field_path_is_refused(book):
    with pytest.raises(InputError, match="not a field path"):
        check_dataframe(pd.DataFrame({"record_type": ["dnacpr_decision"], "id": ["A"], "person..age": [3]}), book)
    with pytest.raises(InputError, match="no column 'record'"):
        check_dataframe(pd.DataFrame({"id": ["A"]}), book, column="record")


def test_suppressions_apply_as_they_do_in_audit(book):
    entry = leder_audit.Suppression(rule_id="LDA-DNACPR-001", record_id="A", reviewer="ME Smith",
                                    reason="reviewed with the certifying doctor", expires=date(2024, 12, 31))
    suppressions = leder_audit.Suppressions((entry,))
    frame = pd.DataFrame({"record_type": ["dnacpr_decision"], "id": ["A"], "rationale": ["Down's syndrome"]})
    checked = audit_dataframe(frame, book, as_of=AS_OF, suppressions=suppressions)
    assert "LDA-DNACPR-001" not in set(checked.findings.rule_id)
    assert [s.finding.rule_id for s in checked.result.suppressed] == ["LDA-DNACPR-001"]


def test_a_csv_read_by_pandas_gives_the_findings_of_the_csv_reader(book):
    from leder_audit.readers.csvfile import read_csv

    from .conftest import FIXTURES

    path = FIXTURES / "dotted.csv"  # person.age, part1.a.text, part1.1.interval, part2.0.text ...
    by_reader = audit(read_csv(path), rulebook=book, as_of=AS_OF)
    frame = pd.read_csv(path, encoding="utf-8-sig")
    assert by_reader.findings and not by_reader.rejected
    assert table_keys(check_dataframe(frame, book, as_of=AS_OF)) == keys(map(finding_row, by_reader.findings))


@pytest.mark.parametrize("not_a_frame", [[{"record_type": "dnacpr_decision", "id": "D1"}], {"id": ["D1"]}])
def test_anything_but_a_pandas_dataframe_is_refused_saying_what_to_pass_from_polars(book, not_a_frame):
    with pytest.raises(TypeError, match=r"expected a pandas DataFrame, not (list|dict); from polars, pass "
                                        r"df\.to_pandas\(\)"):
        leder_audit.check_dataframe(not_a_frame, book)
