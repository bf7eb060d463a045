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
