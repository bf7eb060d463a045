"""Cohort rules: loading with located errors, one streaming pass, measures and findings checked
against numbers worked out by hand in fixtures/cohort/README.md."""

from __future__ import annotations

import json
import textwrap

import pytest

from leder_audit.cohort import CohortRun, load_cohort_file, load_cohort_rules, run_cohort, select_rules
from leder_audit.errors import RuleError

from .conftest import AS_OF, FIXTURES

COHORT = FIXTURES / "cohort"
EXPECTED = json.loads((COHORT / "expected.json").read_text())


def records(name: str) -> list[dict]:
    return [json.loads(line) for line in (COHORT / name).read_text().splitlines() if line.strip()]


@pytest.fixture(scope="module")
def builtin():
    return load_cohort_rules()


def _cases():
    for file in ("reviews.ndjson", "certificates.ndjson", "dnacpr.ndjson"):
        for rule_id, groups in EXPECTED[file].items():
            for group in groups:
                yield pytest.param(file, rule_id, group, id=f"{rule_id}:{group['key']}")


@pytest.mark.parametrize("file, rule_id, expected", list(_cases()))
def test_group_measures_match_the_hand_computed_figures(builtin, file, rule_id, expected):
    report = run_cohort(records(file), select_rules(builtin, [rule_id]), as_of=AS_OF)
    result = {r.key: r for r in report.results}[expected["key"]]
    for name, value in expected.items():
        if name == "key":
            continue
        if name == "evidence":
            assert result.evidence() == value
        elif isinstance(value, float):
            assert getattr(result, name) == pytest.approx(value, abs=5e-5), name
        else:
            assert getattr(result, name) == value, name


def test_every_group_of_the_fixtures_is_accounted_for(builtin):
    report = run_cohort(records("reviews.ndjson"), select_rules(builtin, ["LDA-COHORT-001"]), as_of=AS_OF)
    assert [r.key for r in report.results] == [g["key"] for g in EXPECTED["reviews.ndjson"]["LDA-COHORT-001"]]
    # R15 is still inside its six months, so no group holds it.
    assert sum(r.denominator for r in report.results) == 14


def test_a_cohort_finding_names_the_group_and_carries_the_counts(builtin):
    report = run_cohort(records("reviews.ndjson"), select_rules(builtin, ["LDA-COHORT-001"]), as_of=AS_OF)
    (finding,) = report.findings
    assert finding.record_type == "cohort"
    assert finding.record_id == "ics=QWE quarter=2023Q1"
    assert finding.evidence.text == "4 of 6 (67%)"
    assert finding.tags == ["review-timeliness"]
    steps = {s.expression: s.value for s in finding.explanation}
    assert steps["numerator"] == 4 and steps["denominator"] == 6
    assert steps["proportion"] == pytest.approx(0.6667, abs=1e-4)
    assert steps["proportion < 0.9 and denominator >= 5"] is True
    assert "4 of 6 (67%)" in finding.message and "30% to 90%" in finding.message
    assert finding.references and finding.fingerprint


def test_a_small_number_is_reported_as_counts_never_as_a_rate(builtin):
    report = run_cohort(records("reviews.ndjson"), select_rules(builtin, ["LDA-COHORT-001"]), as_of=AS_OF)
    small = {r.key: r for r in report.results}["ics=RTY quarter=2023Q1"]
    assert small.small_number and small.proportion is None and small.lower is None
    assert "%" not in small.evidence()


def test_the_per_record_rulebook_does_not_read_the_cohort_folder(book):
    assert not [r for r in book.rules if r.id.startswith("LDA-COHORT")]


def test_builtin_cohort_rules_cover_the_themes(builtin):
    tags = {t for r in builtin for t in r.spec.tags}
    assert {"review-timeliness", "ld-cause-of-death", "ld-dnacpr-rationale", "ethnicity-representation"} <= tags
    assert {r.spec.measure.kind for r in builtin} >= {"count", "proportion", "median", "representation"}


