"""Fuzzing the command line: record files of every kind the readers take, whole or with their bytes damaged, run
through `leder-audit check` with any mix of options. Whatever comes in, no traceback and no "unexpected error"
reaches stderr, the exit code is 0, 1 or 2, every record read is counted as checked or rejected, and the
report is well formed in its format."""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leder_audit.cli import main

from .conftest import FIXTURES
from .test_fuzz_check import records as model_records

pytestmark = pytest.mark.filterwarnings("ignore::leder_audit.errors.UnusedColumn")


def _json_value(value):
    return value.isoformat() if isinstance(value, date) else value


def _jsonable(record):
    return json.loads(json.dumps(record, default=_json_value))


def _flat(record, prefix=""):
    """The record's scalar fields as CSV columns named by field path; lists of scalars joined with `;`."""
    columns = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            columns.update(_flat(value, name + "."))
        elif isinstance(value, list):
            if all(not isinstance(v, (dict, list)) for v in value):
                columns[name] = ";".join("" if v is None else str(v) for v in value)
            else:
                for index, item in enumerate(value[:4]):
                    if isinstance(item, dict):
                        columns.update(_flat(item, f"{name}.{index}."))
        else:
            columns[name] = "" if value is None else str(_json_value(value)).lower() \
                if isinstance(value, bool) else str(_json_value(value))
    return columns


def _table(records, delimiter):
    rows = [_flat(r) for r in records]
    header = sorted({name for row in rows for name in row})
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(name, "") for name in header])
    return out.getvalue().encode("utf-8")


# How each kind of file is written from the generated records: (file name, bytes, mapping file or None).
def as_file(kind, records):
    if kind == "json":
        return "in.json", json.dumps([_jsonable(r) for r in records]).encode("utf-8"), None
    if kind == "ndjson":
        return "in.ndjson", b"".join(json.dumps(_jsonable(r)).encode("utf-8") + b"\n" for r in records), None
    if kind == "csv":
        return "in.csv", _table(records, ","), None
    if kind == "tsv":
        return "in.tsv", _table(records, "\t"), None
    if kind == "fhir":  # the readers' FHIR side is fuzzed through the damage done to a real Bundle
        return "in.json", (FIXTURES / "fhir_death_bundle.json").read_bytes(), None
    return "in.csv", (FIXTURES / "export.csv").read_bytes(), (FIXTURES / "export_mapping.yaml").read_bytes()


def damaged(content, damage):
    """The bytes with one kind of damage: some inserted, some cut out, or the file cut short."""
    kind, at, junk = damage
    at = at % (len(content) + 1)
    if kind == "insert":
        return content[:at] + junk + content[at:]
    if kind == "cut":
        return content[:at] + content[at + len(junk) + 1:]
    if kind == "truncate":
        return content[:at]
    return content


JUNK = st.one_of(st.binary(max_size=8), st.sampled_from(
    [b'"', b"{", b"]", b",", b"\n", b"\x00", b"\xe9", b"\xff\xfe", b'"id": "x", "id": "y", ', b"1" * 5000,
     b"\\ud800", b"NaN", b"\x1b[31m", b"=cmd|' /C calc'!A0", b"&a [*a]"]))
DAMAGE = st.one_of(st.just(("none", 0, b"")), st.tuples(st.sampled_from(["insert", "cut", "truncate"]),
                                                         st.integers(0, 10_000), JUNK))
FORMATS = ["table", "json", "ndjson", "csv", "sarif", "fhir", "html"]
OPTIONS = st.fixed_dictionaries({
    "format": st.sampled_from(FORMATS),
    "strict": st.booleans(),
    "redact": st.booleans(),
    "jobs": st.sampled_from(["1"] * 9 + ["2"]),  # a second process is dear: now and then
    "fail_on": st.none() | st.sampled_from(["info", "low", "medium", "high", "critical"]),
    "exit_zero": st.booleans(),
    "keep_going": st.booleans(),
    "html_max_findings": st.none() | st.integers(0, 50),
})
SUMMARY = re.compile(r"(\d+) records? read: (\d+) checked, (\d+) rejected")


def arguments(path, mapping, output, options):
    argv = ["check", str(path), "--format", options["format"], "--output", str(output), "--as-of", "2024-06-30",
            "--jobs", options["jobs"]]
    argv += ["--mapping", str(mapping)] if mapping else []
    argv += ["--strict"] if options["strict"] else []
    argv += ["--redact"] if options["redact"] else []
    argv += ["--fail-on", options["fail_on"]] if options["fail_on"] else []
    argv += ["--exit-zero"] if options["exit_zero"] else []
    argv += ["--keep-going"] if options["keep_going"] else []
    if options["html_max_findings"] is not None:
        argv += ["--html-max-findings", str(options["html_max_findings"])]
    return argv


def assert_well_formed(report, fmt):
    text = report.decode("utf-8")
    if fmt in ("json", "sarif", "fhir"):
        parsed = json.loads(text)
        if fmt == "json":
            summary = parsed["summary"]
            assert summary["records_read"] == summary["records_checked"] + summary["records_rejected"]
        if fmt == "sarif":
            assert parsed["runs"]
    elif fmt == "ndjson":
        for line in text.split("\n"):  # not splitlines(): a record's text may hold U+2028, which JSON leaves as is
            if line:
                json.loads(line)
    elif fmt == "csv":
        rows = list(csv.reader(io.StringIO(text)))
        assert rows and all(len(row) == len(rows[0]) for row in rows)
    elif fmt == "html":
        assert text.rstrip().endswith("</html>")


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["json", "ndjson", "csv", "tsv", "fhir", "mapping"]),
       records=st.lists(model_records, min_size=0, max_size=4), damage=DAMAGE, options=OPTIONS)
def test_check_never_shows_a_traceback_and_accounts_for_every_record(capsys, kind, records, damage, options):
    name, content, mapping_text = as_file(kind, records)
    with tempfile.TemporaryDirectory() as folder:
        path, output = Path(folder) / name, Path(folder) / f"report.{options['format']}"
        path.write_bytes(damaged(content, damage))
        mapping = None
        if mapping_text is not None:
            mapping = Path(folder) / "mapping.yaml"
            mapping.write_bytes(mapping_text)
        try:
            code = main(arguments(path, mapping, output, options))
        except SystemExit as refused:  # an option value argparse refuses, such as --html-max-findings 0
            code = refused.code
        out, err = capsys.readouterr()
        assert "Traceback" not in err + out and "unexpected error" not in err, err
        assert code in (0, 1, 2)
        if options["exit_zero"] and code != 2:
            assert code == 0
        counted = SUMMARY.search(err + out)
        if counted:
            read, checked, rejected = map(int, counted.groups())
            assert read == checked + rejected
            if damage[0] == "none" and kind in ("json", "ndjson"):
                assert read == len(records)
        if output.exists():
            assert counted, err  # a report is written only after the run is summed up
            assert_well_formed(output.read_bytes(), options["format"])
        else:
            assert code == 2  # no report means the run stopped: a bad file with --strict, or a rule error
