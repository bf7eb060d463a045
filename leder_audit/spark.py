"""Run a rulebook over a Spark DataFrame of records (one per row) and get a DataFrame of findings.

Needs the `spark` extra (`pip install "leder-audit[spark]"`). Each Spark task loads the rulebook
once per Python worker and checks its partition with `mapInPandas`, so it runs on Spark Connect
(Databricks serverless and shared clusters) as well as on classic clusters.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, Iterator

from .engine import Auditor
from .finding_table import FINDING_COLUMNS, finding_row
from .findings import Rejection
from .intake import Incoming, admit
from .parallel import RulebookRecipe, rulebook_for
from .rulebook import Rulebook

if TYPE_CHECKING:
    import pandas
    from pyspark.sql import Column, DataFrame
    from pyspark.sql.types import StructType


def findings_schema() -> "StructType":
    """The declared schema of the findings DataFrame."""
    from pyspark.sql.types import ArrayType, BooleanType, IntegerType, StringType, StructField, StructType

    reference = StructType([StructField(name, StringType()) for name in ("source", "section", "url")])
    types = {"string": StringType(), "int": IntegerType(), "boolean": BooleanType(),
             "array<string>": ArrayType(StringType()), FINDING_COLUMNS[-2][1]: ArrayType(reference)}
    return StructType([StructField(name, types[kind]) for name, kind in FINDING_COLUMNS])


def audit_dataframe(df: "DataFrame", rulebook: Rulebook | RulebookRecipe | None = None, column: str | None = "record",
                    as_of: date | None = None) -> "DataFrame":
    """Findings of every record in `df`, one row per finding, with the schema of `findings_schema()`.

    `column` names a column holding each record as a JSON string or as a struct; with column=None
    the whole row is the record (its columns are the record's fields). Records that do not fit
    their model give no findings; `rejected_dataframe` lists them with the reason. A rule that raises on a
    record decides nothing on it; `rule_errors_dataframe` lists those.
    """
    return _map(df, rulebook, column, as_of, "findings")


def rule_errors_dataframe(df: "DataFrame", rulebook: Rulebook | RulebookRecipe | None = None,
                          column: str | None = "record", as_of: date | None = None) -> "DataFrame":
    """The rules that raised on records of `df` (a regex out of time, say), one row each: record_id, rule_id,
    message, as `audit()` lists them in `errors`. Those rules decided nothing on those records, so an empty
    result is what makes the findings of `audit_dataframe` complete."""
    return _map(df, rulebook, column, as_of, "rule_errors")


def rejected_dataframe(df: "DataFrame", column: str | None = "record") -> "DataFrame":
    """The records of `df` that do not fit their model: record_id, field and message."""
    return _map(df, None, column, date.today(), "rejected")


REJECTED_SCHEMA = "record_id: string, field: string, message: string"
RULE_ERRORS_SCHEMA = "record_id: string, rule_id: string, message: string"


def _map(df: "DataFrame", rulebook: Rulebook | RulebookRecipe | None, column: str | None, as_of: date | None,
         kind: str) -> "DataFrame":
    recipe = _recipe(rulebook)
    day = as_of or date.today()
    records = df.select(_record_json(df, column).alias("record"))
    if kind == "findings":
        return records.mapInPandas(lambda batches: _findings(batches, recipe, day), schema=findings_schema())
    if kind == "rule_errors":
        return records.mapInPandas(lambda batches: _rule_errors(batches, recipe, day), schema=RULE_ERRORS_SCHEMA)
    return records.mapInPandas(lambda batches: _rejected(batches, recipe, day), schema=REJECTED_SCHEMA)


def _recipe(rulebook: Rulebook | RulebookRecipe | None) -> RulebookRecipe:
    if rulebook is None:
        return RulebookRecipe()
    if isinstance(rulebook, RulebookRecipe):
        return rulebook
    return RulebookRecipe.of(rulebook)


def _record_json(df: "DataFrame", column: str | None) -> "Column":
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType

    if column is None:
        return F.to_json(F.struct(*[F.col(name) for name in df.columns]))
    if isinstance(df.schema[column].dataType, StringType):
        return F.col(column)
    return F.to_json(F.col(column))


def _incoming(texts: Any) -> Iterator[Incoming]:
    for number, text in enumerate(texts, 1):
        yield Incoming(text.encode("utf-8") if isinstance(text, str) else b"null", "<dataframe>", f"row {number}")


def _findings(batches: Iterator["pandas.DataFrame"], recipe: RulebookRecipe, as_of: date) -> Iterator["pandas.DataFrame"]:
    import pandas

    names = [name for name, _ in FINDING_COLUMNS]
    auditor = Auditor(rulebook_for(recipe), as_of=as_of)  # one for the partition's batches: findings are per record
    for batch in batches:
        rows = [finding_row(f) for f in auditor.run(_incoming(batch["record"]))]
        yield pandas.DataFrame(rows, columns=names)


def _rule_errors(batches: Iterator["pandas.DataFrame"], recipe: RulebookRecipe, as_of: date
                 ) -> Iterator["pandas.DataFrame"]:
    import pandas

    auditor = Auditor(rulebook_for(recipe), as_of=as_of)
    errors = auditor.tally.errors  # taken after each record, so the tally's cap on those it keeps never applies
    for batch in batches:
        rows: list[dict[str, str]] = []

        def take(record: dict[str, Any], findings: list[Any]) -> None:
            rows.extend({"record_id": e.record_id, "rule_id": e.rule_id, "message": e.message} for e in errors)
            errors.clear()

        for _ in auditor.run(_incoming(batch["record"]), observe=take):
            pass
        yield pandas.DataFrame(rows, columns=["record_id", "rule_id", "message"])


def _rejected(batches: Iterator["pandas.DataFrame"], recipe: RulebookRecipe, as_of: date) -> Iterator["pandas.DataFrame"]:
    import pandas

    for batch in batches:
        rows = []
        for number, incoming in enumerate(_incoming(batch["record"]), 1):
            admitted = admit(incoming, number)
            if isinstance(admitted, Rejection):
                rows.append({"record_id": admitted.record_id, "field": admitted.field, "message": admitted.message})
        yield pandas.DataFrame(rows, columns=["record_id", "field", "message"])