def test_records_stream_through_once(builtin):
    consumed = []

    def stream():
        for record in records("dnacpr.ndjson"):
            consumed.append(record["id"])
            yield record

    report = run_cohort(stream(), select_rules(builtin, ["LDA-COHORT-003"]), as_of=AS_OF)
    assert consumed == ["D01", "D02", "D03", "D04", "D05"]
    assert report.records_read == 5 and report.records_checked == 5


def test_a_record_that_does_not_fit_is_rejected_and_the_run_goes_on(builtin):
    items = records("dnacpr.ndjson") + [{"record_type": "dnacpr_decision", "id": "BAD", "decision_date": "soon"}]
    report = run_cohort(items, select_rules(builtin, ["LDA-COHORT-003"]), as_of=AS_OF)
    assert report.records_read == 6 and report.records_checked == 5
    assert report.rejected[0].field == "decision_date"


def test_an_embedded_certificate_given_twice_counts_once(builtin):
    certificate = {"record_type": "death_certificate", "id": "C9", "date_of_death": "2023-01-02",
                   "part1": [{"text": "Learning disability"}]}
    review = {"record_type": "mortality_review", "id": "R9", "death_certificate": dict(certificate)}
    report = run_cohort([certificate, review], select_rules(builtin, ["LDA-COHORT-002"]), as_of=AS_OF)
    (result,) = report.results
    assert (result.numerator, result.denominator) == (1, 1)


def write_rule(tmp_path, body: str, name: str = "rule.yaml"):
    folder = tmp_path / "cohort"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(body))
    return path


RULE = """\
kind: cohort
id: T-1
version: 1
title: t
severity: low
tags: [review-timeliness]
references: [{source: s}]
rationale: r
population:
  record_type: mortality_review
group_by: [area.ics]
measure:
  kind: median
  value: review_completed_date - notification_date
raise_when: median_days > 150
message: "{group} took {median_days} days ({evidence})"
"""


def test_a_median_rule_of_ones_own_raises_on_its_groups(tmp_path):
    write_rule(tmp_path, RULE)
    rules = load_cohort_rules(tmp_path, builtin=False)
    report = run_cohort(records("reviews.ndjson"), rules, as_of=AS_OF)
    (finding,) = report.findings
    assert finding.record_id == "ics=QWE"
    assert finding.message == "ics=QWE took 170.5 days (median 170.5 days over 10 of 11)"
    rty = {r.key: r for r in report.results}["ics=RTY"]
    assert rty.unknown == 1 and rty.small_number


def test_named_group_terms_and_a_certifier_role(tmp_path):
    write_rule(tmp_path, RULE.replace("group_by: [area.ics]", "group_by: [{role: death_certificate.certifier.role}]")
               .replace("kind: median\n  value: review_completed_date - notification_date", "kind: count")
               .replace("median_days > 150", "count >= 2").replace("{median_days}", "{count}"))
    items = [{"record_type": "mortality_review", "id": f"R{i}", "death_certificate": {"id": f"C{i}",
              "certifier": {"role": role}}} for i, role in enumerate(["FY2", "FY2", "Consultant", None])]
    report = run_cohort(items, load_cohort_rules(tmp_path, builtin=False), as_of=AS_OF)
    assert {r.key: r.count for r in report.results} == {"role=Consultant": 1, "role=FY2": 2, "role=unknown": 1}
    assert [f.record_id for f in report.findings] == ["role=FY2"]


