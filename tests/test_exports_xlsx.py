"""The xlsx report: its sheets, typed cells, text never read as a formula, and that pandas and LibreOffice open it."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys

import pytest

from leder_audit.cli import main
from leder_audit.writers.csvout import COLUMNS

from .conftest import FIXTURES

openpyxl = pytest.importorskip("openpyxl")
pandas = pytest.importorskip("pandas")

FORMULA_IDS = ["=HYPERLINK(\"http://example.invalid\",\"open\")", "+44 1234", "-5", "@SUM(A1:A9)", "D#1"]


def inputs(tmp_path) -> list[str]:
    decisions = tmp_path / "decisions.ndjson"
    lines = [json.dumps({"record_type": "dnacpr_decision", "id": ident, "form": "dnacpr", "decision_date": "2024-01-10",
                         "rationale": "Severe learning disability"}) for ident in FORMULA_IDS]
    lines.append('{"record_type": "dnacpr_decision", "id": "BAD", "decision_date": "31/02/2024"}')
    decisions.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [str(decisions), str(FIXTURES / "death_certificates.ndjson"), str(FIXTURES / "dnacpr_decisions.json")]


def workbook(tmp_path):
    out = tmp_path / "report.xlsx"
    code = main(["check", *inputs(tmp_path), "--as-of", "2024-06-30", "--format", "xlsx", "--output", str(out)])
    assert code == 1
    return out


def json_report(tmp_path) -> dict:
    out = tmp_path / "report.json"
    main(["check", *inputs(tmp_path), "--as-of", "2024-06-30", "--format", "json", "--output", str(out)])
    return json.loads(out.read_text(encoding="utf-8"))


def test_the_workbook_has_its_five_sheets_in_order(tmp_path):
    book = openpyxl.load_workbook(workbook(tmp_path), read_only=False)
    assert book.sheetnames == ["Findings", "By theme", "By rule", "Rejected records", "Run"]


def test_findings_has_a_frozen_filtered_header_and_set_widths(tmp_path):
    sheet = openpyxl.load_workbook(workbook(tmp_path))["Findings"]
    findings = json_report(tmp_path)["findings"]
    assert [c.value for c in sheet[1]] == list(COLUMNS)
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:R{len(findings) + 1}"
    message = openpyxl.utils.get_column_letter(COLUMNS.index("message") + 1)
    assert sheet.column_dimensions[message].width > 60 and sheet.column_dimensions["A"].width > 10


def test_pandas_reads_one_row_per_finding_in_report_order(tmp_path):
    frame = pandas.read_excel(workbook(tmp_path), sheet_name="Findings", engine="openpyxl", keep_default_na=False)
    findings = json_report(tmp_path)["findings"]
    assert list(frame["rule_id"]) == [f["rule_id"] for f in findings]
    assert list(frame["record_id"].astype(str)) == [f["record_id"] for f in findings]
    assert frame["rule_version"].dtype.kind == "i" and frame["decided_on_unknown"].dtype == bool


def test_text_that_looks_like_a_formula_is_stored_as_text_exactly(tmp_path):
    sheet = openpyxl.load_workbook(workbook(tmp_path))["Findings"]
    column = COLUMNS.index("record_id")
    cells = {row[column].value: row[column].data_type for row in sheet.iter_rows(min_row=2)}
    for ident in FORMULA_IDS:
        assert cells[ident] == "s", ident  # a string cell, not a formula ("f") or number ("n")


def test_by_theme_and_by_rule_give_the_json_reports_counts(tmp_path):
    path = workbook(tmp_path)
    report = json_report(tmp_path)
    themes = pandas.read_excel(path, sheet_name="By theme", engine="openpyxl")
    assert dict(zip(themes["Theme"], themes["Recorded failures"])) == {
        t: report["summary"]["by_theme"].get(t, 0) for t in themes["Theme"]}
    assert set(report["summary"]["by_theme"]) <= set(themes["Theme"])
    rules = pandas.read_excel(path, sheet_name="By rule", engine="openpyxl")
    by_rule = {row.Rule: (row.Applied, row.Fired, row._6) for row in rules.itertuples()}
    assert by_rule == {rule: (s["applied"], s["fired"], s["not_recorded"]) for rule, s in report["rules"].items()}


def test_rejected_records_and_the_run_header_have_their_sheets(tmp_path):
    path = workbook(tmp_path)
    report = json_report(tmp_path)
    rejected = pandas.read_excel(path, sheet_name="Rejected records", engine="openpyxl")
    assert list(rejected["Location"]) == [r["location"] for r in report["rejected"]] == ["line 6"]
    assert "decision_date" in rejected["Field"][0]
    run = pandas.read_excel(path, sheet_name="Run", engine="openpyxl", keep_default_na=False)
    values = dict(zip(run["Item"], run["Value"]))
    assert values["rulebook_hash"] == report["run"]["rulebook_hash"]
    assert values["records_rejected"] == 1 and values["findings"] == report["summary"]["findings"]
    assert sorted(run.loc[run["Item"] == "input", "SHA-256"]) == sorted(i["sha256"] for i in report["run"]["inputs"])


def test_without_the_xlsx_extra_the_error_is_one_line_naming_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "xlsxwriter", None)
    out = tmp_path / "report.xlsx"
    assert main(["check", *inputs(tmp_path), "--format", "xlsx", "--output", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "leder-audit: --format xlsx needs the xlsx extra: pip install 'leder-audit[xlsx]'"
    assert not out.exists() and not list(tmp_path.glob(".*.part"))


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice is not installed; .ci/run installs it with apt-get")
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-calc-nogui)")
    return found


def test_libreoffice_headless_converts_every_sheet_to_csv(tmp_path):
    path = workbook(tmp_path)
    converted = tmp_path / "converted"
    # The trailing -1 asks for every sheet, each to its own file NAME-SHEET.csv (UTF-8, comma, double quote).
    subprocess.run([soffice(), "--headless", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
                    "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
                    "--outdir", str(converted), str(path)], check=True, capture_output=True, timeout=180)
    sheets = {p.name.removeprefix("report-").removesuffix(".csv") for p in converted.glob("*.csv")}
    assert sheets == {"Findings", "By theme", "By rule", "Rejected records", "Run"}
    rows = list(csv.DictReader(io.StringIO((converted / "report-Findings.csv").read_text(encoding="utf-8"), newline="")))
    findings = json_report(tmp_path)["findings"]
    assert [r["record_id"] for r in rows] == [f["record_id"] for f in findings]
    assert set(FORMULA_IDS) <= {r["record_id"] for r in rows}  # still the text, never a computed value
