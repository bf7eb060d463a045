"""Spreadsheet workbooks read as CSV rows are: the same mapping files, typing, warnings and errors, located by
sheet and row; --sheet chooses the sheet."""

from __future__ import annotations

import json
import os
import sys
import warnings

import pytest

from leder_audit.cli import main
from leder_audit.errors import InputError, UnusedColumn
from leder_audit.findings import Rejection
from leder_audit.intake import Incoming
from leder_audit.readers import read
from leder_audit.readers.xlsxfile import cell_text

from .conftest import FIXTURES

xlsxwriter = pytest.importorskip("xlsxwriter")
pytest.importorskip("python_calamine")


def workbook(path, sheets: dict[str, list[list]]):
    """A workbook written cell by cell with XlsxWriter, numbers and booleans as typed cells."""
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    sheet.write(r, c, value)
    book.close()
    return path


HEADER = ["record_type", "id", "form", "decision_date", "rationale", "person.age", "person_has_capacity"]
ROW = ["dnacpr_decision", "D1", "dnacpr", "2024-01-10", "Severe learning disability", 58, False]


def items(path, **options) -> list:
    return list(read(path, **options))


def test_the_fixture_made_by_libreoffice_reads_to_the_same_records_as_its_csv():
    from leder_audit.engine import validate

    def records(name):
        got = items(FIXTURES / name, mapping=FIXTURES / "export_mapping.yaml")
        assert all(isinstance(i, Incoming) for i in got), got
        return [validate(i.data, i.source, i.location).model_dump(mode="json") for i in got]

    assert records("export.xlsx") == records("export.csv")


def test_rows_are_located_by_sheet_and_the_row_number_the_spreadsheet_shows():
    got = items(FIXTURES / "export.xlsx", mapping=FIXTURES / "export_mapping.yaml")
    assert [i.location for i in got] == ["sheet export, row 2", "sheet export, row 3", "sheet export, row 4"]


def test_the_first_sheet_is_read_unless_one_is_named(tmp_path):
    path = workbook(tmp_path / "two.xlsx", {"Notes": [["note"], ["not records"]],
                                            "Decisions": [HEADER, ROW]})
    with pytest.warns(UnusedColumn):
        first = items(path)
    assert [i.data for i in first] == [{"note": "not records"}]
    chosen = items(path, sheet="Decisions")
    assert [i.location for i in chosen] == ["sheet Decisions, row 2"]
    assert chosen[0].data["id"] == "D1" and chosen[0].data["person"] == {"age": 58}


def test_a_sheet_that_is_not_there_is_an_error_listing_the_sheets(tmp_path):
    path = workbook(tmp_path / "two.xlsx", {"Notes": [["note"]], "Decisions": [HEADER, ROW]})
    with pytest.raises(InputError, match=r"no sheet named 'Records'; its sheets are: 'Notes', 'Decisions'"):
        items(path, sheet="Records")


def test_the_sheet_option_reaches_the_reader_from_the_command_line(tmp_path, capsys):
    path = workbook(tmp_path / "two.xlsx", {"Notes": [["note"]], "Decisions": [HEADER, ROW]})
    out = tmp_path / "report.json"
    assert main(["check", str(path), "--sheet", "Decisions", "--format", "json", "--output", str(out),
                 "--as-of", "2024-06-30"]) == 1
    report = json.loads(out.read_text(encoding="utf-8"))
    assert {(f["record_id"], f["rule_id"]) for f in report["findings"]} >= {("D1", "LDA-DNACPR-001")}
    assert main(["check", str(path), "--sheet", "Nope"]) == 2
    assert "its sheets are: 'Notes', 'Decisions'" in capsys.readouterr().err


@pytest.mark.parametrize("value, text", [
    (None, ""), (58.0, "58"), (9434765919.0, "9434765919"), (0.5, "0.5"), (0.1 + 0.2, "0.3"), (True, "TRUE"),
    (False, "FALSE"), ("  kept as written ", "  kept as written "),
])
def test_a_cell_is_written_as_a_csv_export_of_the_sheet_would_write_it(value, text):
    assert cell_text(value) == text


