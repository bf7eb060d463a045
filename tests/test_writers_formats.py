"""CSV, SARIF and FHIR DetectedIssue outputs: content, run header, locations, and validation by model."""

from __future__ import annotations

import csv
import io
import json

import pytest

from leder_audit.cli import main
from leder_audit.writers.csvout import COLUMNS

from .conftest import FIXTURES

INPUTS = [str(FIXTURES / "death_certificates.ndjson"), str(FIXTURES / "export.csv"), str(FIXTURES / "fhir_dnacpr_bundle.json")]


def report(tmp_path, fmt: str, *extra: str) -> str:
    out = tmp_path / f"report.{fmt}"
    code = main(["check", *INPUTS, "--mapping", str(FIXTURES / "export_mapping.yaml"), "--as-of", "2024-06-30",
                 "--format", fmt, "--output", str(out), *extra])
    assert code == 1
    assert not list(tmp_path.glob("*.part"))
    return out.read_text(encoding="utf-8")


def json_findings(tmp_path) -> list[dict]:
    return json.loads(report(tmp_path, "json"))["findings"]


def csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_csv_has_one_row_per_finding_with_the_documented_columns(tmp_path):
    text = report(tmp_path, "csv")
    rows = csv_rows(text)
    assert list(rows[0]) == list(COLUMNS)
    findings = json_findings(tmp_path)
    assert [(r["rule_id"], r["record_id"]) for r in rows] == [(f["rule_id"], f["record_id"]) for f in findings]
    ld = next(r for r in rows if r["rule_id"] == "LDA-DNACPR-001" and r["record_id"] == "DN-1001")
    assert ld["source"].endswith("export.csv") and ld["location"] == "row 2"
    assert ld["evidence_text"] and int(ld["evidence_end"]) > int(ld["evidence_start"]) >= 0
    assert ld["tags"] == "ld-dnacpr-rationale" or "ld-dnacpr-rationale" in ld["tags"].split(";")


def test_csv_holds_only_the_header_row_and_findings_and_the_summary_file_the_run(tmp_path):
    summary_file = tmp_path / "run.json"
    text = report(tmp_path, "csv", "--summary", str(summary_file))
    raw = (tmp_path / "report.csv").read_bytes()
    assert raw.startswith(",".join(COLUMNS).encode() + b"\r\n") and not any(line.startswith("#") for line in text.splitlines())
    written = json.loads(summary_file.read_text(encoding="utf-8"))
    header, summary = written["run"], written["summary"]
    assert header["rule_count"] > 0 and len(header["inputs"]) == 3 and all(len(i["sha256"]) == 64 for i in header["inputs"])
    assert summary == json.loads(report(tmp_path, "json"))["summary"]
    assert summary["findings"] == len(csv_rows(text))


def sarif_log(tmp_path) -> dict:
    return json.loads(report(tmp_path, "sarif"))


def test_sarif_has_a_rule_descriptor_per_rule_and_a_result_per_finding(tmp_path, book):
    log = sarif_log(tmp_path)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [r.id for r in book.rules]
    for descriptor in rules:
        assert descriptor["shortDescription"]["text"] and descriptor["fullDescription"]["text"] and descriptor["help"]["text"]
        assert descriptor["properties"]["tags"] and descriptor["properties"]["severity"]
    assert len(run["results"]) == len(json_findings(tmp_path))
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["level"] in ("error", "warning", "note")


@pytest.mark.parametrize("record_id, uri_end, line", [("MCCD-0001", "death_certificates.ndjson", 1),
                                                      ("DN-1001", "export.csv", 2), ("dnacpr-consent-1", "fhir_dnacpr_bundle.json", 21)])
def test_sarif_results_point_at_the_input_file_line_and_record(tmp_path, record_id, uri_end, line):
    results = [r for r in sarif_log(tmp_path)["runs"][0]["results"] if r["properties"]["record_id"] == record_id]
    location = results[0]["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uri"].endswith(uri_end)
    assert location["physicalLocation"]["region"]["startLine"] == line
    assert record_id in location["logicalLocations"][0]["fullyQualifiedName"]


def test_sarif_carries_the_run_header_and_counts(tmp_path):
    run = sarif_log(tmp_path)["runs"][0]
    assert run["properties"]["run"]["rulebook_hash"]
    assert run["properties"]["summary"] == json.loads(report(tmp_path, "json"))["summary"]
    assert run["invocations"][0]["executionSuccessful"] is True
    assert all(a["hashes"]["sha-256"] for a in run["artifacts"])


def test_sarif_validates_against_the_sarif_2_1_0_schema(tmp_path):
    import jsonschema

    schema_file = FIXTURES.parent / "tests" / "data" / "sarif-schema-2.1.0.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(sarif_log(tmp_path)), key=str)
    assert not errors, errors[:3]


SEVERITY_MAP = {"critical": "high", "high": "high", "medium": "moderate", "low": "low", "info": "low"}


def fhir_bundle(tmp_path) -> dict:
    return json.loads(report(tmp_path, "fhir"))


