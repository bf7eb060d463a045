"""The report's cohort and trend charts: nothing drawn outside the picture, a colour for each of up to twelve
areas, every legend inside its panel, themes named in words."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from leder_audit.cohort.run import GroupResult
from leder_audit.cohort.svg import NARROW, PALETTE, cohort_narrow_svg, text_width, trend_narrow_svg, trend_svg
from leder_audit.cohort.trend import Trend, TrendRow
from leder_audit.themes import THEME_TITLES, theme_title

SVG = "{http://www.w3.org/2000/svg}"
AREAS = [f"NHS {name} Integrated Care Board" for name in (
    "Birmingham and Solihull", "Cheshire and Merseyside", "Devon", "Greater Manchester", "Kent and Medway",
    "North Central London", "North East and North Cumbria", "Black Country", "Cornwall and the Isles of Scilly",
    "Herefordshire and Worcestershire", "Lancashire and South Cumbria", "South Yorkshire")]


def trend(areas: list[str], themes: list[str]) -> Trend:
    rows = [TrendRow(theme=theme, area=area, period=period, numerator=n % 5, denominator=10, rate=(n % 5) / 10)
            for n, (theme, area, period) in enumerate((t, a, p) for t in themes for a in areas
                                                      for p in ("2023Q1", "2023Q2", "2023Q3"))]
    return Trend(by="ics", rows=rows, changes=[])


def drawn(svg: str) -> tuple[ET.Element, float, float]:
    root = ET.fromstring(svg)
    return root, float(root.get("width")), float(root.get("height"))


@pytest.mark.parametrize("count", [1, 5, 12])
def test_up_to_twelve_areas_each_get_their_own_colour(count):
    root, _, _ = drawn(trend_svg(trend(AREAS[:count], ["family-involvement"])))
    legend = [r.get("fill") for r in root.iter(SVG + "rect") if r.get("width") == "10"]
    assert len(legend) == count == len(set(legend))
    assert len(set(PALETTE)) == len(PALETTE) == 12


def inside(root: ET.Element, width: float, height: float) -> list[ET.Element]:
    """Every text of the picture, each checked to lie wholly inside it."""
    texts = list(root.iter(SVG + "text"))
    for text in texts:
        x, anchor = float(text.get("x")), text.get("text-anchor")
        span = text_width(text.text or "", bold=text.get("font-weight") == "bold")
        left = x - span if anchor == "end" else x - span / 2 if anchor == "middle" else x
        assert left >= 0 and left + span <= width, text.text
        assert 0 <= float(text.get("y")) <= height
    return texts


def test_no_legend_or_label_runs_past_the_picture_or_into_the_next_panel():
    themes = ["family-involvement", "ld-dnacpr-background"]
    root, width, height = drawn(trend_svg(trend(AREAS, themes)))
    texts = inside(root, width, height)
    titles = [t for t in texts if t.get("font-weight") == "bold"]
    panel_tops = [float(t.get("y")) for t in titles]
    legend = [t for t in texts if t.text in AREAS]
    assert len(legend) == len(AREAS) * len(themes)
    first_panel = [float(t.get("y")) for t in legend[:len(AREAS)]]
    assert max(first_panel) < panel_tops[1] - 10


def test_theme_panels_are_named_in_words():
    root, _, _ = drawn(trend_svg(trend(AREAS[:2], ["ld-dnacpr-rationale", "a-new-theme"])))
    titles = [t.text for t in root.iter(SVG + "text") if t.get("font-weight") == "bold"]
    assert titles == ["A new theme", THEME_TITLES["ld-dnacpr-rationale"]]  # in the order of their tags


@pytest.mark.parametrize("tag, words", [("mca", "Mental Capacity Act"), ("care_grading", "Care grading"),
                                        ("review-timeliness", "Review timeliness"), ("x", "X")])
def test_theme_title(tag, words):
    assert theme_title(tag) == words


QUARTERS = [f"{year}Q{q}" for year in (2021, 2022, 2023, 2024) for q in (1, 2, 3, 4)]


def long_trend(areas: list[str], themes: list[str]) -> Trend:
    rows = [TrendRow(theme=theme, area=area, period=period, numerator=1, denominator=4, rate=0.25)
            for theme in themes for area in areas for period in QUARTERS]
    return Trend(by="ics", rows=rows, changes=[])


def test_the_phone_trend_chart_is_narrow_with_one_legend_and_quarter_names_that_do_not_touch():
    themes = ["family-involvement", "ld-dnacpr-background", "ld-cause-of-death"]
    root, width, height = drawn(trend_narrow_svg(long_trend(AREAS, themes)))
    assert width == NARROW and root.get("class") == "narrow"
    texts = inside(root, width, height)
    legend_words = " ".join(t.text for t in texts if t.get("x") == "26.0")
    assert legend_words == " ".join(sorted(AREAS))  # once, above the panels, long names wrapped
    legend = [r.get("fill") for r in root.iter(SVG + "rect") if r.get("width") == "10"]
    assert len(legend) == 12 == len(set(legend))
    first_panel = [t for t in texts if t.text in QUARTERS][:len(QUARTERS)]
    named = [t for t in first_panel if float(t.get("y")) == float(first_panel[0].get("y"))]
    assert 2 <= len(named) < len(QUARTERS)
    xs = [float(t.get("x")) for t in named]
    assert all(b - a >= text_width("2024Q1") for a, b in zip(xs, xs[1:]))
    assert {t.text for t in texts if t.get("font-weight") == "bold"} >= set(
        word for tag in themes for word in [theme_title(tag)] if text_width(word, bold=True) <= NARROW - 20)


def result(key: str, proportion: float | None, raised: bool = False) -> GroupResult:
    return GroupResult(rule_id="LDA-COHORT-001", rule_version=1, title="Fewer than 90% of reviews in an ICS and quarter completed "
                       "within six months", measure="proportion", key=key, group={"ics": key}, numerator=9,
                       denominator=10, proportion=proportion, lower=0.6 if proportion else None,
                       upper=0.98 if proportion else None, small_number=proportion is None, raised=raised)


def test_the_phone_cohort_chart_puts_labels_above_bars_and_keeps_every_word_inside():
    results = [result(f"ics={area} quarter=2023Q1", 0.9, raised=n == 2) for n, area in enumerate(AREAS)]
    results.append(result("ics=NHS Devon quarter=2023Q2", None))
    root, width, height = drawn(cohort_narrow_svg(results))
    assert width == NARROW and root.get("class") == "narrow"
    texts = [t.text for t in inside(root, width, height)]
    assert any(t.startswith("small number:") for t in texts)
    bars = [r for r in root.iter(SVG + "rect") if r.get("fill") in ("#1f5fa8", "#c0392b")]
    assert len(bars) == len(AREAS) and sum(r.get("fill") == "#c0392b" for r in bars) == 1
    assert all(10 + float(r.get("width")) <= width for r in bars)