def test_typed_cells_are_read_like_the_same_text_in_a_csv(tmp_path):
    path = workbook(tmp_path / "typed.xlsx", {"Sheet1": [HEADER, ROW]})
    csv_path = tmp_path / "same.csv"
    csv_path.write_text(",".join(HEADER) + "\n" + "dnacpr_decision,D1,dnacpr,2024-01-10,Severe learning disability,58,false\n",
                        encoding="utf-8")
    assert [i.data for i in items(path)] == [i.data for i in items(csv_path)]


@pytest.mark.parametrize("rows, message", [
    ([["id", "id"], ["a", "b"]], "the column 'id' appears twice in the header"),
    ([["person", "person.age"], ["x", "1"]], "both fill person"),
    ([["part1.99999999.text"], ["x"]], "above 63"),
])
def test_the_csv_header_errors_apply_located_at_the_sheets_header_row(tmp_path, rows, message):
    path = workbook(tmp_path / "bad.xlsx", {"Export": rows})
    with pytest.raises(InputError, match=message) as raised:
        items(path)
    assert raised.value.location == "sheet Export, row 1"


def test_a_column_that_fills_no_field_is_warned_of_as_in_a_csv(tmp_path):
    path = workbook(tmp_path / "typo.xlsx", {"Sheet1": [HEADER + ["rationle"], ROW + ["x"]]})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        items(path)
    assert any("did you mean rationale?" in str(w.message) for w in caught)


def test_a_bad_value_rejects_its_row_naming_sheet_row_and_field(tmp_path):
    bad = ["dnacpr_decision", "D2", "dnacpr", "2024-02-31", "frailty", 40, True]
    path = workbook(tmp_path / "dates.xlsx", {"Sheet1": [HEADER, ROW, bad]})
    out = tmp_path / "report.json"
    main(["check", str(path), "--format", "json", "--output", str(out), "--as-of", "2024-06-30"])
    rejected = json.loads(out.read_text(encoding="utf-8"))["rejected"]
    assert [(r["location"], r["field"]) for r in rejected] == [("sheet Sheet1, row 3", "decision_date")]


def test_blank_rows_are_skipped_and_a_header_only_sheet_holds_no_records(tmp_path):
    path = workbook(tmp_path / "gaps.xlsx", {"Sheet1": [HEADER, [None] * 7, ROW], "Empty": [HEADER]})
    assert [i.location for i in items(path)] == ["sheet Sheet1, row 3"]
    assert items(path, sheet="Empty") == []


def test_a_file_that_is_not_a_workbook_is_a_clear_error(tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not really a zip file")
    with pytest.raises(InputError, match="not a workbook that can be read"):
        items(path)


def test_without_the_xlsx_extra_the_error_names_it(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "python_calamine", None)
    assert main(["check", str(FIXTURES / "export.xlsx"), "--mapping", str(FIXTURES / "export_mapping.yaml")]) == 2
    assert "needs the xlsx extra: pip install 'leder-audit[xlsx]'" in capsys.readouterr().err


def test_an_ods_spreadsheet_is_read_the_same_way(tmp_path):
    import shutil
    import subprocess

    soffice = shutil.which("soffice")
    if not soffice:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice is not installed; .ci/run installs it with apt-get")
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-calc-nogui)")
    subprocess.run([soffice, "--headless", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
                    "--convert-to", "ods", "--outdir", str(tmp_path), str(FIXTURES / "export.xlsx")],
                   check=True, capture_output=True, timeout=180)
    got = items(tmp_path / "export.ods", mapping=FIXTURES / "export_mapping.yaml")
    assert [i.data for i in got] == [i.data for i in items(FIXTURES / "export.xlsx", mapping=FIXTURES / "export_mapping.yaml")]
