"""Every output format: totals always printed, nothing leaks from rejected records, no network,
and byte-identical reports from the same input, with one process or several."""

from __future__ import annotations

import json
import re
import socket

import pytest

from leder_audit.cli import main

from .conftest import FIXTURES

FORMATS = ["table", "json", "ndjson", "csv", "sarif", "fhir", "html"]
SECRET = "ZQX-SECRET-7731"
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?")


def messy_inputs(folder):
    """Records that fire, records rejected for many reasons, each carrying the secret in its bad field."""
    (folder / "a.ndjson").write_text("\n".join([
        '{"record_type": "dnacpr_decision", "id": "D1", "rationale": "Down\'s syndrome \\u0000 <script>x</script>"}',
        f'{{"record_type": "dnacpr_decision", "id": "D2", "decision_date": "{SECRET}"}}',
        f'{{"record_type": "dnacpr_decision", "id": "D3", "person": {{"age": "{SECRET}"}}}}',
        f'{{"record_type": "dnacpr_decision", "id": "D4", "form": "{SECRET}"}}',
        f'{{"record_type": "{SECRET}", "id": "D5"}}',
        f'{{"record_type": "dnacpr_decision", "rationale": "{SECRET}"}}',
        f'{{"record_type": "dnacpr_decision", "id": "D7", "rationale": "{SECRET}',
        f'["{SECRET}"]',
        '{"record_type": "dnacpr_decision", "id": "D1", "rationale": "frail"}',
    ]) + "\n", encoding="utf-8")
    (folder / "b.csv").write_text(
        "record_type,id,rationale,person.age\n"
        f"dnacpr_decision,C1,learning disability,{SECRET}\n"
        f"dnacpr_decision,C2,{SECRET}\n"
        "dnacpr_decision,C3,frail,40\n", encoding="utf-8")
    (folder / "c.json").write_bytes(f'[{{"record_type": "dnacpr_decision", "id": "J1", "rationale": "{SECRET}\xe9"}}]'
                                    .encode("latin-1"))
    return [str(folder / "a.ndjson"), str(folder / "b.csv"), str(folder / "c.json")]


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_output_or_message_repeats_a_rejected_record(tmp_path, capsys, fmt):
    inputs = messy_inputs(tmp_path)
    out = tmp_path / f"out.{fmt}"
    assert main(["check", *inputs, "--format", fmt, "--output", str(out), "--as-of", "2024-06-30"]) == 1
    err = capsys.readouterr().err
    report = out.read_text(encoding="utf-8")
    assert SECRET not in report and SECRET not in err
    assert "13 records read: 3 checked, 10 rejected" in err
    assert "1 duplicate id" in err and "1 duplicate ids" not in err


@pytest.mark.parametrize("fmt", ["table", "json", "sarif", "fhir", "html"])
def test_every_report_but_ndjson_and_csv_carries_the_totals(tmp_path, capsys, fmt):
    inputs = messy_inputs(tmp_path)
    out = tmp_path / f"out.{fmt}"
    main(["check", *inputs, "--format", fmt, "--output", str(out), "--as-of", "2024-06-30"])
    report = out.read_text(encoding="utf-8")
    assert "13" in report and "10" in report, f"{fmt} report does not give records read and rejected"


@pytest.mark.parametrize("fmt", ["ndjson", "csv"])
def test_the_summary_file_carries_the_totals_of_formats_without_a_header(tmp_path, capsys, fmt):
    inputs = messy_inputs(tmp_path)
    summary = tmp_path / "run.json"
    main(["check", *inputs, "--format", fmt, "--output", str(tmp_path / f"out.{fmt}"), "--summary", str(summary),
          "--as-of", "2024-06-30"])
    counts = json.loads(summary.read_text(encoding="utf-8"))["summary"]
    assert (counts["records_read"], counts["records_rejected"]) == (13, 10)


def test_strict_leaks_nothing_either(tmp_path, capsys):
    inputs = messy_inputs(tmp_path)
    for path in inputs:
        main(["check", path, "--strict"])
    captured = capsys.readouterr()
    assert SECRET not in captured.out + captured.err


def test_no_format_opens_a_socket(monkeypatch, tmp_path, capsys):
    def refuse(*args, **kwargs):
        raise AssertionError("leder-audit tried to open a network socket")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    inputs = messy_inputs(tmp_path) + sorted(str(p) for p in FIXTURES.glob("*.ndjson"))
    for fmt in FORMATS:
        for redact in ([], ["--redact"]):
            code = main(["check", *inputs, "--format", fmt, "--output", str(tmp_path / f"out.{fmt}"), *redact])
            assert code in (0, 1)


def _without_times(text: str) -> str:
    return TIMESTAMP.sub("<time>", text)


