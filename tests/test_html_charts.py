"""The report's cohort and trend charts: nothing drawn outside the picture, a colour for each of up to twelve
areas, every legend inside its panel, themes named in words."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from leder_audit.cohort.svg import PALETTE, text_width, trend_svg
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


def test_no_legend_or_label_runs_past_the_picture_or_into_the_next_panel():
    themes = ["family-involvement", "ld-dnacpr-background"]
    root, width, height = drawn(trend_svg(trend(AREAS, themes)))
    texts = list(root.iter(SVG + "text"))
    for text in texts:
        x, anchor = float(text.get("x")), text.get("text-anchor")
        span = text_width(text.text or "", bold=text.get("font-weight") == "bold")
        left = x - span if anchor == "end" else x - span / 2 if anchor == "middle" else x
        assert left >= 0 and left + span <= width, text.text
        assert 0 <= float(text.get("y")) <= height
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
