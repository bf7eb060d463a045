"""The inspector's HTML report draws cohort measures and change over time from the same pass as its findings."""

from __future__ import annotations

import html
import re

from leder_audit import load_rulebook
from leder_audit.cli import main
from leder_audit.readers import read
from leder_audit.cohort.trend import compute_trend
from leder_audit.themes import theme_title

from .conftest import FIXTURES

INPUTS = [str(FIXTURES / "cohort" / "reviews.ndjson"), str(FIXTURES / "cohort" / "certificates.ndjson")]


def report(tmp_path, capsys, *extra: str) -> str:
    out = tmp_path / "report.html"
    main(["check", *INPUTS, "--format", "html", "--output", str(out), "--as-of", "2024-06-30", *extra])
    capsys.readouterr()
    return out.read_text(encoding="utf-8")


def cohort_section(page: str) -> str:
    start = page.index('<section id="cohort">')
    return page[start:page.index("</section>", start)]


def test_html_report_draws_cohort_measures_and_trend_as_inline_svg(tmp_path, capsys):
    section = cohort_section(report(tmp_path, capsys))
    assert section.count('<svg class="full"') == section.count('<svg class="narrow"') == 2  # and the phone's
    # Hand-computed in fixtures/cohort/README.md: QWE 2023Q1, 4 of 6 reviews completed within six months.
    assert "LDA-COHORT-001" in section and "4 of 6 (67%)" in section
    assert "http" not in section.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_trend_chart_in_the_report_matches_the_trend_command(tmp_path, capsys):
    section = "".join(re.findall(r'<svg class="full".*?</svg>', cohort_section(report(tmp_path, capsys)), re.S))
    trend = compute_trend((item for path in INPUTS for item in read(path)), load_rulebook())
    themes = sorted({row.theme for row in trend.rows})
    drawn = re.findall(r'<g data-theme="([a-z-]+)"><text [^>]*font-weight="bold"[^>]*>([^<]+)</text>', section)
    assert [tag for tag, _ in drawn] == themes
    assert [html.unescape(words) for _, words in drawn] == [theme_title(tag) for tag in themes]
    assert all(" " in words or tag.count("-") == 0 for tag, words in drawn)


def test_with_jobs_the_report_is_still_made_whole_in_one_process(tmp_path, capsys):
    one = report(tmp_path, capsys)
    out = tmp_path / "jobs.html"
    main(["check", *INPUTS, "--format", "html", "--output", str(out), "--as-of", "2024-06-30", "--jobs", "2"])
    assert "made in one process" in capsys.readouterr().err
    two = out.read_text(encoding="utf-8")
    assert cohort_section(two) == cohort_section(one) and cohort_section(two).count("<svg") == 4
