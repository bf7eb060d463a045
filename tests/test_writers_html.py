"""The HTML report: self-contained, its numbers, its filters, its evidence marks; parsed and rendered headless."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from leder_audit.cli import main

from .conftest import FIXTURES

INPUTS = [str(FIXTURES / "death_certificates.ndjson"), str(FIXTURES / "export.csv"), str(FIXTURES / "fhir_dnacpr_bundle.json")]


class Page(HTMLParser):
    """What a test needs from the page: texts by element id, table rows, external references, marks."""

    def __init__(self) -> None:
        super().__init__()
        self.by_id: dict[str, str] = {}
        self.open_ids: list[tuple[str, str]] = []
        self.rows: list[dict[str, str]] = []
        self.external: list[str] = []
        self.marks: list[str] = []
        self.in_mark = False
        self.options: dict[str, list[str]] = {}
        self.current_select = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.open_ids.append((tag, attrs["id"]))
            self.by_id.setdefault(attrs["id"], "")
        if tag == "tr" and "data-rule" in attrs:
            self.rows.append(attrs)
        if tag in ("script", "link", "img", "iframe") and (attrs.get("src") or attrs.get("href")):
            self.external.append(attrs.get("src") or attrs.get("href"))
        if tag == "mark":
            self.in_mark = True
            self.marks.append("")
        if tag == "select":
            self.current_select = attrs.get("id", "")
            self.options[self.current_select] = []
        if tag == "option":
            self.options[self.current_select].append(attrs.get("value", ""))

    def handle_endtag(self, tag):
        if self.open_ids and self.open_ids[-1][0] == tag:
            self.open_ids.pop()
        if tag == "mark":
            self.in_mark = False

    def handle_data(self, data):
        for _, ident in self.open_ids:
            self.by_id[ident] += data
        if self.in_mark:
            self.marks[-1] += data


def make_report(tmp_path, *extra: str):
    out = tmp_path / "report.html"
    main(["check", *INPUTS, "--mapping", str(FIXTURES / "export_mapping.yaml"), "--as-of", "2024-06-30",
          "--format", "html", "--output", str(out), *extra])
    summary_file = tmp_path / "summary.json"
    main(["check", *INPUTS, "--mapping", str(FIXTURES / "export_mapping.yaml"), "--as-of", "2024-06-30",
          "--format", "json", "--output", str(summary_file)])
    page = Page()
    page.feed(out.read_text(encoding="utf-8"))
    return out, page, json.loads(summary_file.read_text())


def test_the_report_shows_the_counts_of_the_run(tmp_path):
    _, page, report = make_report(tmp_path)
    summary = report["summary"]
    assert int(page.by_id["records-read"]) == summary["records_read"]
    assert int(page.by_id["records-checked"]) == summary["records_checked"]
    assert int(page.by_id["records-rejected"]) == summary["records_rejected"]
    assert int(page.by_id["findings-total"]) == summary["findings"] == len(page.rows)


def test_the_report_carries_the_run_header(tmp_path):
    out, _, report = make_report(tmp_path)
    html = out.read_text()
    assert report["run"]["rulebook_hash"] in html and report["run"]["version"] in html
    assert all(i["sha256"] in html for i in report["run"]["inputs"])


def test_the_report_is_self_contained(tmp_path):
    out, page, _ = make_report(tmp_path)
    html = out.read_text()
    assert page.external == []
    assert "@import" not in html and "url(" not in html and "<svg" in html and "@media print" in html


def test_the_charts_count_findings_by_theme_and_severity(tmp_path):
    out, _, report = make_report(tmp_path)
    html = out.read_text()
    for severity, n in report["summary"]["by_severity"].items():
        assert f'data-name="{severity}" data-count="{n}"' in html
    for theme, n in report["summary"]["by_theme"].items():
        assert f'data-name="{theme}" data-count="{n}"' in html


def test_filters_offer_every_theme_severity_and_fired_rule(tmp_path):
    _, page, report = make_report(tmp_path)
    summary = report["summary"]
    themes = set(summary["by_theme"]) | set(summary["not_recorded_by_theme"])
    assert set(page.options["f-theme"]) - {""} == themes | ({"not-recorded"} if summary["not_recorded"] else set())
    assert set(page.options["f-severity"]) - {""} == set(report["summary"]["by_severity"])
    assert {f["rule_id"] for f in report["findings"]} <= set(page.options["f-rule"])


def test_evidence_is_marked_in_its_source_text(tmp_path):
    out, page, report = make_report(tmp_path)
    evidence = [f["evidence"]["text"] for f in report["findings"] if f["evidence"]]
    assert evidence and sorted(page.marks) == sorted(evidence)
    assert "<mark>Severe learning disabilities</mark>, poor quality of life" in out.read_text()


def test_the_table_is_capped_and_says_so_while_counts_stay_exact(tmp_path):
    _, page, report = make_report(tmp_path, "--html-max-findings", "2")
    assert len(page.rows) == 2 and "truncated" in page.by_id
    assert int(page.by_id["findings-total"]) == report["summary"]["findings"] > 2


def test_rejected_records_are_listed_with_their_reasons(tmp_path):
    bad = tmp_path / "bad.ndjson"
    bad.write_text('{"record_type": "death_certificate", "id": "X", "person": {"age": "old"}}\n')
    out = tmp_path / "r.html"
    main(["check", str(bad), "--format", "html", "--output", str(out)])
    page = Page()
    page.feed(out.read_text())
    assert page.by_id["records-rejected"] == "1" and "person.age" in page.by_id["rejected"]


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
    page = Page()
    page.feed(html)
    assert len(page.rows) == 5 and sum("not-recorded" in row["data-tags"].split() for row in page.rows) == 3
    theme_chart = html[html.index('id="chart-theme"'):html.index('id="chart-not-recorded"')]
    assert 'data-name="family-involvement" data-count="2"' in theme_chart
    gap_chart = html[html.index('id="chart-not-recorded"'):]
    assert 'data-name="family-involvement" data-count="3"' in gap_chart[:gap_chart.index("</figure>")]
    assert "not-recorded" in page.options["f-theme"]


def test_the_report_shows_each_rules_documentation_completeness(tmp_path):
    page = Page()
    page.feed(family_page(tmp_path))
    assert "LDA-REVIEW-008" in page.by_id["completeness"] and "7 of 10 (70%)" in page.by_id["completeness"]


def test_the_reports_theme_rates_count_recorded_failures_beside_completeness(tmp_path):
    page = Page()
    page.feed(family_page(tmp_path))
    table = page.by_id["theme-completeness"]
    # 10 reviews: 2 recorded failures (20%), 3 not recorded, so 70% complete.
    assert "family-involvement" in table and "2 (20%)" in table and "70%" in table


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def render(url: str, tmp_path) -> str:
    browser = chromium()
    if browser is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed; .ci/run installs it with apt-get")
        pytest.skip("chromium is not installed")
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    done = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                           "--disable-component-update", "--no-first-run", f"--user-data-dir={profile}",
                           "--dump-dom", url], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_a_browser_shows_the_summary_and_every_finding(tmp_path):
    out, _, report = make_report(tmp_path)
    page = Page()
    page.feed(render(out.as_uri(), tmp_path))
    assert int(page.by_id["findings-total"]) == report["summary"]["findings"]
    assert int(page.by_id["shown-count"]) == report["summary"]["findings"]


@pytest.mark.parametrize("query", ["severity=critical", "theme=ld-dnacpr-rationale", "rule=LDA-DNACPR-001"])
def test_a_browser_shows_the_right_count_for_a_filter_given_in_the_url(tmp_path, query):
    out, _, report = make_report(tmp_path)
    key, value = query.split("=")
    field = {"severity": lambda f: f["severity"] == value, "theme": lambda f: value in f["tags"],
             "rule": lambda f: f["rule_id"] == value}[key]
    expected = sum(1 for f in report["findings"] if field(f))
    assert expected > 0
    dom = render(out.as_uri() + "#" + query, tmp_path)
    page = Page()
    page.feed(dom)
    assert int(page.by_id["shown-count"]) == expected
    assert sum(1 for row in page.rows if row.get("class") != "hidden") == expected
