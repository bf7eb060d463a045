"""SARIF for code-scanning tools (a region on every result, paths under --sarif-root, security-severity) and the
FHIR DetectedIssue patient reference."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from leder_audit.cli import main
from leder_audit.readers.places import start_lines
from leder_audit.writers.sarif import SECURITY_SEVERITY

from .conftest import FIXTURES

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
NHS_NUMBER = "9434765919"


def decision(ident: str, **extra) -> dict:
    return {"record_type": "dnacpr_decision", "id": ident, "form": "dnacpr", "decision_date": "2024-01-10",
            "rationale": "Severe learning disability", **extra}


def json_list_file(folder: Path) -> Path:
    """A .json list laid out over several lines per record, as a pretty-printing export writes it."""
    path = folder / "decisions.json"
    path.write_text(json.dumps([decision("D1"), decision("D2"), decision("D3")], indent=2), encoding="utf-8")
    return path


def sarif(tmp_path: Path, inputs: list[str], *extra: str) -> dict:
    out = tmp_path / "report.sarif"
    main(["check", *inputs, "--as-of", "2024-06-30", "--format", "sarif", "--output", str(out), *extra])
    return json.loads(out.read_text(encoding="utf-8"))


def test_a_result_on_a_record_of_a_json_list_starts_on_the_line_of_that_record(tmp_path):
    path = json_list_file(tmp_path)
    lines = path.read_text(encoding="utf-8").splitlines()
    log = sarif(tmp_path, [str(path)], "--sarif-root", str(tmp_path))
    results = log["runs"][0]["results"]
    assert {r["properties"]["record_id"] for r in results} == {"D1", "D2", "D3"}
    for res in results:
        start = res["locations"][0]["physicalLocation"]["region"]["startLine"]
        assert lines[start - 1].strip() == "{"
        assert f'"id": "{res["properties"]["record_id"]}"' in "\n".join(lines[start:start + 4])


def test_a_result_on_a_fhir_bundle_starts_on_the_line_of_its_entry(tmp_path):
    bundle = FIXTURES / "fhir_dnacpr_bundle.json"
    lines = bundle.read_text(encoding="utf-8").splitlines()
    for res in sarif(tmp_path, [str(bundle)])["runs"][0]["results"]:
        start = res["locations"][0]["physicalLocation"]["region"]["startLine"]
        assert lines[start - 1].strip() == "{" and '"fullUrl"' in lines[start]


@pytest.mark.parametrize("name", ["death_certificates.ndjson", "export.csv", "fhir_death_bundle.json",
                                  "fhir_dnacpr_observation.json", "dnacpr_decisions.json", "fhir_bundles.ndjson"])
def test_every_result_and_rejection_has_a_region(tmp_path, name):
    extra = ["--mapping", str(FIXTURES / "export_mapping.yaml")] if name == "export.csv" else []
    run = sarif(tmp_path, [str(FIXTURES / name)], *extra)["runs"][0]
    assert run["results"], "the fixture should give findings"
    located = [r["locations"][0] for r in run["results"]]
    located += [n["locations"][0] for n in run["invocations"][0].get("toolExecutionNotifications", []) if "locations" in n]
    assert all(loc["physicalLocation"]["region"]["startLine"] >= 1 for loc in located)


def test_a_result_on_a_workbook_row_starts_on_that_row(tmp_path):
    pytest.importorskip("python_calamine")
    run = sarif(tmp_path, [str(FIXTURES / "export.xlsx")], "--mapping", str(FIXTURES / "export_mapping.yaml"))["runs"][0]
    rows = {r["properties"]["record_id"]: r["locations"][0]["physicalLocation"]["region"]["startLine"]
            for r in run["results"]}
    row_of = {"DN-1001": 2, "DN-1002": 3, "DN-1003": 4}  # the header is row 1
    assert rows and rows == {ident: row_of[ident] for ident in rows}


def test_uris_are_relative_to_the_sarif_root_with_a_base_id(tmp_path):
    folder = tmp_path / "exports" / "march"
    folder.mkdir(parents=True)
    path = json_list_file(folder)
    run = sarif(tmp_path, [str(path)], "--sarif-root", str(tmp_path))["runs"][0]
    artifact = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": "exports/march/decisions.json", "uriBaseId": "SRCROOT"}
    assert run["originalUriBaseIds"]["SRCROOT"]["uri"] == tmp_path.as_uri() + "/"
    assert run["artifacts"][0]["location"] == artifact
    assert "file:" not in json.dumps(run["results"])


def test_the_default_root_is_the_working_directory(tmp_path, monkeypatch):
    path = json_list_file(tmp_path)
    monkeypatch.chdir(tmp_path)
    artifact = sarif(tmp_path, ["decisions.json"])["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert artifact["artifactLocation"] == {"uri": "decisions.json", "uriBaseId": "SRCROOT"}
    assert path.exists()


def test_an_input_outside_the_root_is_an_absolute_file_uri(tmp_path):
    (tmp_path / "root").mkdir()
    path = json_list_file(tmp_path)
    artifact = sarif(tmp_path, [str(path)], "--sarif-root", str(tmp_path / "root"))["runs"][0]["results"][0]
    assert artifact["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": path.as_uri()}


def test_every_rule_carries_a_security_severity_in_its_severitys_github_band(tmp_path):
    rules = sarif(tmp_path, [str(json_list_file(tmp_path))])["runs"][0]["tool"]["driver"]["rules"]
    bands = {"critical": (9.0, 10.0), "high": (7.0, 8.9), "medium": (4.0, 6.9), "low": (0.1, 3.9), "info": (0.1, 3.9)}
    assert rules
    for rule in rules:
        score = rule["properties"]["security-severity"]
        low, high = bands[rule["properties"]["severity"]]
        assert isinstance(score, str) and low <= float(score) <= high
    assert [float(SECURITY_SEVERITY[s]) for s in ("info", "low", "medium", "high", "critical")] == sorted(
        float(v) for v in SECURITY_SEVERITY.values())


@pytest.mark.parametrize("inputs", [["decisions.json"], ["fhir_dnacpr_bundle.json", "death_certificates.ndjson"]])
def test_the_log_validates_against_the_sarif_2_1_0_schema(tmp_path, inputs):
    import jsonschema

    json_list_file(tmp_path)
    paths = [str(tmp_path / name) if name == "decisions.json" else str(FIXTURES / name) for name in inputs]
    validator = jsonschema.validators.validator_for(SCHEMA)(SCHEMA, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(sarif(tmp_path, paths, "--sarif-root", str(tmp_path))), key=str)
    assert not errors, errors[:3]


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.dictionaries(st.sampled_from(["id", "a", "b"]), st.text(max_size=5) | st.integers(),
                                          max_size=3),
                          st.sampled_from(["", " ", "\n", "\n\n  ", "\r\n"])), max_size=6),
       st.sampled_from([None, 1, 2]))
def test_start_lines_give_the_line_each_item_of_a_list_starts_on(tmp_path_factory, items, indent):
    text, expected = "[", {}
    for number, (item, gap) in enumerate(items, 1):
        text += ("," if number > 1 else "") + gap
        expected[f"record {number}"] = text.count("\n") + 1
        text += json.dumps(item, indent=indent)
    path = tmp_path_factory.mktemp("lines") / "list.json"
    path.write_bytes((text + "\n]").encode("utf-8"))
    found = start_lines(path)
    assert {k: v for k, v in found.items() if k.startswith("record ") and k in expected} == expected
    assert not [k for k in found if k.startswith("record ") and k not in expected and k != "record 1"]


def fhir_issues(tmp_path: Path, records: list[dict], *extra: str) -> list[dict]:
    path = tmp_path / "records.ndjson"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    out = tmp_path / "issues.json"
    main(["check", str(path), "--as-of", "2024-06-30", "--select", "LDA-DNACPR-001", "--format", "fhir",
          "--output", str(out), *extra])
    bundle = json.loads(out.read_text(encoding="utf-8"))
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "DetectedIssue"]


def test_a_detected_issue_references_the_patient_by_nhs_number_when_the_record_gives_one(tmp_path):
    issues = fhir_issues(tmp_path, [decision("D1", person={"nhs_number": "943 476 5919"}), decision("D2")])
    by_record = {i["implicated"][0]["identifier"]["value"]: i for i in issues}
    assert by_record["D1"]["patient"] == {"type": "Patient", "identifier": {
        "system": "https://fhir.nhs.uk/Id/nhs-number", "value": NHS_NUMBER}}
    assert "patient" not in by_record["D2"]


def test_a_review_references_the_patient_of_its_embedded_certificate(tmp_path):
    review = {"record_type": "mortality_review", "id": "R1", "notification_date": "2023-01-01",
              "dnacpr": decision("R1-D", person={"nhs_number": NHS_NUMBER})}
    path = tmp_path / "r.ndjson"
    path.write_text(json.dumps(review) + "\n", encoding="utf-8")
    out = tmp_path / "issues.json"
    main(["check", str(path), "--as-of", "2024-06-30", "--format", "fhir", "--output", str(out)])
    issues = [e["resource"] for e in json.loads(out.read_text())["entry"] if e["resource"]["resourceType"] == "DetectedIssue"]
    assert issues and all(i["patient"]["identifier"]["value"] == NHS_NUMBER for i in issues)


@pytest.mark.parametrize("number", ["12345", "not known", "94347659190", ""])
def test_a_value_that_is_not_an_nhs_number_references_no_patient(tmp_path, number):
    issues = fhir_issues(tmp_path, [decision("D1", person={"nhs_number": number})])
    assert issues and "patient" not in issues[0]


def test_with_redact_no_detected_issue_carries_the_nhs_number(tmp_path):
    issues = fhir_issues(tmp_path, [decision("D1", person={"nhs_number": NHS_NUMBER})], "--redact")
    assert issues and "patient" not in issues[0]
    assert NHS_NUMBER not in json.dumps(issues)


def test_detected_issues_with_a_patient_validate_with_the_fhir_resources_models(tmp_path):
    from fhir.resources.R4B.detectedissue import DetectedIssue

    for issue in fhir_issues(tmp_path, [decision("D1", person={"nhs_number": NHS_NUMBER})]):
        assert DetectedIssue.model_validate(issue).patient.identifier.value == NHS_NUMBER
