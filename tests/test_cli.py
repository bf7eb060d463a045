"""The command line: exit codes, output formats, rule listing and testing, explain, schema."""

from __future__ import annotations

import json

import pytest

from leder_audit.cli import main

from .conftest import FIXTURES
from .cli_support import run

FILES = [str(FIXTURES / n) for n in ("death_certificates.ndjson", "dnacpr_decisions.json", "mortality_reviews.ndjson")]


def test_check_on_the_fixtures_prints_findings_and_exits_1(capsys):
    code, out, err = run(capsys, "check", *FILES, "--as-of", "2024-06-30")
    assert code == 1
    assert "LDA-MCCD-001" in out and "LDA-DNACPR-001" in out and "LDA-REVIEW-001" in out
    assert "26 records read: 26 checked, 0 rejected" in out


def test_exit_0_when_no_finding_reaches_fail_on(capsys, tmp_path):
    path = tmp_path / "ok.json"
    path.write_text(json.dumps({"record_type": "dnacpr_decision", "id": "D", "rationale": "end-stage COPD",
                                "discussed_with_person": True, "senior_responsible_clinician": "Dr A", "decision_date": "2024-03-01",
                                "review_date": "2024-09-01"}))
    assert run(capsys, "check", str(path))[0] == 0
    code, _, _ = run(capsys, "check", FILES[2], "--select", "review-timeliness", "--fail-on", "high", "--as-of", "2024-06-30")
    assert code == 0


def test_exit_zero_reports_findings_but_exits_0(capsys):
    code, out, _ = run(capsys, "check", *FILES, "--exit-zero")
    assert code == 0 and "LDA-DNACPR-001" in out


def test_fail_on_counts_findings_at_or_above(capsys):
    assert run(capsys, "check", FILES[2], "--select", "review-timeliness", "--fail-on", "medium", "--as-of", "2024-06-30")[0] == 1


def test_json_format_holds_header_findings_and_totals(capsys, tmp_path):
    out_file = tmp_path / "report.json"
    code, _, err = run(capsys, "check", *FILES, "--format", "json", "--output", str(out_file), "--as-of", "2024-06-30")
    report = json.loads(out_file.read_text())
    assert code == 1
    assert report["run"]["rule_count"] >= 5 and len(report["run"]["rulebook_hash"]) == 64
    assert [i["path"] for i in report["run"]["inputs"]] == FILES
    assert all(len(i["sha256"]) == 64 for i in report["run"]["inputs"])
    assert report["summary"]["records_read"] == 26
    assert report["summary"]["findings"] == len(report["findings"])
    assert report["rules"]["LDA-DNACPR-001"]["applied"] >= 5
    assert "26 records read" in err
    assert not list(tmp_path.glob("*.part"))


def test_ndjson_writes_one_finding_per_line(capsys):
    code, out, _ = run(capsys, "check", FILES[1], "--format", "ndjson")
    lines = out.strip().splitlines()
    assert code == 1 and len(lines) == 14
    assert {json.loads(line)["record_id"] for line in lines} == {"DNACPR-0001", "DNACPR-0003", "DNACPR-0004", "DNACPR-0006", "DNACPR-0007", "DNACPR-0008", "DNACPR-0009"}


def test_rejected_records_are_listed_and_counted(capsys, tmp_path):
    path = tmp_path / "mixed.ndjson"
    path.write_text('{"record_type": "dnacpr_decision", "id": "D1", "rationale": "LD"}\n'
                    '{"record_type": "dnacpr_decision", "id": \n'
                    '\n'
                    '{"record_type": "death_certificate", "id": "C1", "person": {"age": "forty"}}\n')
    code, out, _ = run(capsys, "check", str(path))
    assert code == 1
    assert "3 records read: 1 checked, 2 rejected" in out
    assert f"rejected {path}, line 2" in out
    assert f"rejected {path}, line 4 (field person.age)" in out


def test_strict_stops_at_the_first_bad_record_with_exit_2(capsys, tmp_path):
    path = tmp_path / "bad.ndjson"
    path.write_text('{"record_type": "dnacpr_decision", "id": "D1"}\n{"record_type": "nope", "id": "X"}\n')
    code, _, err = run(capsys, "check", str(path), "--strict")
    assert code == 2 and "line 2" in err and "record_type" in err


def test_missing_input_file_is_exit_2(capsys, tmp_path):
    code, _, err = run(capsys, "check", str(tmp_path / "nope.json"))
    assert code == 2 and "no such file" in err


def test_bad_rules_folder_is_exit_2_with_position(capsys, tmp_path):
    (tmp_path / "bad.yaml").write_text("id: X-1\nversion: 1\nwhen: a &&\n")
    code, _, err = run(capsys, "check", FILES[0], "--rules", str(tmp_path))
    assert code == 2 and "bad.yaml:" in err


