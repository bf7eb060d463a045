"""leder-audit diff: new, fixed and persisting findings between two reports, by theme and by rule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from leder_audit.baseline import read_report
from leder_audit.diff import compare
from .cli_support import run

AS_OF = "2024-06-30"


def decision(record_id: str, rationale: str, **fields: object) -> dict[str, object]:
    return {"record_type": "dnacpr_decision", "id": record_id, "rationale": rationale, "decision_date": "2024-03-01",
            "discussed_with_person": True, "senior_responsible_clinician": "Dr A", "review_date": "2024-09-01",
            **fields}


BEFORE = [decision("D1", "Down's syndrome, frail"), decision("D2", "Severe learning disabilities"),
          decision("D3", "End-stage COPD", person_has_capacity=False)]
AFTER = [BEFORE[0], decision("D2", "Metastatic cancer, CPR would not succeed"), BEFORE[2],
         decision("D4", "Learning disability and dementia")]


def report(capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, records: list[dict[str, object]],
           form: str = "json") -> str:
    inputs = tmp_path / f"{name}.ndjson"
    inputs.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    out = tmp_path / f"{name}-report.{form}"
    run(capsys, "check", str(inputs), "--select", "ld-dnacpr-rationale", "--select", "LDA-DNACPR-002",
        "--as-of", AS_OF, "--format", form, "--output", str(out))
    return str(out)


@pytest.fixture
def reports(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> tuple[str, str]:
    return report(capsys, tmp_path, "before", BEFORE), report(capsys, tmp_path, "after", AFTER)


def test_diff_sorts_findings_into_new_fixed_and_persisting(reports):
    result = compare(read_report(reports[0]), read_report(reports[1]))
    assert [f.record_id for f in result.added] == ["D4"]
    assert [f.record_id for f in result.fixed] == ["D2"]
    assert sorted(f.record_id for f in result.persisting) == ["D1", "D3"]
    assert result.by_rule()["LDA-DNACPR-001"] | {"title": ""} == {"title": "", "new": 1, "fixed": 1, "persisting": 1}
    assert result.by_theme()["ld-dnacpr-rationale"] == {"new": 1, "fixed": 1, "persisting": 1}


def test_not_recorded_findings_are_counted_apart_from_recorded_failures(reports):
    result = compare(read_report(reports[0]), read_report(reports[1]))
    gaps = result.by_theme(not_recorded=True)
    assert gaps and all(theme != "not-recorded" for theme in gaps)
    assert sum(row["persisting"] for row in gaps.values()) >= 1  # D3 lacks capacity, with no word on an assessment
    assert all(f.decided_on_unknown for f in result.persisting if f.record_id == "D3")


def test_the_table_shows_counts_by_theme_and_rule_and_lists_new_and_fixed(capsys, reports):
    code, out, _ = run(capsys, "diff", *reports)
    assert code == 1
    assert out.splitlines()[0].endswith(": 1 new, 1 fixed, 2 persisting")
    assert "theme (recorded failures)" in out and "theme (not recorded)" in out and "\nrule " in out
    new_part, fixed_part = out.split("New findings:")[1].split("Fixed findings")
    assert "dnacpr_decision D4 at rationale" in new_part and "D2" in fixed_part and "D1" not in out.split("New")[1]


def test_exit_1_only_for_new_findings_at_or_above_fail_on(capsys, reports):
    assert run(capsys, "diff", *reports, "--fail-on", "critical")[0] == 1  # D4's finding is critical
    assert run(capsys, "diff", reports[0], reports[0])[0] == 0
    assert run(capsys, "diff", reports[1], reports[0])[0] == 1  # reversed: D2's finding is new


def test_a_new_finding_below_fail_on_does_not_fail(capsys, tmp_path):
    before = report(capsys, tmp_path, "b", BEFORE[:1])
    after = report(capsys, tmp_path, "a", BEFORE[:1] + [decision("D9", "End-stage COPD", person_has_capacity=False)])
    assert run(capsys, "diff", before, after, "--fail-on", "critical")[0] == 0
    assert run(capsys, "diff", before, after)[0] == 1


def test_json_holds_both_runs_counts_tables_and_findings(capsys, reports, tmp_path):
    out = tmp_path / "diff.json"
    code, _, err = run(capsys, "diff", *reports, "--format", "json", "--output", str(out))
    document = json.loads(out.read_text())
    assert code == 1 and "1 new, 1 fixed, 2 persisting" in err
    assert document["summary"] == {"new": 1, "fixed": 1, "persisting": 2, "persisting_under_new_rule_version": 0}
    assert document["old"]["file"] == reports[0] and len(document["new"]["rulebook_hash"]) == 64
    assert document["rulebooks_differ"] is False
    assert [f["record_id"] for f in document["findings"]["new"]] == ["D4"]
    assert document["by_rule"]["LDA-DNACPR-001"]["new"] == 1


def test_ndjson_reports_compare_as_json_ones_do(capsys, tmp_path, reports):
    as_ndjson = report(capsys, tmp_path, "before-nd", BEFORE, "ndjson"), report(capsys, tmp_path, "after-nd", AFTER, "ndjson")
    from_ndjson = compare(*map(read_report, as_ndjson))
    from_json = compare(*map(read_report, reports))
    assert from_ndjson.by_rule() == from_json.by_rule() and from_ndjson.by_theme() == from_json.by_theme()


def hand_made(tmp_path: Path, name: str, findings: list[dict[str, object]], rulebook: str = "a" * 64) -> str:
    path = tmp_path / name
    path.write_text(json.dumps({"run": {"rulebook_hash": rulebook, "version": "0.1.0"}, "findings": findings}))
    return str(path)


HOSTILE = {"rule_id": "R<1>", "rule_version": 1, "record_id": "<script>alert(1)</script>", "record_type": "x",
           "severity": "high", "title": "<img src=x onerror=alert(1)>", "tags": ["<b>theme</b>"]}


def test_the_html_page_is_self_contained_and_escapes_every_value(capsys, tmp_path):
    old = hand_made(tmp_path, "old.json", [])
    new = hand_made(tmp_path, "new.json", [HOSTILE], rulebook="b" * 64)
    out = tmp_path / "diff.html"
    code, _, err = run(capsys, "diff", old, new, "--format", "html", "--output", str(out))
    page = out.read_text()
    assert code == 1 and "different rulebooks" in err and "different rulebooks" in page
    assert "<script" not in page and "<img" not in page and "<b>theme" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;b&gt;theme&lt;/b&gt;" in page
    assert 'id="count-new">1<' in page and 'id="count-fixed">0<' in page
    assert "http://" not in page and "https://" not in page and "src=" not in page.replace("src=x", "")


def test_a_report_that_cannot_be_read_is_one_line_and_exit_2(capsys, tmp_path, reports):
    bad = tmp_path / "bad.json"
    bad.write_text('{"findings": [{"rule_id": "A"}]}')
    code, out, err = run(capsys, "diff", reports[0], str(bad))
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith(f"leder-audit: {bad}, findings[0]: ")


def test_the_output_may_not_replace_a_report_it_compares(capsys, reports):
    code, _, err = run(capsys, "diff", *reports, "--output", reports[1])
    assert code == 2 and "one of the input files" in err
