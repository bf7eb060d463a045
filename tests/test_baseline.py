"""check --baseline: only findings new since an earlier report are listed and fail the run."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from leder_audit import audit, load_rulebook
from leder_audit.baseline import Baseline, KnownFinding, Report, read_report
from leder_audit.errors import InputError
from leder_audit.findings import Finding
from .cli_support import run, write

AS_OF = "2024-06-30"


def decision(record_id: str, rationale: str) -> dict[str, object]:
    return {"record_type": "dnacpr_decision", "id": record_id, "rationale": rationale,
            "decision_date": "2024-03-01", "discussed_with_person": True, "senior_responsible_clinician": "Dr A",
            "review_date": "2024-09-01"}


WEEK_1 = [decision("D1", "Down's syndrome, frail"), decision("D2", "Severe learning disabilities, poor quality of life"),
          decision("D3", "Metastatic lung cancer; CPR would not succeed")]
# D1 unchanged, D2's rationale rewritten on clinical grounds, D4 a new decision citing learning disability.
WEEK_2 = [WEEK_1[0], decision("D2", "End-stage COPD, CPR would not succeed"), WEEK_1[2],
          decision("D4", "Has a learning disability and dementia")]


def report_of(capsys: pytest.CaptureFixture[str], tmp_path: Path, records: list[dict[str, object]], name: str,
              *options: str) -> Path:
    out = tmp_path / name
    run(capsys, "check", write(tmp_path / f"{name}.ndjson", records), "--select", "LDA-DNACPR-001", "--as-of", AS_OF,
        "--output", str(out), *options)
    return out


@pytest.fixture
def week_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Path:
    return report_of(capsys, tmp_path, WEEK_1, "week1.json", "--format", "json")


def test_only_new_findings_are_listed_with_counts_of_persisting_and_fixed(capsys, tmp_path, week_1):
    out = tmp_path / "week2.json"
    code, _, err = run(capsys, "check", write(tmp_path / "week2.ndjson", WEEK_2), "--select", "LDA-DNACPR-001",
                       "--as-of", AS_OF, "--format", "json", "--output", str(out), "--baseline", str(week_1))
    report = json.loads(out.read_text())
    assert code == 1
    assert [f["record_id"] for f in report["findings"]] == ["D4"]
    counts = report["summary"]["baseline"]
    assert (counts["new"], counts["persisting"], counts["fixed"]) == (1, 1, 1)
    assert counts["file"] == str(week_1) and counts["new_by_severity"] == {"critical": 1}
    assert report["summary"]["findings"] == 2  # what the run found, new and persisting
    assert "against the baseline: 1 new (listed), 1 persisting, 1 fixed" in err


def test_the_exit_code_follows_new_findings_only(capsys, tmp_path, week_1):
    unchanged = write(tmp_path / "same.ndjson", WEEK_1)
    code, out, _ = run(capsys, "check", unchanged, "--select", "LDA-DNACPR-001", "--as-of", AS_OF,
                       "--baseline", str(week_1))
    assert code == 0
    assert "LDA-DNACPR-001" not in out.split("\n\n", 1)[1].rsplit("\n\n", 1)[0]  # no finding listed
    assert "0 new (listed), 2 persisting, 0 fixed" in out
    code, _, _ = run(capsys, "check", unchanged, "--select", "LDA-DNACPR-001", "--as-of", AS_OF)
    assert code == 1  # the same findings without the baseline fail the run


def test_new_findings_below_fail_on_do_not_fail_the_run(capsys, tmp_path, week_1):
    code, _, _ = run(capsys, "check", write(tmp_path / "w2.ndjson", WEEK_2), "--select", "LDA-DNACPR-001",
                     "--as-of", AS_OF, "--baseline", str(week_1), "--fail-on", "critical")
    assert code == 1
    quiet = WEEK_2[:3]  # no new finding at all
    code, _, _ = run(capsys, "check", write(tmp_path / "w3.ndjson", quiet), "--select", "LDA-DNACPR-001",
                     "--as-of", AS_OF, "--baseline", str(week_1))
    assert code == 0


def test_an_ndjson_report_is_a_baseline_as_good_as_a_json_one(capsys, tmp_path, week_1):
    as_ndjson = report_of(capsys, tmp_path, WEEK_1, "week1.nd", "--format", "ndjson")
    assert read_report(as_ndjson).findings == read_report(week_1).findings
    assert read_report(as_ndjson).header is None and read_report(week_1).rulebook_hash is not None
    code, _, err = run(capsys, "check", write(tmp_path / "w2.ndjson", WEEK_2), "--select", "LDA-DNACPR-001",
                       "--as-of", AS_OF, "--format", "ndjson", "--baseline", str(as_ndjson))
    assert code == 1 and "1 new (listed), 1 persisting, 1 fixed" in err


RULE = """\
    id: T-BASE-1
    version: {version}
    title: t
    severity: high
    applies_to: dnacpr_decision
    tags: [ld-dnacpr-rationale]
    references: [{{source: s}}]
    rationale: r
    when: mentions(rationale, learning_disability)
    message: {message}
    """


def rules_folder(tmp_path: Path, version: int, message: str) -> str:
    folder = tmp_path / f"rules-v{version}"
    folder.mkdir()
    (folder / "rule.yaml").write_text(textwrap.dedent(RULE.format(version=version, message=message)))
    return str(folder)


def test_a_finding_raised_again_by_a_newer_rule_version_persists_and_is_counted_apart(capsys, tmp_path):
    records = write(tmp_path / "r.ndjson", WEEK_1)
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    run(capsys, "check", records, "--rules", rules_folder(tmp_path, 1, "first wording"), "--no-builtin",
        "--format", "json", "--output", str(old))
    code, _, err = run(capsys, "check", records, "--rules", rules_folder(tmp_path, 2, "second wording"),
                       "--no-builtin", "--format", "json", "--output", str(new), "--baseline", str(old))
    counts = json.loads(new.read_text())["summary"]["baseline"]
    assert code == 0
    assert counts["persisting"] == counts["persisting_under_new_rule_version"] == 1 and counts["new"] == 0
    assert "made with another rulebook" in err
    assert "1 persisting (1 of them raised by a newer version of their rule), 0 fixed" in err
    # The fingerprint itself still follows the version, so that a suppression does not carry over.
    first = json.loads(old.read_text())["findings"][0]["fingerprint"]
    assert read_report(old).findings[0].fingerprint == first
    second = audit(WEEK_1, rulebook=load_rulebook(rules_folder(tmp_path, 3, "m"), builtin=False)).findings[0]
    assert second.fingerprint != first


def test_a_baseline_from_the_same_rulebook_gives_no_warning(capsys, tmp_path, week_1):
    _, _, err = run(capsys, "check", write(tmp_path / "w2.ndjson", WEEK_2), "--select", "LDA-DNACPR-001",
                    "--as-of", AS_OF, "--format", "json", "--baseline", str(week_1))
    assert "warning" not in err


def test_a_report_made_against_a_baseline_is_named_when_used_as_one(capsys, tmp_path, week_1):
    only_new = report_of(capsys, tmp_path, WEEK_2, "new.json", "--format", "json", "--baseline", str(week_1))
    _, _, err = run(capsys, "check", write(tmp_path / "w3.ndjson", WEEK_2), "--select", "LDA-DNACPR-001",
                    "--as-of", AS_OF, "--format", "json", "--baseline", str(only_new))
    assert "was itself made against a baseline" in err


def test_a_finding_now_suppressed_is_not_counted_as_fixed(capsys, tmp_path, week_1):
    silence = tmp_path / "s.yaml"
    silence.write_text("suppressions:\n  - rule_id: LDA-DNACPR-001\n    record_id: D1\n    reason: reviewed by the"
                       " resuscitation committee\n    reviewer: J Smith\n    expires: 2024-12-31\n")
    out = tmp_path / "w2.json"
    run(capsys, "check", write(tmp_path / "w2.ndjson", WEEK_1), "--select", "LDA-DNACPR-001", "--as-of", AS_OF,
        "--format", "json", "--output", str(out), "--baseline", str(week_1), "--suppressions", str(silence))
    counts = json.loads(out.read_text())["summary"]["baseline"]
    assert (counts["new"], counts["persisting"], counts["fixed"]) == (0, 1, 0)


def test_the_html_report_says_how_the_run_compares(capsys, tmp_path, week_1):
    out = tmp_path / "w2.html"
    run(capsys, "check", write(tmp_path / "w2.ndjson", WEEK_2), "--select", "LDA-DNACPR-001", "--as-of", AS_OF,
        "--format", "html", "--output", str(out), "--baseline", str(week_1))
    page = out.read_text()
    assert "1 new findings (listed below), 1 persisting (not listed), 1 fixed" in page


@pytest.mark.parametrize("content, place, words", [
    ("", "", "the file is empty"),
    ('{"run": {}, "findings": [', "line 1, column 26", "not valid JSON"),
    ('{"run": {}, "findings": {}}', "", '"findings" is not a list'),
    ('[{"rule_id": "A", "rule_version": 1}]', "[0]", "record_id is missing or not text"),
    ('{"findings": [{"rule_id": "A", "rule_version": "1", "record_id": "r"}]}', "findings[0]",
     "rule_version is not a whole number"),
    ('{"rule_id": "A", "rule_version": 1, "record_id": "r"}\n{"rule_id": "A", "rule_version": 1, "record_id": 7}\n',
     "line 2", "record_id is missing or not text"),
    ('{"rule_id": "A", "rule_version": 1, "record_id": "r"}\nnot json\n', "line 2, column 1", "not valid JSON"),
    ('{"record_type": "dnacpr_decision", "id": "D1"}', "", "not a leder-audit report"),
    ('{"findings": [{"rule_id": "A", "rule_version": 1, "record_id": "r", "severity": "urgent"}]}', "findings[0]",
     "severity 'urgent'"),
    ('{"findings": [{"rule_id": "A", "rule_version": 1, "record_id": "r", "evidence": "x"}]}', "findings[0]",
     "evidence has no text"),
])
def test_a_malformed_baseline_is_one_line_naming_file_and_place_and_exit_2(capsys, tmp_path, content, place, words):
    bad = tmp_path / "previous.json"
    bad.write_text(content, encoding="utf-8")
    code, out, err = run(capsys, "check", write(tmp_path / "r.ndjson", WEEK_1), "--baseline", str(bad))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and words in err
    assert err.startswith(f"leder-audit: {bad}{', ' + place if place else ''}: ")


def test_a_missing_or_binary_baseline_is_exit_2(capsys, tmp_path):
    records = write(tmp_path / "r.ndjson", WEEK_1)
    code, _, err = run(capsys, "check", records, "--baseline", str(tmp_path / "absent.json"))
    assert code == 2 and "absent.json: no such file" in err
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe\x00")
    code, _, err = run(capsys, "check", records, "--baseline", str(tmp_path / "bin.json"))
    assert code == 2 and "bin.json, line 1: not valid UTF-8: byte 1 of the line is 0xFF" in err


def finding(rule: str, record: str, words: str) -> Finding:
    return Finding(rule_id=rule, rule_version=1, title="t", severity="high", tags=["mca"], record_id=record,
                   record_type="dnacpr_decision", message="m", path="rationale", evidence={"text": words})


findings_st = st.lists(st.builds(finding, st.sampled_from(["A", "B"]), st.sampled_from(["r1", "r2", "r3"]),
                                 st.sampled_from(["x", "y"])), max_size=12)


@given(findings_st, findings_st)
def test_new_and_persisting_add_up_to_the_run_and_fixed_to_the_baseline_not_seen(before, now):
    baseline = Baseline(Report("b.json", None, [KnownFinding.of(f) for f in before]))
    listed = [f for f in now if baseline.is_new(f)]
    counts = baseline.finish()
    before_keys, now_keys = {f.fingerprint for f in before}, {f.fingerprint for f in now}
    assert counts.new == len(listed) and counts.new + counts.persisting == len(now)
    assert {f.fingerprint for f in listed} == now_keys - before_keys
    assert counts.fixed == len(before_keys - now_keys)
    assert {f.fingerprint for f in baseline.fixed_findings()} == before_keys - now_keys


def test_a_folder_is_no_report(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_report(tmp_path)