def test_usage_error_is_exit_2(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["check"])
    assert caught.value.code == 2


def test_rules_list_and_json(capsys):
    code, out, _ = run(capsys, "rules", "list")
    assert code == 0 and "LDA-DNACPR-001" in out
    code, out, _ = run(capsys, "rules", "list", "--format", "json")
    assert {"id", "severity", "tags", "applies_to"} <= set(json.loads(out)[0])


def test_rules_test_passes_on_the_builtin_rules(capsys):
    code, out, _ = run(capsys, "rules", "test")
    assert code == 0 and out.strip().endswith("0 failed")


def test_rules_test_reports_expected_against_actual(capsys, tmp_path):
    (tmp_path / "r.yaml").write_text(
        "id: T-1\nversion: 1\ntitle: t\nseverity: low\napplies_to: dnacpr_decision\ntags: [mca]\n"
        "references: [{source: s}]\nrationale: r\nwhen: person_has_capacity == false\nmessage: m\n"
        "tests:\n  fire: [{person_has_capacity: true}]\n  pass: [{person_has_capacity: true}]\n")
    code, out, _ = run(capsys, "rules", "test", "--rules", str(tmp_path), "--no-builtin")
    assert code == 1
    assert "FAIL T-1 fire case 1: expected fire, got pass" in out
    assert "1 passed, 1 failed" in out


def test_explain_prints_each_step_and_the_evidence(capsys):
    code, out, _ = run(capsys, "explain", "LDA-MCCD-002", FILES[0])
    assert code == 0
    assert "record MCCD-0002: FIRES" in out
    assert "mentions_only(last, ld_downs_autism)  ->  true" in out
    assert 'evidence at part1[2].text: "Down’s syndrome"' in out
    assert "record MCCD-0005: does not fire" in out


def test_explain_unknown_rule_suggests(capsys):
    code, _, err = run(capsys, "explain", "LDA-MCD-002", FILES[0])
    assert code == 2 and "LDA-MCCD-002" in err


def test_validate_reports_records_that_do_not_fit(capsys, tmp_path):
    path = tmp_path / "v.ndjson"
    path.write_text('{"record_type": "death_certificate", "id": "C", "date_of_death": "31/02/2022"}\n'
                    '{"record_type": "death_certificate", "id": "C2"}\n')
    code, out, _ = run(capsys, "validate", str(path))
    assert code == 1
    assert f"{path}, line 1: " in out and "date_of_death" in out
    assert "2 records read: 1 valid, 1 rejected" in out


def test_schema_command_writes_every_schema(capsys, tmp_path):
    code, _, _ = run(capsys, "schema", "--output-dir", str(tmp_path))
    assert code == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["death_certificate.schema.json", "dnacpr_decision.schema.json", "finding.schema.json",
                     "mortality_review.schema.json"]
    assert json.loads((tmp_path / "finding.schema.json").read_text())["title"] == "Finding"


