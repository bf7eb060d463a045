"""Ethnic representation: NHS codes to broad groups, population tables, Wilson intervals against
known values, and findings only where a group is under-represented beyond chance."""

from __future__ import annotations

import json

import pytest

from leder_audit.cohort import load_cohort_rules, run_cohort, select_rules
from leder_audit.cohort.stats import wilson
from leder_audit.errors import InputError
from leder_audit.cohort.ethnicity import GROUPS, ethnic_group, load_population

from .conftest import AS_OF, FIXTURES

COHORT = FIXTURES / "cohort"
EXPECTED = json.loads((COHORT / "expected.json").read_text())
POPULATION = FIXTURES / "population_census2021.csv"


@pytest.mark.parametrize("case", EXPECTED["wilson_95"], ids=lambda c: f"{c['successes']}/{c['trials']}")
def test_wilson_interval_matches_hand_worked_and_published_values(case):
    lower, upper = wilson(case["successes"], case["trials"])
    assert lower == pytest.approx(case["lower"], abs=5e-5)
    assert upper == pytest.approx(case["upper"], abs=5e-5)


def test_wilson_interval_holds_the_proportion_and_stays_within_0_and_1():
    for trials in (1, 2, 7, 50):
        for successes in range(trials + 1):
            lower, upper = wilson(successes, trials)
            assert 0.0 <= lower <= successes / trials <= upper <= 1.0
    assert wilson(0, 0) == (0.0, 1.0)
    with pytest.raises(ValueError):
        wilson(5, 3)


@pytest.mark.parametrize("value, group", [
    ("A", "White"), ("B", "White"), ("C", "White"), ("C3", "White"),
    ("D", "Mixed"), ("E", "Mixed"), ("F", "Mixed"), ("G", "Mixed"),
    ("H", "Asian"), ("J", "Asian"), ("K", "Asian"), ("L", "Asian"), ("R", "Asian"),
    ("M", "Black"), ("N", "Black"), ("P", "Black"), ("S", "Other"),
    ("Z", None), ("99", None), ("", None), (None, None), ("Not stated", None),
    ("White British", "White"), ("Black African", "Black"), ("Pakistani", "Asian"),
    ("White and Black Caribbean", "Mixed"), ("Any other White background", "White"), ("Arab", "Other"),
])
def test_nhs_ethnic_category_codes_and_text_map_to_broad_groups(value, group):
    assert ethnic_group(value) == group


def test_population_counts_become_shares_per_area():
    table = load_population(POPULATION)
    assert set(table.shares) == {"E92000001", "E01009153", "W92000004"}
    assert table.share("E01009153", "Black") == pytest.approx(611 / 2103)
    assert table.share("E92000001", "White") == pytest.approx(45783401 / 56490048)
    assert sum(table.shares["E92000001"].values()) == pytest.approx(1.0)
    assert "TS021" in table.sources["E01009153"]
    assert table.share("nowhere", "Asian") is None


def test_population_shares_given_as_percentages_are_normalised():
    table = load_population(POPULATION)
    # Wales' rounded percentages add up to 100.1.
    assert table.share("W92000004", "White") == pytest.approx(93.8 / 100.1)
    assert sum(table.shares["W92000004"].values()) == pytest.approx(1.0)


@pytest.mark.parametrize("content, message", [
    ("area,group,count\nX,Asian,1\n", "needs the columns"),
    ("area,ethnic_group,count\nX,Martian,1\n", "is not one of"),
    ("area,ethnic_group,count\nX,Asian,-3\n", "negative"),
    ("area,ethnic_group,count\nX,Asian,many\n", "not a number"),
    ("area,ethnic_group,count,share\nX,Asian,,\n", "neither a count nor a share"),
    ("area,ethnic_group,count\nX,Asian,0\n", "add up to zero"),
])
def test_a_bad_population_table_is_refused_naming_the_row(tmp_path, content, message):
    path = tmp_path / "population.csv"
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        load_population(path)


@pytest.fixture(scope="module")
def report():
    rules = select_rules(load_cohort_rules(), ["ethnicity-representation"])
    records = [json.loads(line) for line in (COHORT / "ethnicity_reviews.ndjson").read_text().splitlines()]
    return run_cohort(records, rules, load_population(POPULATION), as_of=AS_OF)


@pytest.mark.parametrize("expected", EXPECTED["ethnicity_reviews.ndjson"]["LDA-COHORT-004"], ids=lambda e: e["key"])
def test_representation_matches_the_hand_computed_figures(report, expected):
    result = {r.key: r for r in report.results}[expected["key"]]
    for name, value in expected.items():
        if isinstance(value, float):
            assert getattr(result, name) == pytest.approx(value, abs=5e-4), name
        else:
            assert getattr(result, name) == value, name


def test_every_area_reports_every_broad_group(report):
    areas = {r.group["ics"] for r in report.results}
    assert areas == {"E01009153", "E92000001", "XYZ"}
    assert len(report.results) == len(areas) * len(GROUPS)


def test_only_under_representation_beyond_chance_raises_a_finding(report):
    (finding,) = report.findings
    assert finding.rule_id == "LDA-COHORT-004" and finding.tags == ["ethnicity-representation"]
    assert finding.record_id == "ics=E01009153 ethnic_group=Black"
    assert finding.evidence.text == "2 of 30 (7%); expected 29% (about 8.7)"
    steps = {s.expression: s.value for s in finding.explanation}
    assert steps["upper"] == pytest.approx(0.2132, abs=1e-4) and steps["expected_share"] == pytest.approx(0.2905, abs=1e-4)


def test_small_numbers_are_never_given_as_a_rate(report):
    small = [r for r in report.results if r.status == "small numbers"]
    assert small and all(r.small_number and r.proportion is None and r.lower is None for r in small)
    assert all("%" not in r.evidence() for r in small)
    assert not any(r.raised for r in small)
