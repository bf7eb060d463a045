"""leder_audit.spark on a local Spark session: the same findings as audit() on the same records."""

from __future__ import annotations

import json
import sys

import pytest

from leder_audit import audit
from leder_audit.generate import generate_records
from leder_audit.spark import FINDING_COLUMNS, audit_dataframe, finding_row, rejected_dataframe

from .conftest import AS_OF

# Deselected by the default run (pyproject addopts); `.ci/run` installs the spark extra and runs them with
# `-m spark`, where a missing pyspark is an error, not a skip.
pytestmark = pytest.mark.spark

BAD = {"record_type": "dnacpr_decision", "id": "BAD", "decision_date": "someday"}


@pytest.fixture(scope="session")
def spark():
    from pyspark.sql import SparkSession

    # Spark starts its Python workers with PYSPARK_PYTHON (else "python3" from PATH): use this interpreter,
    # the one that has leder_audit installed, whether or not its venv is activated.
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PYSPARK_PYTHON", sys.executable)
        session = (SparkSession.builder.master("local[1]").appName("leder-audit-tests")
                   .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "1")
                   .config("spark.sql.execution.arrow.maxRecordsPerBatch", "100").getOrCreate())
        yield session
        session.stop()


@pytest.fixture(scope="module")
def records():
    return list(generate_records(250, seed=21, problem_rate=0.5))


def as_key(row: dict) -> str:
    return json.dumps(row, sort_keys=True, default=str)


def expected_rows(records, book) -> list[str]:
    return sorted(as_key(finding_row(f)) for f in audit(records, rulebook=book, as_of=AS_OF).findings)


def spark_rows(frame) -> list[str]:
    return sorted(as_key(row.asDict(recursive=True)) for row in frame.collect())


def test_findings_of_a_json_column_are_exactly_those_of_audit(spark, records, book):
    frame = spark.createDataFrame([(json.dumps(r),) for r in records] + [(json.dumps(BAD),), ("not json",)],
                                  "record string").repartition(2)
    findings = audit_dataframe(frame, rulebook=book, as_of=AS_OF)
    assert [f.name for f in findings.schema.fields] == [name for name, _ in FINDING_COLUMNS]
    assert spark_rows(findings) == expected_rows(records, book)


def test_struct_records_give_the_same_findings(spark, records, book):
    frame = spark.read.json(spark.sparkContext.parallelize([json.dumps(r) for r in records[:80]]))
    by_columns = audit_dataframe(frame, rulebook=book, column=None, as_of=AS_OF)
    assert spark_rows(by_columns) == expected_rows(records[:80], book)


def test_records_that_do_not_fit_are_listed_with_the_reason(spark):
    frame = spark.createDataFrame([(json.dumps(BAD),), ("not json",)], "record string")
    rejected = {row.record_id: row for row in rejected_dataframe(frame).collect()}
    assert rejected["BAD"].field == "decision_date"
    assert None in rejected


def test_a_key_given_twice_in_a_row_is_rejected_naming_it_even_when_first_null(spark):
    rows = ['{"record_type": "dnacpr_decision", "id": "N1", "rationale": null, "rationale": "Severe learning disability"}',
            '{"record_type": "dnacpr_decision", "id": "N2", "rationale": "Down syndrome", "rationale": "frailty"}',
            '{"record_type": "dnacpr_decision", "id": "OK", "rationale": null}']
    frame = spark.createDataFrame([(row,) for row in rows], "record string")
    rejected = {row.record_id: row for row in rejected_dataframe(frame).collect()}
    assert set(rejected) == {"N1", "N2"}
    assert all(row.field == "rationale" and "given twice" in row.message for row in rejected.values())


ERRING_RULE = """\
id: T-ERR
version: 1
title: Review a century on
severity: low
applies_to: dnacpr_decision
tags: [dnacpr-process]
references: [{source: s}]
rationale: r
when: decision_date + 9000 years > review_date
message: m
"""


def test_rules_that_raise_are_listed_as_audit_lists_them(spark, tmp_path):
    from leder_audit import load_rulebook
    from leder_audit.spark import rule_errors_dataframe

    (tmp_path / "r.yaml").write_text(ERRING_RULE, encoding="utf-8")
    book = load_rulebook(tmp_path, builtin=False)
    records = [{"record_type": "dnacpr_decision", "id": f"D{n}", "review_date": "2024-02-01",
                **({"decision_date": "2024-01-01"} if n % 3 else {})} for n in range(30)]
    frame = spark.createDataFrame([(json.dumps(r),) for r in records] + [(json.dumps(BAD),)],
                                  "record string").repartition(2)
    listed = sorted((row.record_id, row.rule_id, row.message) for row in rule_errors_dataframe(frame, book).collect())
    expected = sorted((e.record_id, e.rule_id, e.message) for e in audit(records, rulebook=book).errors)
    assert listed == expected and len(listed) == 20 and "out of range" in listed[0][2]
    assert audit_dataframe(frame, rulebook=book).count() == 0  # those rules decided nothing on those records
