"""Cohort results written out: a JSON document, CSV rows, a FHIR R4 MeasureReport, a terminal table."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any, Iterable

from ..prose import counted
from .run import CohortReport, GroupResult
from .spec import CohortRule
from .stats import percent

MEASURE_POPULATION = "http://terminology.hl7.org/CodeSystem/measure-population"
RULE_SYSTEM = "urn:leder-audit:cohort-rule"
CSV_COLUMNS = ("rule_id", "rule_version", "key", "measure", "numerator", "count", "denominator", "unknown",
               "completeness", "proportion", "lower", "upper", "median_days", "expected_share", "expected_count", "not_stated",
               "small_number", "status", "raised", "evidence")


def _round(value: Any) -> Any:
    return round(value, 4) if isinstance(value, float) else value


def report_json(report: CohortReport, header: dict[str, Any] | None = None) -> dict[str, Any]:
    """The whole cohort run as one JSON-ready document: results, findings and the counts of records."""
    return {
        "run": header or {},
        "summary": {"records_read": report.records_read, "records_checked": report.records_checked,
                    "records_rejected": len(report.rejected), "groups": len(report.results),
                    "findings": len(report.findings), "skipped_rules": report.skipped,
                    "warnings": report.warnings},
        "results": [{**{k: _round(v) for k, v in r.model_dump().items()}, "evidence": r.evidence()}
                    for r in report.results],
        "findings": [f.model_dump(mode="json") for f in report.findings],
        "rejected": [r.model_dump() for r in report.rejected],
    }


def csv_rows(results: Iterable[GroupResult]) -> Iterable[list[Any]]:
    """One CSV row per group result, with its counts and (when not a small number) its rate; header first."""
    yield list(CSV_COLUMNS)
    for result in results:
        data = {**result.model_dump(), "evidence": result.evidence()}
        yield ["" if data[c] is None else _round(data[c]) for c in CSV_COLUMNS]


def _concept(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    coding: dict[str, Any] = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding]}


def _populations(denominator: int, numerator: int | None) -> list[dict[str, Any]]:
    populations = [{"code": _concept(MEASURE_POPULATION, "initial-population"), "count": denominator},
                   {"code": _concept(MEASURE_POPULATION, "denominator"), "count": denominator}]
    if numerator is not None:
        populations.append({"code": _concept(MEASURE_POPULATION, "numerator"), "count": numerator})
    return populations


def _score(result: GroupResult) -> dict[str, Any] | None:
    if result.small_number:
        return None  # a small number is reported as its counts only
    if result.measure == "median":
        return None if result.median_days is None else {"value": result.median_days, "unit": "d",
                                                        "system": "http://unitsofmeasure.org", "code": "d"}
    if result.proportion is None:
        return None
    return {"value": round(result.proportion, 4)}


def _stratum(result: GroupResult) -> dict[str, Any]:
    stratum: dict[str, Any] = {
        "component": [{"code": {"text": label}, "value": {"text": value}} for label, value in result.group.items()],
        "population": _populations(result.denominator, result.numerator if result.numerator is not None
                                   else result.count),
    }
    score = _score(result)
    if score is not None:
        stratum["measureScore"] = score
    return stratum


def _group(rule: CohortRule, results: list[GroupResult]) -> dict[str, Any]:
    spec = rule.spec
    group: dict[str, Any] = {"id": spec.id, "code": _concept(RULE_SYSTEM, spec.id, spec.title)}
    total = sum(r.denominator for r in results)
    counted = [r.numerator if r.numerator is not None else r.count for r in results]
    numerator = sum(c or 0 for c in counted) if spec.measure.kind in ("count", "proportion") else None
    if spec.measure.kind != "representation":
        group["population"] = _populations(total, numerator)
    if spec.measure.kind == "proportion" and total:
        group["measureScore"] = {"value": round((numerator or 0) / total, 4)}
    labels = list(results[0].group) if results else [t.label for t in rule.group_by]
    if labels:
        group["stratifier"] = [{"code": [{"text": label} for label in labels],
                                "stratum": [_stratum(r) for r in results]}]
    return group


def measure_report(report: CohortReport, as_of: date | None = None, when: datetime | None = None) -> dict[str, Any]:
    """A FHIR R4 MeasureReport (type summary): a group per cohort rule, stratified by its group terms."""
    as_of = as_of or date.today()
    start, end = report.period or (as_of, as_of)
    by_rule: dict[str, list[GroupResult]] = {}
    for result in report.results:
        by_rule.setdefault(result.rule_id, []).append(result)
    when = when or datetime.now(timezone.utc).replace(microsecond=0)
    return {
        "resourceType": "MeasureReport",
        "status": "complete",
        "type": "summary",
        "measure": "urn:leder-audit:cohort-rules",
        "date": when.isoformat(),
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "group": [_group(rule, by_rule.get(rule.id, [])) for rule in report.rules],
    }


def report_table(report: CohortReport) -> str:
    """Cohort results for a person at a terminal: one line per group, raised groups marked."""
    lines: list[str] = []
    current = None
    for result in report.results:
        if result.rule_id != current:
            current = result.rule_id
            lines.append(f"\n{result.rule_id} v{result.rule_version}: {result.title}")
        mark = "RAISED" if result.raised else "      "
        status = f" [{result.status}]" if result.status else ""
        lines.append(f"  {mark} {result.key:40} {result.evidence()}{status}")
    for rule_id in report.skipped:
        lines.append(f"\n{rule_id}: skipped, it needs --population FILE")
    for warning in report.warnings:
        lines.append(f"\nwarning: {warning}")
    lines.append(f"\n{counted(report.records_read, 'record')} read: {report.records_checked:,} checked, "
                 f"{len(report.rejected):,} rejected; {counted(len(report.results), 'group')}, "
                 f"{counted(len(report.findings), 'finding')}")
    for rejection in report.rejected:
        lines.append(f"  rejected {rejection.source}, {rejection.location}: {rejection.message}")
    return "\n".join(lines).lstrip("\n") + "\n"


__all__ = ["csv_rows", "measure_report", "percent", "report_json", "report_table"]
