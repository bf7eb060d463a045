"""The CSV report opens as it is in pandas and spreadsheets, with formulas made inert; --summary; file modes."""

from __future__ import annotations

import json
import os
import stat

import pytest
from hypothesis import given, strategies as st

from leder_audit.cli import main
from leder_audit.writers.cells import neutralise, restore

pandas = pytest.importorskip("pandas")

# Ids a spreadsheet would misread: a '#' (cut by comment="#"), and cells it would run as formulas.
AWKWARD_IDS = ["D#1", "=HYPERLINK(\"http://example.invalid\",\"open\")", "+44 1234", "-5", "@SUM(A1:A9)",
               "\tD7", "'=already quoted", "plain id"]


def records_file(tmp_path, ids=AWKWARD_IDS):
    path = tmp_path / "decisions.ndjson"
    lines = [json.dumps({"record_type": "dnacpr_decision", "id": ident, "form": "dnacpr",
                         "decision_date": "2024-01-10", "rationale": "Severe learning disability"}) for ident in ids]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def check(tmp_path, *extra: str) -> int:
    return main(["check", str(records_file(tmp_path)), "--as-of", "2024-06-30", "--select", "LDA-DNACPR-001", *extra])


def test_pandas_reads_the_csv_with_no_options_and_every_id_survives(tmp_path):
    out = tmp_path / "report.csv"
    assert check(tmp_path, "--format", "csv", "--output", str(out)) == 1
    frame = pandas.read_csv(out, keep_default_na=False)
    assert len(frame) == len(AWKWARD_IDS)
    assert [restore(cell) for cell in frame["record_id"]] == AWKWARD_IDS
    assert "D#1" in set(frame["record_id"])


@pytest.mark.parametrize("ident, cell", [
    ("=HYPERLINK(\"http://example.invalid\",\"open\")", "'=HYPERLINK(\"http://example.invalid\",\"open\")"),
    ("+44 1234", "'+44 1234"), ("-5", "'-5"), ("@SUM(A1:A9)", "'@SUM(A1:A9)"), ("\tD7", "'\tD7"),
    ("'=already quoted", "''=already quoted"), ("D#1", "D#1"), ("plain id", "plain id"),
])
def test_a_cell_a_spreadsheet_would_run_as_a_formula_starts_with_an_apostrophe(tmp_path, ident, cell):
    out = tmp_path / "report.csv"
    check(tmp_path, "--format", "csv", "--output", str(out))
    frame = pandas.read_csv(out, keep_default_na=False)
    assert cell in set(frame["record_id"])


@given(st.text())
def test_restore_gives_back_the_text_neutralise_was_given(text):
    assert restore(neutralise(text)) == text


@given(st.text())
def test_no_neutralised_cell_starts_with_a_formula_character(text):
    assert not neutralise(text)[:1] or neutralise(text)[0] not in "=+-@\t\r"


def test_excel_csv_starts_with_a_byte_order_mark_and_ends_lines_with_crlf(tmp_path):
    out = tmp_path / "report.csv"
    check(tmp_path, "--format", "csv", "--excel-csv", "--output", str(out))
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfrule_id,")
    assert raw.count(b"\r\n") >= len(AWKWARD_IDS) + 1 and b"\n" not in raw.replace(b"\r\n", b"")
    assert list(pandas.read_csv(out).columns)[0] == "rule_id"


def test_plain_csv_has_no_byte_order_mark(tmp_path):
    out = tmp_path / "report.csv"
    check(tmp_path, "--format", "csv", "--output", str(out))
    assert out.read_bytes().startswith(b"rule_id,")


@pytest.mark.parametrize("fmt", ["csv", "ndjson", "table", "sarif"])
def test_the_summary_file_holds_the_run_header_and_counts_for_any_format(tmp_path, fmt):
    summary = tmp_path / "run.json"
    check(tmp_path, "--format", fmt, "--output", str(tmp_path / "report"), "--summary", str(summary))
    written = json.loads(summary.read_text(encoding="utf-8"))
    assert written["run"]["tool"] == "leder-audit" and len(written["run"]["inputs"][0]["sha256"]) == 64
    assert written["summary"]["findings"] == len(AWKWARD_IDS)
    assert written["rules"]["LDA-DNACPR-001"]["fired"] == len(AWKWARD_IDS)


def test_a_summary_file_that_is_the_report_is_refused(tmp_path, capsys):
    out = tmp_path / "report.csv"
    assert check(tmp_path, "--format", "csv", "--output", str(out), "--summary", str(out)) == 2
    assert "--summary is one of the input files or the report" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_report_written_with_output_has_the_mode_the_umask_gives(tmp_path, mask, mode):
    out, summary = tmp_path / "report.csv", tmp_path / "run.json"
    previous = os.umask(mask)
    try:
        check(tmp_path, "--format", "csv", "--output", str(out), "--summary", str(summary))
    finally:
        os.umask(previous)
    assert stat.S_IMODE(out.stat().st_mode) == mode
    assert stat.S_IMODE(summary.stat().st_mode) == mode
