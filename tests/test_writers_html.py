"""The HTML report as written: self-contained, its numbers, its rule table, the findings it carries and the
ones a cap leaves out, escaping; what a browser does with it is in test_html_browser.py."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from leder_audit.cli import main
from leder_audit.findings import SEVERITIES
from leder_audit.writers.html import natural, script_json

from .conftest import FIXTURES

INPUTS = [str(FIXTURES / "death_certificates.ndjson"), str(FIXTURES / "export.csv"), str(FIXTURES / "fhir_dnacpr_bundle.json")]
# The page's layout of one finding (HtmlWriter._row, and the FIELDS at the top of report.js).
RULE, SEV, RECORD, TYPE, SOURCE, LOCATION, PATH, TAGS, TITLE, MESSAGE, BEFORE, MARK, AFTER, NOT_RECORDED = range(14)


class Page(HTMLParser):
    """What a test needs from the page: texts by element id, rows of static tables, external references."""

    def __init__(self) -> None:
        super().__init__()
        self.by_id: dict[str, str] = {}
        self.open_ids: list[tuple[str, str]] = []
        self.external: list[str] = []
        self.options: dict[str, list[str]] = {}
        self.current_select = ""
        self.rule_rows: list[str] = []
        self.left_out: dict[str, str] = {}
        self.current_left_out = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.open_ids.append((tag, attrs["id"]))
            self.by_id.setdefault(attrs["id"], "")
        if "data-rule-row" in attrs:
            self.rule_rows.append(attrs["data-rule-row"])
        if attrs.get("class") == "left-out":
            self.current_left_out = attrs["data-severity"]
        if tag in ("script", "link", "img", "iframe") and (attrs.get("src") or attrs.get("href")):
            self.external.append(attrs.get("src") or attrs.get("href"))
        if tag == "select":
            self.current_select = attrs.get("id", "")
            self.options[self.current_select] = []
        if tag == "option":
            self.options[self.current_select].append(attrs.get("value", ""))

    def handle_endtag(self, tag):
        if self.open_ids and self.open_ids[-1][0] == tag:
            self.open_ids.pop()

    def handle_data(self, data):
        for _, ident in self.open_ids:
            self.by_id[ident] += data
        if self.current_left_out:
            self.left_out[self.current_left_out] = data
            self.current_left_out = ""


def page_data(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', html, re.S)
    assert found, "the page carries its findings as JSON"
    return json.loads(found.group(1))


def make_report(tmp_path, *extra: str, inputs=INPUTS, mapping=True):
    out = tmp_path / "report.html"
    given = [*inputs, *(["--mapping", str(FIXTURES / "export_mapping.yaml")] if mapping else []), "--as-of", "2024-06-30"]
    main(["check", *given, "--format", "html", "--output", str(out), *extra])
    summary_file = tmp_path / "summary.json"
    main(["check", *given, "--format", "json", "--output", str(summary_file)])
    html = out.read_text(encoding="utf-8")
    page = Page()
    page.feed(html)
    return html, page, json.loads(summary_file.read_text())


def test_the_report_shows_the_counts_of_the_run(tmp_path):
    html, page, report = make_report(tmp_path)
    summary = report["summary"]
    assert int(page.by_id["records-read"]) == summary["records_read"]
    assert int(page.by_id["records-checked"]) == summary["records_checked"]
    assert int(page.by_id["records-rejected"]) == summary["records_rejected"]
    assert int(page.by_id["findings-total"]) == summary["findings"] == len(page_data(html)["findings"])
    assert int(page.by_id["not-recorded-total"]) == summary["not_recorded"]


def test_the_report_carries_the_run_header(tmp_path):
    html, _, report = make_report(tmp_path)
    assert report["run"]["rulebook_hash"] in html and report["run"]["version"] in html
    assert all(i["sha256"] in html for i in report["run"]["inputs"])


def test_the_report_is_self_contained(tmp_path):
    html, page, _ = make_report(tmp_path)
    assert page.external == []
    assert "@import" not in html and "url(" not in html and "<svg" in html and "@media print" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html.split('id="rules"')[0])


def test_the_charts_count_findings_by_theme_and_severity_and_each_bar_names_its_filter(tmp_path):
    html, _, report = make_report(tmp_path)
    for severity, n in report["summary"]["by_severity"].items():
        assert f'data-name="{severity}" data-count="{n}" data-filter="severity=only-{severity}"' in html
    for theme, n in report["summary"]["by_theme"].items():
        assert f'data-name="{theme}" data-count="{n}" data-filter="theme={theme}&amp;status=recorded"' in html


def test_filters_offer_every_theme_severity_and_fired_rule(tmp_path):
    _, page, report = make_report(tmp_path)
    summary = report["summary"]
    themes = set(summary["by_theme"]) | set(summary["not_recorded_by_theme"])
    assert set(page.options["f-theme"]) - {""} == themes
    severities = set(summary["by_severity"])
    assert set(page.options["f-severity"]) - {""} == severities | {f"only-{s}" for s in severities}
    assert set(page.options["f-rule"]) - {""} == {f["rule_id"] for f in report["findings"]}
    assert set(page.options["f-status"]) == {"", "recorded", "not-recorded"}


def test_every_finding_is_carried_once_with_its_evidence_marked_in_its_source_text(tmp_path):
    html, _, report = make_report(tmp_path)
    data = page_data(html)
    rules, strings = data["rules"], data["strings"]
    carried = sorted((rules[f[RULE]]["id"], f[RECORD], strings[f[MESSAGE]], f[MARK]) for f in data["findings"])
    expected = sorted((f["rule_id"], f["record_id"], f["message"], f["evidence"]["text"] if f["evidence"] else None)
                      for f in report["findings"])
    assert carried == expected
    shown = [(f[BEFORE], f[MARK], f[AFTER]) for f in data["findings"] if f[MARK] == "Severe learning disabilities"]
    assert shown and shown[0][0] == "" and shown[0][2].startswith(", poor quality of life")


def test_findings_are_carried_most_severe_first_then_by_rule_and_record(tmp_path):
    html, _, _ = make_report(tmp_path)
    data = page_data(html)
    keys = [(-f[SEV], data["rules"][f[RULE]]["id"], natural(data["strings"][f[TYPE]] + " " + f[RECORD]))
            for f in data["findings"]]
    assert keys == sorted(keys) and len({k[0] for k in keys}) > 1


@pytest.mark.parametrize("text, key", [("D2", "d000000000002"), ("Record 10b", "record 000000000010b")])
def test_numbers_in_record_ids_sort_by_value(text, key):
    assert natural(text) == key and natural("D2") < natural("D10")


def test_each_rule_carries_its_references_once_not_each_finding(tmp_path):
    html, _, report = make_report(tmp_path)
    data = page_data(html)
    by_id = {r["id"]: r for r in data["rules"]}
    for finding in report["findings"]:
        refs = by_id[finding["rule_id"]]["refs"]
        assert len(refs) == len(finding["references"])
        assert all(mine["text"].startswith(theirs["source"]) for mine, theirs in zip(refs, finding["references"]))
    assert all(len(f) == 14 for f in data["findings"])


def test_the_rule_table_gives_each_rules_denominators_rate_and_completeness(tmp_path):
    _, page, report = make_report(tmp_path)
    applied = {rule_id for rule_id, stats in report["rules"].items() if stats["applied"]}
    assert set(page.rule_rows) == applied


@pytest.mark.parametrize("cap", [0, 3, 7])
def test_the_cap_keeps_the_most_severe_findings_and_counts_what_it_left_out(tmp_path, cap):
    html, page, report = make_report(tmp_path, "--html-max-findings", str(cap))
    data = page_data(html)
    everything = sorted((SEVERITIES.index(f["severity"]) for f in report["findings"]), reverse=True)
    kept = [f[SEV] for f in data["findings"]]
    assert kept == everything[:cap]
    assert int(page.by_id["findings-total"]) == report["summary"]["findings"] > cap
    left = {s: everything[cap:].count(SEVERITIES.index(s)) for s in SEVERITIES}
    assert page.left_out == {s: f"{n} {s}" for s, n in left.items() if n}
    assert page.by_id["listed-total"] == str(cap)


def test_among_equally_severe_findings_the_cap_keeps_the_first_found(tmp_path):
    html, _, report = make_report(tmp_path, "--html-max-findings", "2")
    critical = [(f["rule_id"], f["record_id"]) for f in report["findings"] if f["severity"] == "critical"]
    data = page_data(html)
    assert len(critical) > 2
    assert sorted((data["rules"][f[RULE]]["id"], f[RECORD]) for f in data["findings"]) == sorted(critical[:2])


def test_no_cap_is_needed_when_every_finding_fits(tmp_path):
    _, page, _ = make_report(tmp_path)
    assert "truncated" not in page.by_id


def test_rejected_records_are_listed_with_their_reasons(tmp_path):
    bad = tmp_path / "bad.ndjson"
    bad.write_text('{"record_type": "death_certificate", "id": "X", "person": {"age": "old"}}\n')
    out = tmp_path / "r.html"
    main(["check", str(bad), "--format", "html", "--output", str(out)])
    page = Page()
    page.feed(out.read_text())
    assert page.by_id["records-rejected"] == "1" and "person.age" in page.by_id["rejected"]


HOSTILE = '</script><script>alert(1)</script><!-- <b onmouseover=x>'


def test_record_text_can_neither_close_the_data_nor_open_a_tag(tmp_path):
    records = tmp_path / "hostile.ndjson"
    records.write_text(json.dumps({"record_type": "dnacpr_decision", "id": HOSTILE,
                                   "rationale": f"Learning disability {HOSTILE} and frailty"}) + "\n")
    out = tmp_path / "hostile.html"
    main(["check", str(records), "--format", "html", "--output", str(out), "--as-of", "2024-06-30"])
    html = out.read_text(encoding="utf-8")
    assert "alert(1)" in html and "<script>alert" not in html and "<b onmouseover" not in html
    data = page_data(html)
    assert {f[RECORD] for f in data["findings"]} == {HOSTILE}
    assert any(HOSTILE in f[AFTER] for f in data["findings"])


@pytest.mark.parametrize("text", ["</script>", "<!--", "a & b", "\u2028", "<\\/script>"])
def test_script_json_reads_back_as_the_same_value(text):
    encoded = str(script_json({"t": text}))
    assert "<" not in encoded and "\u2028" not in encoded and json.loads(encoded) == {"t": text}


def family_reviews(tmp_path) -> str:
    """Ten reviews of one area and quarter: three with no family block, two whose family was not invited."""
    path = tmp_path / "family.ndjson"
    lines = []
    for n in range(10):
        record = {"record_type": "mortality_review", "id": f"F{n}", "notification_date": "2024-01-10",
                  "area": {"ics": "QWE"}}
        if n >= 3:
            record["family"] = {"invited_to_contribute": n >= 5}
        lines.append(json.dumps(record))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def family_page(tmp_path) -> str:
    out = tmp_path / "family.html"
    main(["check", family_reviews(tmp_path), "--select", "LDA-REVIEW-008", "--as-of", "2024-06-30",
          "--format", "html", "--output", str(out)])
    return out.read_text(encoding="utf-8")


def test_not_recorded_findings_are_listed_but_left_out_of_the_theme_failures(tmp_path):
    html = family_page(tmp_path)
    data = page_data(html)
    assert len(data["findings"]) == 5 and sum(f[NOT_RECORDED] for f in data["findings"]) == 3
    assert all(("not-recorded" in data["strings"][f[TAGS]].split()) == bool(f[NOT_RECORDED]) for f in data["findings"])
    theme_chart = html[html.index('id="chart-theme"'):html.index('id="chart-not-recorded"')]
    assert 'data-name="family-involvement" data-count="2"' in theme_chart
    gap_chart = html[html.index('id="chart-not-recorded"'):]
    assert 'data-name="family-involvement" data-count="3"' in gap_chart[:gap_chart.index("</figure>")]


def test_the_rule_table_rate_leaves_out_records_that_did_not_record_what_the_rule_needs(tmp_path):
    html = family_page(tmp_path)
    row = re.search(r'<tr data-rule-row="LDA-REVIEW-008">(.*?)</tr>', html, re.S).group(1)
    cells = dict(re.findall(r'<td class="num ([a-z-]+)">([^<]*)</td>', row))
    # 10 reviews: 3 without a family block (not recorded), 2 of the other 7 not invited: 2 of 7 is 29%.
    assert cells == {"applied": "10", "fired": "5", "failures": "2", "not-recorded": "3", "errored": "0",
                     "rate": "29%", "completeness": "7 of 10 (70%)"}


def test_the_reports_theme_rates_count_recorded_failures_beside_completeness(tmp_path):
    page = Page()
    page.feed(family_page(tmp_path))
    table = page.by_id["theme-completeness"]
    # 10 reviews: 2 recorded failures (20%), 3 not recorded, so 70% complete.
    assert "family involvement" in table.lower() and "2 (20%)" in table and "70%" in table
