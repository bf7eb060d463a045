"""Standard input (`-`, /dev/stdin), folders of record files, and named pipes (FIFOs)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from leder_audit.cli import main

from .conftest import FIXTURES, ROOT

DECISION = {"record_type": "dnacpr_decision", "id": "S1", "form": "dnacpr", "decision_date": "2024-01-10",
            "rationale": "Severe learning disability"}
NDJSON = (json.dumps(DECISION) + "\n" + json.dumps({**DECISION, "id": "S2"}) + "\n").encode()
CSV = ("record_type,id,form,decision_date,rationale\n"
       "dnacpr_decision,C1,dnacpr,2024-01-10,Severe learning disability\n").encode()


def on_stdin(monkeypatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def check_json(tmp_path, *args: str) -> tuple[int, dict | None]:
    out = tmp_path / "report.json"
    code = main(["check", *args, "--select", "LDA-DNACPR-001", "--as-of", "2024-06-30", "--format", "json",
                 "--output", str(out)])
    return code, json.loads(out.read_text(encoding="utf-8")) if out.exists() else None


def placed(report: dict) -> list[tuple[str, str, str]]:
    return [(f["record_id"], f["source"], f["location"]) for f in report["findings"]]


@pytest.mark.parametrize("name", ["-", "/dev/stdin"])
def test_standard_input_is_read_with_its_format_sniffed(tmp_path, monkeypatch, name):
    on_stdin(monkeypatch, NDJSON)
    code, report = check_json(tmp_path, name)
    assert code == 1
    assert placed(report) == [("S1", "<stdin>", "line 1"), ("S2", "<stdin>", "line 2")]


@pytest.mark.parametrize("fixture, fmt", [("fhir_dnacpr_bundle.json", "fhir"), ("dnacpr_decisions.json", "json"),
                                          ("export.xlsx", "xlsx")])
def test_json_fhir_and_workbooks_on_standard_input_are_told_from_their_first_bytes(tmp_path, monkeypatch, fixture, fmt):
    mapping = ["--mapping", str(FIXTURES / "export_mapping.yaml")] if fmt == "xlsx" else []
    on_stdin(monkeypatch, (FIXTURES / fixture).read_bytes())
    _, from_stdin = check_json(tmp_path, "-", *mapping)
    _, from_file = check_json(tmp_path, str(FIXTURES / fixture), *mapping)
    assert [f[::2] for f in placed(from_stdin)] == [f[::2] for f in placed(from_file)] != []
    assert {f[1] for f in placed(from_stdin)} == {"<stdin>"}


def test_csv_on_standard_input_needs_input_format(tmp_path, monkeypatch, capsys):
    on_stdin(monkeypatch, CSV)
    code, report = check_json(tmp_path, "-")
    err = capsys.readouterr().err
    assert code == 2 and report is None
    assert "cannot tell the format of standard input" in err and "--input-format csv" in err
    on_stdin(monkeypatch, CSV)
    code, report = check_json(tmp_path, "-", "--input-format", "csv")
    assert code == 1 and placed(report) == [("C1", "<stdin>", "row 2")]


def test_a_csv_warning_on_standard_input_names_stdin_not_the_copy(tmp_path, monkeypatch, capsys):
    on_stdin(monkeypatch, CSV.replace(b"rationale", b"rationle", 1))
    check_json(tmp_path, "-", "--input-format", "csv")
    err = capsys.readouterr().err
    assert "<stdin>: the column 'rationle' fills no field" in err and "leder-audit-" not in err


def test_the_copy_of_standard_input_is_removed(tmp_path, monkeypatch):
    spool = tmp_path / "spool"
    spool.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(spool))
    on_stdin(monkeypatch, NDJSON)
    check_json(tmp_path, "-")
    assert list(spool.iterdir()) == []


def test_a_real_pipe_into_the_command(tmp_path):
    done = subprocess.run([sys.executable, "-m", "leder_audit", "check", "-", "--format", "ndjson", "--select",
                           "LDA-DNACPR-001", "--as-of", "2024-06-30"], input=NDJSON, capture_output=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert done.returncode == 1, done.stderr
    assert [json.loads(line)["record_id"] for line in done.stdout.splitlines()] == ["S1", "S2"]


def folder_of_records(tmp_path) -> Path:
    folder = tmp_path / "exports"
    (folder / "older").mkdir(parents=True)
    (folder / "b.ndjson").write_bytes(NDJSON)
    (folder / "a.csv").write_bytes(CSV)
    (folder / "notes.txt").write_text("not records", encoding="utf-8")
    (folder / "older" / "c.ndjson").write_bytes(NDJSON)
    return folder


def test_a_folder_reads_its_record_files_in_order_of_name_and_says_what_it_skipped(tmp_path, capsys):
    folder = folder_of_records(tmp_path)
    code, report = check_json(tmp_path, str(folder))
    assert code == 1
    assert [f[:2] for f in placed(report)] == [("C1", str(folder / "a.csv")), ("S1", str(folder / "b.ndjson")),
                                              ("S2", str(folder / "b.ndjson"))]
    assert [i["path"] for i in report["run"]["inputs"]] == [str(folder / "a.csv"), str(folder / "b.ndjson")]
    err = capsys.readouterr().err
    assert f"{folder}: reading 2 record files; skipped notes.txt, older/" in err


def test_the_report_in_the_folder_being_read_is_not_read_as_records(tmp_path, capsys):
    folder = folder_of_records(tmp_path)
    report = folder / "report.json"
    report.write_text("{}", encoding="utf-8")  # last week's report
    assert main(["check", str(folder), "--format", "json", "--output", str(report), "--as-of", "2024-06-30"]) == 1
    assert "report.json (the report)" in capsys.readouterr().err
    assert len(json.loads(report.read_text(encoding="utf-8"))["run"]["inputs"]) == 2


def test_a_folder_with_no_record_file_is_an_error(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "readme.md").write_text("x", encoding="utf-8")
    assert main(["check", str(tmp_path / "empty")]) == 2
    assert "the folder holds no record file" in capsys.readouterr().err


def test_validate_reads_a_folder_too(tmp_path, capsys):
    assert main(["validate", str(folder_of_records(tmp_path))]) == 0
    assert "3 records read: 3 valid, 0 rejected" in capsys.readouterr().out


def test_a_path_that_is_not_there_is_still_no_such_file(tmp_path, capsys):
    assert main(["check", str(tmp_path / "missing.ndjson")]) == 2
    assert "missing.ndjson: no such file or folder" in capsys.readouterr().err


def fifo_with(tmp_path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    os.mkfifo(path)

    def write() -> None:
        with open(path, "wb") as pipe:  # blocks until the reader opens it
            pipe.write(data)

    threading.Thread(target=write, daemon=True).start()
    return path


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX feature")
def test_a_named_pipe_of_known_format_is_read_as_a_stream(tmp_path):
    code, report = check_json(tmp_path, str(fifo_with(tmp_path, "feed", NDJSON)), "--input-format", "ndjson")
    assert code == 1 and [f[0] for f in placed(report)] == ["S1", "S2"]
    assert report["run"]["inputs"] == []  # not hashed: that would use up its bytes
    code, report = check_json(tmp_path, str(fifo_with(tmp_path, "feed.csv", CSV)))
    assert code == 1 and [f[0] for f in placed(report)] == ["C1"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX feature")
@pytest.mark.parametrize("name", ["feed", "feed.json", "feed.ndjson"])
def test_a_named_pipe_whose_format_is_not_known_is_refused_saying_what_it_is(tmp_path, capsys, name):
    path = tmp_path / name
    os.mkfifo(path)
    code, report = check_json(tmp_path, str(path))
    err = capsys.readouterr().err
    assert code == 2 and report is None
    assert "a named pipe (FIFO) carries its bytes once" in err and "give --input-format" in err