def distinct_inputs(folder):
    """The messy inputs without their repeated id."""
    inputs = messy_inputs(folder)
    first = folder / "a.ndjson"
    first.write_text("\n".join(first.read_text(encoding="utf-8").splitlines()[:-1]) + "\n", encoding="utf-8")
    return inputs


@pytest.mark.parametrize("fmt", FORMATS)
def test_same_input_gives_byte_identical_output_in_every_format_and_with_jobs(tmp_path, capsys, fmt):
    inputs = distinct_inputs(tmp_path) + sorted(str(p) for p in FIXTURES.glob("*.ndjson"))
    reports = []
    for run, jobs in enumerate(["1", "1", "2"]):
        out = tmp_path / f"run{run}.{fmt}"
        main(["check", *inputs, "--format", fmt, "--output", str(out), "--as-of", "2024-06-30", "--jobs", jobs])
        reports.append(_without_times(out.read_text(encoding="utf-8")))
    assert reports[0] == reports[1] == reports[2]
    assert reports[0]


@pytest.mark.parametrize("fmt", ["csv", "sarif", "html"])
def test_findings_on_a_repeated_id_point_at_their_own_record_with_jobs(tmp_path, capsys, fmt):
    inputs = messy_inputs(tmp_path) + sorted(str(p) for p in FIXTURES.glob("*.ndjson"))
    reports = []
    for jobs in ["1", "2"]:
        out = tmp_path / f"run{jobs}.{fmt}"
        main(["check", *inputs, "--format", fmt, "--output", str(out), "--as-of", "2024-06-30", "--jobs", jobs])
        reports.append(_without_times(out.read_text(encoding="utf-8")))
    assert reports[0] == reports[1]


# An id that would retitle the terminal window (OSC 0), turn the screen red (CSI), hide text behind a carriage
# return, or reverse what follows (U+202E).
HOSTILE_ID = "D1\x1b]0;owned\x07\x1b[31mred\r\u202eevil\x9b"


def hostile_dnacpr(**fields) -> str:
    return json.dumps({"record_type": "dnacpr_decision", "id": HOSTILE_ID,
                       "rationale": "Severe learning disability \x1b[2J", **fields})


def assert_no_controls(text: str) -> None:
    assert not any(ch in text for ch in "\x1b\x07\r\u202e\x9b"), repr(text)


def test_control_characters_from_input_are_escaped_in_the_table(tmp_path, capsys):
    (tmp_path / "a.ndjson").write_text(hostile_dnacpr() + "\n" + hostile_dnacpr(decision_date="never") + "\n")
    main(["check", str(tmp_path / "a.ndjson"), "--format", "table", "--keep-going"])
    out, err = capsys.readouterr()
    assert_no_controls(out + err)
    assert "D1\\x1b]0;owned\\x07\\x1b[31mred\\x0d\\u202eevil\\x9b" in out  # shown, as escapes
    assert "rejected" in out and "(field decision_date)" in out


def test_control_characters_from_input_are_escaped_by_explain(tmp_path, capsys):
    (tmp_path / "a.ndjson").write_text(hostile_dnacpr() + "\n" + hostile_dnacpr(decision_date="never") + "\n")
    main(["explain", "LDA-DNACPR-001", str(tmp_path / "a.ndjson")])
    out, err = capsys.readouterr()
    assert_no_controls(out + err)
    assert "record D1\\x1b]0;owned" in out and "\\u001b[2J" in out  # values are shown as JSON writes them


def test_control_characters_in_a_column_name_are_escaped_in_the_warning_and_the_error(tmp_path, capsys):
    (tmp_path / "a.csv").write_text("record_type,id,rationale,note\x1b[31m\ndnacpr_decision,D1,frail,x\n")
    main(["check", str(tmp_path / "a.csv"), "--format", "json", "--output", str(tmp_path / "o.json")])
    err = capsys.readouterr().err
    assert_no_controls(err)
    assert "note\\x1b[31m" in err
    main(["check", str(tmp_path / "a.csv"), "--strict", "--format", "json", "--output", str(tmp_path / "o.json")])
    err = capsys.readouterr().err
    assert_no_controls(err) and "note\\x1b[31m" in err


def test_visible_escapes_controls_and_leaves_other_text_alone():
    from leder_audit.terminal import visible

    assert visible("Café – ‘quoted’ 東京\u00a0x") == "Café – ‘quoted’ 東京\u00a0x"
    assert visible("a\x1b[0mb\x00c\x7f\u2066") == "a\\x1b[0mb\\x00c\\x7f\\u2066"
    assert visible("line one\nline two\t!", keep="\n") == "line one\nline two\\x09!"
