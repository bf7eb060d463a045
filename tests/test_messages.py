"""Messages read as English: one finding, two findings; counts with thousands separators in text for
people, never in JSON or CSV data; the trend table headed by the field it groups by."""

from __future__ import annotations

import json

import pytest

from leder_audit.cli import main
from leder_audit.cohort.trend import compute_trend, trend_table
from leder_audit.findings import Rejection
from leder_audit.prose import counted, were
from leder_audit.rulebook import load_rulebook
from leder_audit.writers import summary_line
from leder_audit.engine import Auditor

from .conftest import AS_OF, FIXTURES

COHORT = FIXTURES / "cohort"


@pytest.mark.parametrize("number, noun, plural, expected", [
    (0, "finding", None, "0 findings"),
    (1, "finding", None, "1 finding"),
    (2, "finding", None, "2 findings"),
    (12345, "record", None, "12,345 records"),
    (1, "duplicate id", None, "1 duplicate id"),
    (1000000, "rule error", None, "1,000,000 rule errors"),
    (3, "analysis", "analyses", "3 analyses"),
])
def test_counted(number, noun, plural, expected):
    assert counted(number, noun, plural) == expected


@pytest.mark.parametrize("number, verb", [(0, "were"), (1, "was"), (2, "were")])
def test_were(number, verb):
    assert were(number) == verb


def tally_of(records):
    auditor = Auditor(load_rulebook(), as_of=AS_OF)
    list(auditor.run(records))
    return auditor.tally


def test_the_totals_line_says_one_record_and_one_finding_in_the_singular():
    line = summary_line(tally_of([{"record_type": "dnacpr_decision", "id": "D1", "rationale": "Down's syndrome",
                                   "decision_date": "2024-03-01"}]))
    assert line.startswith("1 record read: 1 checked, 0 rejected;")
    assert "1 records" not in line and "1 findings" not in line


def test_the_totals_line_puts_thousands_separators_in_counts():
    records = [{"record_type": "dnacpr_decision", "id": f"D{n}", "rationale": "end-stage COPD"} for n in range(1200)]
    records.append(Rejection(source="x.ndjson", location="line 1201", message="bad"))
    line = summary_line(tally_of(records))
    assert line.startswith("1,201 records read: 1,200 checked, 1 rejected;")


def test_json_counts_stay_plain_numbers(tmp_path, capsys):
    path = tmp_path / "many.ndjson"
    path.write_text("".join(json.dumps({"record_type": "dnacpr_decision", "id": f"D{n}", "rationale": "COPD"}) + "\n"
                            for n in range(1001)))
    main(["check", str(path), "--format", "json", "--as-of", "2024-06-30"])
    captured = capsys.readouterr()
    assert json.loads(captured.out)["summary"]["records_read"] == 1001
    assert "1,001 records read" in captured.err


def test_rules_list_counts_in_the_singular(capsys):
    main(["rules", "list", "--select", "LDA-DNACPR-001"])
    assert capsys.readouterr().out.rstrip().endswith("\n1 rule")


def test_validate_counts_in_the_singular(capsys, tmp_path):
    path = tmp_path / "one.json"
    path.write_text(json.dumps({"record_type": "dnacpr_decision", "id": "D1"}))
    main(["validate", str(path)])
    assert "1 record read: 1 valid, 0 rejected" in capsys.readouterr().out


def test_a_skipped_cohort_rule_needs_the_population_in_the_singular(capsys):
    main(["cohort", str(COHORT / "ethnicity_reviews.ndjson"), "--select", "LDA-COHORT-004", "--format", "json",
          "--as-of", "2024-06-30"])
    err = capsys.readouterr().err
    assert "skipped LDA-COHORT-004: it needs --population FILE" in err


@pytest.mark.parametrize("by", ["person.sex", "area.ccg", "area.ics"])
def test_the_trend_table_is_headed_by_the_field_it_groups_by(by):
    book = load_rulebook(COHORT / "trend_rules", builtin=False)
    records = [json.loads(line) for line in (COHORT / "reviews.ndjson").read_text().splitlines()]
    header = trend_table(compute_trend(records, book, by=by, as_of=AS_OF)).splitlines()[0]
    assert header.split()[:3] == ["theme", by, "quarter"]


def test_the_trend_table_by_none_heads_its_one_group_plainly():
    book = load_rulebook(COHORT / "trend_rules", builtin=False)
    records = [json.loads(line) for line in (COHORT / "reviews.ndjson").read_text().splitlines()]
    table = trend_table(compute_trend(records, book, by="none", as_of=AS_OF))
    assert table.splitlines()[0].split()[:3] == ["theme", "group", "quarter"] and "area" not in table.splitlines()[0]
