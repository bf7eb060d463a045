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
    assert sum(table.shares["E92000001"]["all ages"].values()) == pytest.approx(1.0)
    assert "TS021" in table.sources["E01009153"]
    assert table.share("nowhere", "Asian") is None


def test_population_shares_given_as_percentages_are_normalised():
    table = load_population(POPULATION)
    # Wales' rounded percentages add up to 100.1.
    assert table.share("W92000004", "White") == pytest.approx(93.8 / 100.1)
    assert sum(table.shares["W92000004"]["all ages"].values()) == pytest.approx(1.0)


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
    assert areas == {"E01009153", "E92000001"}
    assert len(report.results) == len(areas) * len(GROUPS)


def test_only_under_representation_beyond_chance_raises_a_finding_in_a_rule_that_asks_for_all_ages(tmp_path):
    builtin = (FIXTURES.parent / "rules" / "cohort" / "LDA-COHORT-004.yaml").read_text(encoding="utf-8")
    (tmp_path / "cohort").mkdir()
    (tmp_path / "cohort" / "all_ages.yaml").write_text(
        builtin.replace("raise_when: age_standardised and expected_share > upper", "raise_when: expected_share > upper"),
        encoding="utf-8")
    records = [json.loads(line) for line in (COHORT / "ethnicity_reviews.ndjson").read_text().splitlines()]
    report = run_cohort(records, load_cohort_rules(tmp_path, builtin=False), load_population(POPULATION), as_of=AS_OF)
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


BY_AGE = FIXTURES / "population_by_age.csv"


def deaths(area: str, by_group_and_age: dict[tuple[str, int | None], int]) -> list[dict]:
    """Reviews of deaths in one area: so many of each NHS ethnic code at each age (None: age not recorded)."""
    out = []
    for (code, age), n in by_group_and_age.items():
        person = {"ethnicity": code} if age is None else {"ethnicity": code, "age": age}
        out += [{"record_type": "mortality_review", "id": f"{area}-{code}-{age}-{i}", "area": {"ics": area},
                 "notification_date": "2024-01-10", "person": person} for i in range(n)]
    return out


# 10 deaths under 65 and 30 at 65 and over; 2 more of a known group with no age recorded.
AREA_DEATHS = {("H", 40): 3, ("A", 50): 5, ("M", 30): 1, ("S", 60): 1, ("H", 80): 3, ("A", 85): 24, ("N", 70): 2,
               ("D", 90): 1, ("A", None): 2}


def representation(records, population=BY_AGE):
    rules = select_rules(load_cohort_rules(), ["ethnicity-representation"])
    return run_cohort(records, rules, load_population(population), as_of=AS_OF)


def test_a_population_table_by_age_band_gives_each_bands_shares():
    table = load_population(BY_AGE)
    assert [b.label for b in table.bands["QHL"]] == ["0-64", "65+"] and table.age_banded("QHL")
    assert table.share("QHL", "Asian", "0-64") == pytest.approx(0.30)
    assert table.share("QHL", "Asian", "65+") == pytest.approx(0.10)
    assert table.band_of("QHL", 64.9).label == "0-64" and table.band_of("QHL", 101).label == "65+"


@pytest.mark.parametrize("written", ["QHL", "qhl", "NHS Birmingham and Solihull ICB", "Birmingham and Solihull",
                                     "  nhs birmingham and solihull  integrated care board "])
def test_a_records_area_matches_the_table_by_icb_code_or_name(written):
    assert load_population(BY_AGE).area_of(written) == "QHL"


def test_the_expected_share_is_standardised_for_age():
    report = representation(deaths("QHL", AREA_DEATHS))
    results = {r.group["ethnic_group"]: r for r in report.results}
    asian = results["Asian"]
    # (10 x 0.30 + 30 x 0.10) / 40 = 0.15, not the all-ages share (400 / 2000 = 0.20).
    assert asian.expected_share == pytest.approx(0.15) and asian.expected_count == pytest.approx(6.0)
    assert (asian.numerator, asian.denominator, asian.age_not_recorded) == (6, 40, 2)
    assert asian.age_standardised is True and asian.status == "as expected" and not asian.raised
    # White: (10 x 0.50 + 30 x 0.80) / 40 = 0.725; 29 of 40 observed.
    assert results["White"].expected_share == pytest.approx(0.725) and results["White"].numerator == 29
    assert report.warnings == []


def test_a_group_missing_from_the_deaths_after_standardising_for_age_raises_a_finding():
    no_asian_deaths = {k: v for k, v in AREA_DEATHS.items() if k[0] != "H"} | {("A", 45): 3, ("A", 75): 3}
    report = representation(deaths("NHS Birmingham and Solihull ICB", no_asian_deaths))
    (finding,) = report.findings
    assert finding.record_id == "ics=NHS Birmingham and Solihull ICB ethnic_group=Asian"
    assert "within each age band" in finding.message


def test_an_area_the_table_does_not_hold_is_named_in_a_warning_not_given_empty_rows():
    report = representation(deaths("QWE", AREA_DEATHS) + deaths("QHL", AREA_DEATHS))
    assert {r.group["ics"] for r in report.results} == {"QHL"}
    (warning,) = report.warnings
    assert "LDA-COHORT-004" in warning and "QWE" in warning and "QHL" in warning


def test_figures_without_age_bands_are_compared_at_all_ages_said_so_and_never_raised(report):
    assert all(r.age_standardised is False for r in report.results)
    assert report.findings == []
    assert any("no age bands" in w for w in report.warnings)
    assert any("no area of the population table matches XYZ" in w for w in report.warnings)


@pytest.mark.parametrize("content, message", [
    ("area,ethnic_group,age_band,count\nX,Asian,old,1\n", "is not a range"),
    ("area,ethnic_group,age_band,count\nX,Asian,0-64,1\nX,White,60+,1\n", "overlaps"),
    ("area,ethnic_group,age_band,count\nX,Asian,all ages,1\nX,White,65+,1\n", "overlaps"),
    ("area,ethnic_group,age_band,count\n,Asian,0-64,1\n", "names no area"),
])
def test_a_bad_age_band_is_refused_naming_the_row(tmp_path, content, message):
    path = tmp_path / "population.csv"
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        load_population(path)


def test_the_cohort_command_says_which_areas_the_table_does_not_match(tmp_path, capsys):
    from leder_audit.cli import main

    path = tmp_path / "reviews.ndjson"
    path.write_text("\n".join(json.dumps(r) for r in deaths("QWE", AREA_DEATHS)) + "\n", encoding="utf-8")
    main(["cohort", str(path), "--population", str(BY_AGE), "--select", "LDA-COHORT-004", "--as-of", "2024-06-30"])
    out = capsys.readouterr().out
    assert "warning: LDA-COHORT-004: no area of the population table matches QWE" in out
    assert "ethnic_group=" not in out