@pytest.mark.parametrize("change, message, line", [
    (("raise_when: median_days > 150", "raise_when: median > 150"), "unknown field `median`", 15),
    (("  record_type: mortality_review", "  record_type: mortality_review\n  wher: true"), "unknown key `population.wher`", 11),
    (("kind: median\n  value: review_completed_date - notification_date", "kind: proportion"),
     "a proportion needs a `numerator`", 13),
    (("group_by: [area.ics]", "group_by: [area.icss]"), "unknown field `icss`", 11),
    (("group_by: [area.ics]", "group_by: [quarter(area.ics)]"), "quarter() needs a date", 11),
    (("value: review_completed_date - notification_date", "value: narrative"), "must be a duration or a number", 14),
    (("{group} took", "{grop} took"), "unknown placeholder `{grop}`", 16),
])
def test_a_broken_cohort_rule_is_refused_with_file_line_and_hint(tmp_path, change, message, line):
    path = write_rule(tmp_path, RULE.replace(*change))
    with pytest.raises(RuleError) as raised:
        load_cohort_file(path, frozenset())
    error = raised.value
    assert message in error.message
    assert error.file == str(path) and error.line == line


def test_raise_when_suggests_the_name_meant(tmp_path):
    path = write_rule(tmp_path, RULE.replace("median_days > 150", "median_day > 150"))
    with pytest.raises(RuleError) as raised:
        load_cohort_file(path, frozenset())
    assert "median_days" in (raised.value.hint or "")


def test_select_by_tag_and_unknown_names(builtin):
    assert {r.id for r in select_rules(builtin, ["review-timeliness"])} == {"LDA-COHORT-001", "LDA-COHORT-005"}
    with pytest.raises(RuleError, match="no cohort rule"):
        select_rules(builtin, ["review-timelines"])


def test_a_representation_rule_without_a_population_table_is_skipped(builtin):
    report = run_cohort(records("ethnicity_reviews.ndjson"), select_rules(builtin, ["LDA-COHORT-004"]), as_of=AS_OF)
    assert report.skipped == ["LDA-COHORT-004"] and report.results == [] and report.findings == []


def test_a_run_keeps_only_counters(builtin):
    run = CohortRun(select_rules(builtin, ["LDA-COHORT-001"]), as_of=AS_OF)
    from leder_audit.engine import record_data

    for record in records("reviews.ndjson"):
        run.add(record_data(record))
    counters = run.counters[0]
    assert all(isinstance(k, tuple) and all(isinstance(v, str) for v in k) for k in counters)
    assert {type(c).__name__ for c in counters.values()} == {"_Counter"}


# ---- outputs -----------------------------------------------------------------------------------

import csv  # noqa: E402
import io  # noqa: E402
import xml.etree.ElementTree as ET  # noqa: E402
from datetime import datetime, timezone  # noqa: E402

from leder_audit.cli import main  # noqa: E402
from leder_audit.cohort.report import measure_report  # noqa: E402
from leder_audit.cohort.svg import cohort_svg  # noqa: E402
from leder_audit.cohort.ethnicity import load_population  # noqa: E402

ALL = [str(COHORT / n) for n in ("reviews.ndjson", "certificates.ndjson", "dnacpr.ndjson", "ethnicity_reviews.ndjson")]
POPULATION = str(FIXTURES / "population_census2021.csv")


@pytest.fixture(scope="module")
def full_report(builtin):
    items = [json.loads(line) for path in ALL for line in open(path)]
    return run_cohort(items, builtin, load_population(POPULATION), as_of=AS_OF)


def test_cohort_command_json_carries_results_findings_and_counts(capsys):
    code = main(["cohort", *ALL, "--population", POPULATION, "--as-of", "2024-06-30", "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 1
    assert data["summary"]["records_checked"] == 15 + 7 + 5 + 41
    keys = {(f["rule_id"], f["record_id"]) for f in data["findings"]}
    assert keys == {("LDA-COHORT-001", "ics=QWE quarter=2023Q1"), ("LDA-COHORT-002", "quarter=2023Q1"),
                    ("LDA-COHORT-003", "quarter=2023Q3 form=dnacpr")} | {
        ("LDA-COHORT-001", f"ics=E01009153 quarter=2023Q{q}") for q in (1, 2, 3, 4)}
    first = next(r for r in data["results"] if r["key"] == "ics=QWE quarter=2023Q1")
    assert first["evidence"] == "4 of 6 (67%)" and first["lower"] == 0.3


def test_cohort_command_csv_has_a_row_per_group(capsys):
    assert main(["cohort", ALL[2], "--as-of", "2024-06-30", "--format", "csv"]) == 1
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["key"], r["numerator"], r["denominator"], r["raised"]) for r in rows] == [
        ("quarter=2023Q3 form=dnacpr", "2", "3", "True"), ("quarter=2023Q3 form=respect", "0", "2", "False")]