def test_fhir_bundle_holds_a_detected_issue_per_finding(tmp_path):
    bundle = fhir_bundle(tmp_path)
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    issues = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "DetectedIssue"]
    findings = json_findings(tmp_path)
    assert len(issues) == len(findings)
    for issue, finding in zip(issues, findings):
        assert issue["status"] == "final" and issue["severity"] == SEVERITY_MAP[finding["severity"]]
        assert issue["code"]["coding"][0]["code"] == finding["rule_id"] and issue["code"]["text"] == finding["title"]
        assert issue["detail"] == finding["message"]
        assert issue["implicated"][0]["identifier"]["value"] == finding["record_id"]
        if finding["evidence"]:
            assert issue["evidence"][0]["code"][0]["text"] == finding["evidence"]["text"]
    assert len({e["fullUrl"] for e in bundle["entry"]}) == len(bundle["entry"])


def test_fhir_bundle_carries_the_run_as_parameters(tmp_path):
    run = fhir_bundle(tmp_path)["entry"][-1]["resource"]
    values = {p["name"]: p for p in run["parameter"]}
    summary = json.loads(report(tmp_path, "json"))["summary"]
    assert run["resourceType"] == "Parameters" and values["records_read"]["valueInteger"] == summary["records_read"]
    assert values["rulebook_hash"]["valueString"] and len([p for p in run["parameter"] if p["name"] == "input"]) == 3


def test_fhir_output_validates_with_the_fhir_resources_models(tmp_path):
    pytest.importorskip("fhir.resources")
    from fhir.resources.R4B.bundle import Bundle
    from fhir.resources.R4B.detectedissue import DetectedIssue

    bundle = fhir_bundle(tmp_path)
    Bundle.model_validate(bundle) if hasattr(Bundle, "model_validate") else Bundle.parse_obj(bundle)
    for entry in bundle["entry"]:
        if entry["resource"]["resourceType"] == "DetectedIssue":
            DetectedIssue.model_validate(entry["resource"]) if hasattr(DetectedIssue, "model_validate") else DetectedIssue.parse_obj(entry["resource"])


def test_existing_formats_still_work(tmp_path):
    assert json.loads(report(tmp_path, "json"))["summary"]["records_read"] > 0
    assert all(json.loads(line)["rule_id"] for line in report(tmp_path, "ndjson").splitlines())


def blank_and_recorded_reviews(tmp_path) -> str:
    """Two reviews: one with no family block (not recorded), one whose family was not invited (recorded)."""
    path = tmp_path / "reviews.ndjson"
    path.write_text(json.dumps({"record_type": "mortality_review", "id": "BLANK"}) + "\n"
                    + json.dumps({"record_type": "mortality_review", "id": "NOT-ASKED",
                                  "family": {"invited_to_contribute": False}}) + "\n", encoding="utf-8")
    return str(path)


def family_report(tmp_path, fmt: str) -> str:
    out = tmp_path / f"family.{fmt}"
    main(["check", blank_and_recorded_reviews(tmp_path), "--select", "LDA-REVIEW-008", "--as-of", "2024-06-30",
          "--format", fmt, "--output", str(out)])
    return out.read_text(encoding="utf-8")


def _decided_on_unknown_by_record(fmt: str, text: str) -> dict[str, bool]:
    if fmt == "json":
        return {f["record_id"]: f["decided_on_unknown"] for f in json.loads(text)["findings"]}
    if fmt == "ndjson":
        return {f["record_id"]: f["decided_on_unknown"] for f in map(json.loads, text.splitlines())}
    if fmt == "csv":
        return {r["record_id"]: r["decided_on_unknown"] == "true" for r in csv_rows(text)}
    if fmt == "sarif":
        results = json.loads(text)["runs"][0]["results"]
        return {r["properties"]["record_id"]: r["properties"]["decided_on_unknown"] for r in results}
    issues = [e["resource"] for e in json.loads(text)["entry"] if e["resource"]["resourceType"] == "DetectedIssue"]
    return {i["implicated"][0]["identifier"]["value"]: next(x["valueBoolean"] for x in i["extension"]
                                                            if x["url"] == "urn:leder-audit:decided-on-unknown")
            for i in issues}


@pytest.mark.parametrize("fmt", ["json", "ndjson", "csv", "sarif", "fhir"])
def test_every_format_says_which_findings_were_decided_on_unknown(tmp_path, fmt):
    assert _decided_on_unknown_by_record(fmt, family_report(tmp_path, fmt)) == {"BLANK": True, "NOT-ASKED": False}


def test_the_json_report_counts_documentation_gaps_apart_and_gives_each_rules_completeness(tmp_path):
    document = json.loads(family_report(tmp_path, "json"))
    summary = document["summary"]
    assert summary["findings"] == 2 and summary["not_recorded"] == 1
    assert summary["by_theme"] == {"family-involvement": 1}
    assert summary["not_recorded_by_theme"] == {"family-involvement": 1}
    assert document["rules"]["LDA-REVIEW-008"]["completeness"] == 0.5
