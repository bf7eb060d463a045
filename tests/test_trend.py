"""Change over time: theme rates per area and quarter with their counts, and the latest change,
checked against figures worked out by hand in fixtures/cohort/README.md."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest

from leder_audit.cli import main
from leder_audit.cohort.svg import trend_svg
from leder_audit.rulebook import load_rulebook
from leder_audit.cohort.trend import compute_trend, trend_table

from .conftest import AS_OF, FIXTURES

COHORT = FIXTURES / "cohort"
EXPECTED = json.loads((COHORT / "expected.json").read_text())["trend"]
REVIEWS = COHORT / "reviews.ndjson"


@pytest.fixture(scope="module")
def trend():
    book = load_rulebook(COHORT / "trend_rules", builtin=False)
    records = [json.loads(line) for line in REVIEWS.read_text().splitlines()]
    return compute_trend(records, book, as_of=AS_OF)


@pytest.mark.parametrize("expected", EXPECTED["rows"], ids=lambda e: f"{e['theme']}:{e['area']}:{e['period']}")
def test_theme_rates_per_area_and_quarter_match_the_hand_counts(trend, expected):
    row = next(r for r in trend.rows if (r.theme, r.area, r.period) == (expected["theme"], expected["area"], expected["period"]))
    assert (row.numerator, row.denominator) == (expected["numerator"], expected["denominator"])
    if row.denominator >= 5:
        assert row.rate == pytest.approx(expected["numerator"] / expected["denominator"])
    else:
        assert row.small_number and row.rate is None


@pytest.mark.parametrize("expected", EXPECTED["changes"], ids=lambda e: f"{e['theme']}:{e['area']}")
def test_the_latest_quarter_is_compared_with_the_one_before(trend, expected):
    change = next(c for c in trend.changes if (c.theme, c.area) == (expected["theme"], expected["area"]))
    assert (change.latest, change.previous, change.direction) == (expected["latest"], expected["previous"],
                                                                   expected["direction"])


def test_a_change_carries_the_counts_behind_it(trend):
    change = next(c for c in trend.changes if (c.theme, c.area) == ("review-timeliness", "QWE"))
    assert (change.latest_numerator, change.latest_denominator) == (0, 5)
    assert (change.previous_numerator, change.previous_denominator) == (2, 6)
    # 0 of 5 (0 to 0.4345) and 2 of 6 (0.0968 to 0.7000) overlap: better, but not beyond chance.
    assert change.beyond_chance is False


def test_too_few_records_in_either_quarter_are_not_compared():
    book = load_rulebook(COHORT / "trend_rules", builtin=False)
    records = [{"record_type": "mortality_review", "id": f"T{i}", "area": {"ics": "A"}, "notification_date": day,
                "family": {"invited_to_contribute": False}} for i, day in enumerate(["2023-01-05"] * 6 + ["2023-04-05"] * 2)]
    trend = compute_trend(records, book, as_of=AS_OF)
    change = next(c for c in trend.changes if c.theme == "family-involvement")
    assert change.direction == "too few to compare" and change.latest_denominator == 2


def test_records_without_a_date_are_counted_apart():
    book = load_rulebook(COHORT / "trend_rules", builtin=False)
    trend = compute_trend([{"record_type": "mortality_review", "id": "X"}], book, as_of=AS_OF)
    assert trend.undated == 1 and trend.rows == []


def test_by_none_puts_every_record_in_one_group(trend):
    book = load_rulebook(COHORT / "trend_rules", builtin=False)
    records = [json.loads(line) for line in REVIEWS.read_text().splitlines()]
    whole = compute_trend(records, book, by="none", as_of=AS_OF)
    row = next(r for r in whole.rows if (r.theme, r.period) == ("review-timeliness", "2023Q1"))
    assert row.area == "all" and (row.numerator, row.denominator) == (3, 9)


def test_the_table_names_counts_and_direction(trend):
    table = trend_table(trend)
    assert "review-timeliness          QWE          2023Q1   2 of 6 (33%)" in table
    assert "2023Q2 0 of 5 (0%) vs 2023Q1 2 of 6 (33%): better" in table
    assert "1 of 3 (small number)" in table


def test_trend_command_writes_json_and_csv(capsys):
    args = ["trend", str(REVIEWS), "--rules", str(COHORT / "trend_rules"), "--no-builtin", "--as-of", "2024-06-30"]
    assert main(args + ["--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["records_checked"] == 15 and data["by"] == "area.ics"
    assert main(args + ["--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    qwe = next(r for r in rows if (r["theme"], r["area"], r["period"]) == ("family-involvement", "QWE", "2023Q2"))
    assert (qwe["numerator"], qwe["denominator"], qwe["rate"]) == ("2", "5", "0.4")


def test_trend_svg_is_self_contained_and_leaves_small_numbers_out(trend):
    svg = trend_svg(trend)
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "http" not in svg.replace("http://www.w3.org/2000/svg", "")
    titles = [t.text for t in root.iter("{http://www.w3.org/2000/svg}title")]
    assert "QWE 2023Q1: 2 of 6 (33%)" in titles
    assert not any(t and t.startswith("RTY") for t in titles)  # RTY only has small numbers


def test_trend_rates_leave_not_recorded_findings_out_and_show_completeness():
    book = load_rulebook().select(["LDA-REVIEW-008"])
    reviews = []
    for n in range(10):
        review = {"record_type": "mortality_review", "id": f"F{n}", "area": {"ics": "QWE"},
                  "notification_date": "2024-01-10"}
        if n >= 3:
            review["family"] = {"invited_to_contribute": n >= 5}
        reviews.append(review)
    (row,) = compute_trend(reviews, book, as_of=AS_OF).rows
    assert (row.theme, row.numerator, row.denominator, row.not_recorded) == ("family-involvement", 2, 10, 3)
    assert row.rate == pytest.approx(0.2) and row.completeness == pytest.approx(0.7)
    table = trend_table(compute_trend(reviews, book, as_of=AS_OF))
    assert "2 of 10 (20%)" in table and "7 of 10 (70%)" in table