def test_cohort_command_exits_0_without_findings_and_2_on_a_missing_population_file(capsys, tmp_path):
    quiet = tmp_path / "quiet.ndjson"
    quiet.write_text(json.dumps({"record_type": "dnacpr_decision", "id": "D", "decision_date": "2023-01-01",
                                 "rationale": "end-stage COPD"}) + "\n")
    assert main(["cohort", str(quiet)]) == 0
    assert main(["cohort", str(quiet), "--population", str(tmp_path / "missing.csv")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_measure_report_is_a_valid_fhir_r4_summary(full_report):
    from fhir.resources.R4B.measurereport import MeasureReport

    document = measure_report(full_report, AS_OF, datetime(2024, 6, 30, tzinfo=timezone.utc))
    report = MeasureReport.model_validate(document)
    assert report.type == "summary" and report.status == "complete"
    assert [g.id for g in report.group] == [r.id for r in full_report.rules]
    timely = report.group[0]
    assert [s.text for s in timely.stratifier[0].code] == ["ics", "quarter"]
    stratum = next(s for s in timely.stratifier[0].stratum
                   if [c.value.text for c in s.component] == ["QWE", "2023Q1"])
    counts = {p.code.coding[0].code: p.count for p in stratum.population}
    assert counts == {"initial-population": 6, "denominator": 6, "numerator": 4}
    assert float(stratum.measureScore.value) == pytest.approx(0.6667, abs=1e-4)
    small = next(s for s in timely.stratifier[0].stratum if [c.value.text for c in s.component] == ["RTY", "2023Q1"])
    assert small.measureScore is None  # a small number has counts, no score
    assert str(report.period.start) == "2023-01-05" and str(report.period.end) == "2023-12-15"


def test_cohort_command_fhir_output(capsys):
    assert main(["cohort", ALL[0], "--as-of", "2024-06-30", "--format", "fhir", "--select", "LDA-COHORT-005"]) == 0
    document = json.loads(capsys.readouterr().out)
    (group,) = document["group"]
    stratum = next(s for s in group["stratifier"][0]["stratum"] if s["component"][0]["value"]["text"] == "QWE")
    # The median of the days from each review's six-month deadline to its completion (fixtures/cohort/README.md).
    assert stratum["measureScore"] == {"value": -10.5, "unit": "d", "system": "http://unitsofmeasure.org", "code": "d"}


def test_cohort_svg_is_self_contained_marks_raised_groups_and_writes_small_numbers(full_report):
    svg = cohort_svg(full_report.results)
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "<script" not in svg and "href" not in svg
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "ics=QWE quarter=2023Q1" in texts
    assert "small number: 2 of 3" in texts
    red = [r for r in root.iter("{http://www.w3.org/2000/svg}rect") if r.get("fill") == "#c0392b"]
    assert len(red) == len([r for r in full_report.results if r.raised])


def test_html_section_embeds_both_charts(full_report):
    from leder_audit.cohort.svg import html_section
    from leder_audit.cohort.trend import compute_trend

    trend = compute_trend([json.loads(line) for line in open(ALL[0])],
                          __import__("leder_audit").load_rulebook(COHORT / "trend_rules", builtin=False), as_of=AS_OF)
    section = html_section(full_report.results, trend)
    assert section.startswith('<section id="cohort">') and section.count("<svg") == 4
    assert section.count('<svg class="full"') == section.count('<svg class="narrow"') == 2
    assert html_section().count("<svg") == 0


FAMILY_RULE = RULE.replace("tags: [review-timeliness]", "tags: [family-involvement]").replace(
    "measure:\n  kind: median\n  value: review_completed_date - notification_date",
    "measure:\n  kind: proportion\n  numerator: family.invited_to_contribute == false").replace(
    "raise_when: median_days > 150", "raise_when: proportion > 0.1").replace(
    'message: "{group} took {median_days} days ({evidence})"',
    'message: "{group}: {evidence}; documentation {completeness} complete"')


def family_reviews() -> list[dict]:
    """Ten reviews in one area: three say nothing of the family, two record that it was not invited."""
    reviews = []
    for n in range(10):
        review = {"record_type": "mortality_review", "id": f"F{n}", "area": {"ics": "QWE"}}
        if n >= 3:
            review["family"] = {"invited_to_contribute": n >= 5}
        reviews.append(review)
    return reviews


def test_a_cohort_rate_counts_recorded_failures_only_and_gives_completeness_beside_it(tmp_path):
    write_rule(tmp_path, FAMILY_RULE)
    report = run_cohort(family_reviews(), load_cohort_rules(tmp_path, builtin=False), as_of=AS_OF)
    (result,) = report.results
    assert (result.numerator, result.unknown, result.denominator) == (2, 3, 10)
    assert result.proportion == pytest.approx(0.2) and result.completeness == pytest.approx(0.7)
    assert result.evidence() == "2 of 10 (20%); 3 not recorded (70% complete)"
    (finding,) = report.findings
    assert finding.message == "ics=QWE: 2 of 10 (20%); 3 not recorded (70% complete); documentation 70% complete"


def test_a_cohort_rule_may_raise_on_documentation_completeness(tmp_path):
    write_rule(tmp_path, FAMILY_RULE.replace("raise_when: proportion > 0.1", "raise_when: completeness < 0.8"))
    report = run_cohort(family_reviews(), load_cohort_rules(tmp_path, builtin=False), as_of=AS_OF)
    assert [f.record_id for f in report.findings] == ["ics=QWE"]


def test_cohort_csv_carries_completeness():
    from leder_audit.cohort.report import CSV_COLUMNS, csv_rows

    report = run_cohort(records("reviews.ndjson"), load_cohort_rules(), as_of=AS_OF)
    header, *rows = list(csv_rows(report.results))
    assert header == list(CSV_COLUMNS) and "completeness" in header
    assert any(row[header.index("completeness")] != "" for row in rows)


def late_by_two_days(n: int = 5) -> list[dict]:
    """Reviews notified on 15 February and completed 183 days later: two days after 15 August, their deadline."""
    return [{"record_type": "mortality_review", "id": f"L{i}", "area": {"ics": "QWE"}, "notification_date": "2023-02-15",
             "review_completed_date": "2023-08-17"} for i in range(n)]


def test_the_median_rule_and_the_record_rule_share_one_six_month_deadline(builtin, book):
    median_rule = [r for r in builtin if r.id == "LDA-COHORT-005"]
    report = run_cohort(late_by_two_days(), median_rule, as_of=AS_OF)
    (result,) = report.results
    assert result.median_days == 2 and result.raised
    assert all(book.select(["LDA-REVIEW-001"]).check(r, as_of=AS_OF) for r in late_by_two_days())
    on_time = run_cohort(late_by_two_days(), [r for r in builtin if r.id == "LDA-COHORT-001"], as_of=AS_OF)
    assert on_time.results[0].numerator == 0


def test_a_review_completed_on_its_deadline_day_is_on_time_for_every_rule(builtin, book):
    reviews = [{**r, "review_completed_date": "2023-08-15"} for r in late_by_two_days()]
    (result,) = run_cohort(reviews, [r for r in builtin if r.id == "LDA-COHORT-005"], as_of=AS_OF).results
    assert result.median_days == 0 and not result.raised
    assert not any(book.select(["LDA-REVIEW-001"]).check(r, as_of=AS_OF) for r in reviews)


def decisions(setting: str | None, days: list[str]) -> list[dict]:
    """DNACPR decisions in one setting, one per day listed (a day listed twice is two decisions that day)."""
    return [{"record_type": "dnacpr_decision", "id": f"{setting}-{n}", "form": "dnacpr", "decision_date": day,
             **({"setting": setting} if setting else {})} for n, day in enumerate(days)]


def blanket(records: list[dict]):
    rules = [r for r in load_cohort_rules() if r.id == "LDA-COHORT-006"]
    return run_cohort(records, rules, as_of=AS_OF)


def test_many_dnacpr_decisions_on_one_day_in_one_setting_raise_a_blanket_decision_finding():
    report = blanket(decisions("Oak House care home", ["2024-04-02"] * 6 + ["2024-04-09"]))
    (finding,) = report.findings
    assert finding.record_id == "setting=Oak House care home date=2024-04-02"
    assert finding.tags == ["dnacpr-process"] and "for each person" in finding.message


@pytest.mark.parametrize("records", [
    decisions("Oak House care home", ["2024-04-02"] * 4),  # four in a day: fewer than five
    decisions("Oak House care home", [f"2024-04-0{d}" for d in range(1, 8)]),  # one a day
    decisions("Oak House care home", ["2024-04-02"] * 3) + decisions("Ward 7", ["2024-04-02"] * 3),  # two settings
    decisions(None, ["2024-04-02"] * 8),  # no setting recorded: not counted
])
def test_decisions_spread_over_days_or_settings_raise_nothing(records):
    assert blanket(records).findings == []


def _review(n: int, completed: str | None, hold: dict | None = None) -> dict:
    record = {"record_type": "mortality_review", "id": f"H{n:02}", "area": {"ics": "HLD"},
              "notification_date": "2023-01-10"}
    if completed:
        record["review_completed_date"] = completed
    if hold:
        record["hold"] = hold
    return record


CORONER_HOLD = {"reason": "coroner", "start_date": "2023-02-01", "end_date": "2023-05-01"}  # 89 days


def test_time_on_hold_moves_the_deadline_of_the_timeliness_proportion(builtin):
    reviews = [_review(n, "2023-06-01") for n in range(4)] + [
        _review(4, "2023-09-01", CORONER_HOLD),  # 7.7 months, less 89 days on hold: on time
        _review(5, None, {"reason": "police", "start_date": "2023-03-01"}),  # still on hold: not judged
        _review(6, "2023-12-01", CORONER_HOLD),  # late even with the hold taken off
    ]
    report = run_cohort(reviews, select_rules(builtin, ["LDA-COHORT-001"]), as_of=AS_OF)
    (result,) = report.results
    assert (result.numerator, result.denominator) == (5, 6)


def test_an_open_hold_is_judged_once_the_hold_ends(builtin):
    ended = {"reason": "police", "start_date": "2023-03-01", "end_date": "2023-04-01"}
    reviews = [_review(n, "2023-06-01") for n in range(4)] + [_review(5, None, ended)]
    report = run_cohort(reviews, select_rules(builtin, ["LDA-COHORT-001"]), as_of=AS_OF)
    (result,) = report.results
    assert (result.numerator, result.denominator) == (4, 5)


def test_the_median_lateness_leaves_out_reviews_put_on_hold(builtin):
    on_time = [_review(n, "2023-06-01") for n in range(3)]
    held = [_review(n, "2023-10-01", CORONER_HOLD) for n in range(3, 7)]  # late only if the hold is ignored
    report = run_cohort(on_time + held, select_rules(builtin, ["LDA-COHORT-005"]), as_of=AS_OF)
    (result,) = report.results
    assert report.findings == [] and result.denominator == 3