def test_an_ndjson_check_leaves_other_formats_unimported(tmp_path):
    """Start-up time: readers, writers and the redactor are imported only for the formats and options used."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = ("import sys; from leder_audit.cli import main; main(sys.argv[1:]); "
              "print(' '.join(m for m in sys.modules if m.startswith('leder_audit')))")
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", script, "check", FILES[0], "--format", "ndjson", "--output",
                           str(tmp_path / "out.ndjson"), "--as-of", "2024-06-30"], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(root)}, check=True)
    loaded = set(done.stdout.split())
    assert "leder_audit.readers.jsonfile" in loaded
    assert not loaded & {"leder_audit.readers.csvfile", "leder_audit.readers.fhir", "leder_audit.readers.mapping",
                         "leder_audit.writers.csvout", "leder_audit.writers.sarif", "leder_audit.writers.fhirissues",
                         "leder_audit.writers.html", "leder_audit.redact"}


def test_console_script_is_installed():
    import subprocess
    import sysconfig
    from pathlib import Path

    # The scripts folder of the interpreter running the tests, so an unactivated venv finds its own command.
    exe = Path(sysconfig.get_path("scripts")) / "leder-audit"
    assert exe.is_file(), f"pip install did not create the leder-audit command in {exe.parent}"
    done = subprocess.run([str(exe), "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and "leder-audit" in done.stdout


def test_inputs_are_hashed_for_the_run_header_only_when_the_format_has_one(capsys, tmp_path, monkeypatch):
    from leder_audit.cli import io

    hashed = []
    real = io.file_sha256
    monkeypatch.setattr(io, "file_sha256", lambda path: hashed.append(path) or real(path))
    run(capsys, "check", *FILES, "--format", "ndjson", "--output", str(tmp_path / "out.ndjson"))
    assert hashed == []
    run(capsys, "check", *FILES, "--format", "json", "--output", str(tmp_path / "out.json"))
    assert len(hashed) == len(FILES)
    header = json.loads((tmp_path / "out.json").read_text())["run"]
    assert [i["sha256"] for i in header["inputs"]] == [real(p) for p in hashed]


@pytest.mark.parametrize("option, value, words", [
    ("--jobs", "-1", "must be from 0 to 64, got -1"),
    ("--jobs", "100000", "must be from 0 to 64, got 100000"),
    ("--jobs", "two", "expected a whole number, got 'two'"),
    ("--html-max-findings", "-5", "must be at least 0, got -5"),
])
def test_a_count_option_out_of_range_is_refused_before_any_work(capsys, option, value, words):
    with pytest.raises(SystemExit) as exited:
        main(["check", str(FIXTURES / "dnacpr_decisions.json"), option, value])
    err = capsys.readouterr().err
    assert exited.value.code == 2 and option in err and words in err


@pytest.mark.parametrize("output, words", [
    ("/dev/full", "leder-audit: /dev/full: No space left on device; no report was written"),
    ("{tmp}/missing/report.json", "--output is in a folder that does not exist"),
    ("{tmp}", "--output names a folder"),
])
def test_an_output_that_cannot_be_written_is_one_line_and_exit_2(capsys, tmp_path, output, words):
    code = main(["check", str(FIXTURES / "dnacpr_decisions.json"), "--format", "json",
                 "--output", output.format(tmp=tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and words in err and "Traceback" not in err and len(err.strip().splitlines()) <= 2
    assert not list(tmp_path.rglob("*.part"))


def test_an_unexpected_error_is_one_line_naming_its_kind_and_place_and_exit_2(capsys, monkeypatch):
    import leder_audit.cli.check as commands

    def broken(*args, **kwargs):
        raise ValueError("Exceeds the limit (4300 digits) for integer string conversion")

    monkeypatch.setattr(commands, "check", broken)
    code = main(["check", str(FIXTURES / "dnacpr_decisions.json")])
    err = capsys.readouterr().err
    assert code == 2 and "unexpected error (ValueError in leder_audit/" in err and "LEDER_AUDIT_DEBUG=1" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_with_leder_audit_debug_the_unexpected_error_is_raised(monkeypatch):
    import leder_audit.cli.check as commands

    monkeypatch.setattr(commands, "check", lambda *a, **k: 1 / 0)
    monkeypatch.setenv("LEDER_AUDIT_DEBUG", "1")
    with pytest.raises(ZeroDivisionError):
        main(["check", str(FIXTURES / "dnacpr_decisions.json")])


def test_a_closed_standard_output_exits_2_not_0(tmp_path):
    import subprocess
    import sys

    records = tmp_path / "many.ndjson"
    assert main(["generate", "3000", "--seed", "2", "--output", str(records)]) == 0  # a report far larger than a pipe holds
    script = ("import sys; from leder_audit.cli import main; sys.exit(main(['check', sys.argv[1]]))")
    reader = subprocess.Popen([sys.executable, "-c", script, str(records)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    reader.stdout.readline()
    reader.stdout.close()  # as `| head -1` does
    code = reader.wait(timeout=120)
    err = reader.stderr.read().decode()
    assert code == 2 and "closed before the report was complete" in err and "Traceback" not in err


def test_output_naming_an_input_file_is_refused_and_the_input_kept(capsys, tmp_path):
    records = tmp_path / "x.ndjson"
    original = (FIXTURES / "mortality_reviews.ndjson").read_bytes()
    records.write_bytes(original)
    code = main(["check", str(records), "--output", str(records)])
    assert code == 2 and "one of the input files" in capsys.readouterr().err
    assert records.read_bytes() == original


def test_a_read_only_report_is_not_replaced(capsys, tmp_path):
    report = tmp_path / "report.json"
    report.write_text("kept")
    report.chmod(0o444)
    code = main(["check", str(FIXTURES / "dnacpr_decisions.json"), "--format", "json", "--output", str(report)])
    assert code == 2 and "read-only file" in capsys.readouterr().err
    assert report.read_text() == "kept"


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_report_file_respects_the_umask(tmp_path, umask, mode):
    import os

    report = tmp_path / "report.json"
    previous = os.umask(umask)
    try:
        main(["check", str(FIXTURES / "dnacpr_decisions.json"), "--format", "json", "--output", str(report)])
    finally:
        os.umask(previous)
    assert report.stat().st_mode & 0o777 == mode
