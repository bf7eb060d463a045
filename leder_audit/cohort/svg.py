"""Charts as self-contained inline SVG, for embedding in the HTML report: cohort measures with their
intervals, and theme rates over time."""

from __future__ import annotations

import math
import textwrap
from html import escape
from typing import Iterable

from ..themes import theme_title
from .run import GroupResult
from .stats import percent
from .trend import Trend

_WIDTH, _ROW = 720, 22
_BAR = 310  # the length of a full bar
_VALUE = 190  # room for the evidence written after a bar
# Twelve colours that stay apart from each other on white (Tableau 10 with two darker ones), one per area.
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#393b79", "#e7ba52")
_STYLE = ("font-family:Arial,Helvetica,sans-serif;font-size:12px")
_CHAR = 7.0  # a generous width of one 12px Arial character, so that a label is never cut off
# The width of the charts drawn for a phone (a 390-pixel screen less the page's margins), at their own size.
NARROW = 360


def text_width(text: str, bold: bool = False) -> float:
    """How wide a label may be drawn at 12px, erring wide."""
    return len(text) * (_CHAR + (0.6 if bold else 0.0))


def _svg(width: int, height: int, title: str, body: list[str], layout: str = "full") -> str:
    return (f'<svg class="{layout}" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" style="{_STYLE}">'
            f"<title>{escape(title)}</title>" + "".join(body) + "</svg>")


def _text(x: float, y: float, text: str, anchor: str = "start", weight: str = "normal", fill: str = "#222") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-weight="{weight}" fill="{fill}">'
            f"{escape(text)}</text>")


def _scale(results: list[GroupResult]) -> tuple[str, float]:
    """What the bars show for a rule's results, and the value of a full-width bar."""
    kind = results[0].measure
    if kind == "median":
        return "median days", max((r.median_days or 0 for r in results), default=0) or 1
    if kind == "count":
        return "count", max((r.count or 0 for r in results), default=0) or 1
    return "share", 1.0


def _bar_value(result: GroupResult) -> float | None:
    if result.small_number:
        return None
    if result.measure == "median":
        return result.median_days
    if result.measure == "count":
        return float(result.count or 0)
    return result.proportion


def _rows(results: list[GroupResult], top: float, full: float, label: float) -> list[str]:
    body = []
    for index, result in enumerate(results):
        y = top + index * _ROW
        body.append(_text(label - 8, y + 14, result.key, anchor="end"))
        value = _bar_value(result)
        colour = "#c0392b" if result.raised else "#1f5fa8"
        if value is None:
            body.append(_text(label + 4, y + 14, "small number: " + result.evidence().split(" (")[0], fill="#666"))
            continue
        width = max(0.0, min(1.0, value / full)) * _BAR
        body.append(f'<rect x="{label}" y="{y + 4:.1f}" width="{width:.1f}" height="{_ROW - 8}" fill="{colour}">'
                    f"<title>{escape(result.evidence())}</title></rect>")
        if result.lower is not None and result.upper is not None:
            x1, x2 = label + result.lower / full * _BAR, label + result.upper / full * _BAR
            body.append(f'<line x1="{x1:.1f}" x2="{x2:.1f}" y1="{y + 11:.1f}" y2="{y + 11:.1f}" stroke="#222" '
                        f'stroke-width="1.5"/>')
        if result.expected_share is not None:
            x = label + result.expected_share * _BAR
            body.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y + 1:.1f}" y2="{y + _ROW - 1:.1f}" stroke="#e67e22" '
                        f'stroke-width="3"><title>expected {percent(result.expected_share)}</title></line>')
        body.append(_text(label + _BAR + 8, y + 14, _value_text(result)))
    return body


def _value_text(result: GroupResult) -> str:
    return result.evidence().split(";")[0]


def cohort_svg(results: Iterable[GroupResult]) -> str:
    """One panel per cohort rule, a bar per group (red when raised), 95% intervals as lines and, for
    representation, the population share as an orange mark; small numbers are written, not drawn."""
    by_rule: dict[str, list[GroupResult]] = {}
    for result in results:
        by_rule.setdefault(result.rule_id, []).append(result)
    body: list[str] = []
    y = 10.0
    every = [r for rows in by_rule.values() for r in rows]
    label_width = 16 + max((text_width(r.key) for r in every), default=100)
    width = label_width + _BAR + 8 + max((text_width(_value_text(r)) for r in every), default=_VALUE) + 10
    for rule_id, rows in by_rule.items():
        label, full = _scale(rows)
        title = f"{rule_id}: {rows[0].title} ({label})"
        width = max(width, 10 + text_width(title, bold=True) + 10)
        body.append(_text(10, y + 14, title, weight="bold"))
        body.extend(_rows(rows, y + 22, full, label_width))
        y += 22 + len(rows) * _ROW + 16
    if not by_rule:
        body.append(_text(10, 24, "No cohort results."))
        y = 40
    return _svg(max(_WIDTH, int(width)), int(y), "Cohort measures by group", body)


def cohort_narrow_svg(results: Iterable[GroupResult]) -> str:
    """The cohort chart for a phone: each group's label and figures above its bar, titles wrapped, NARROW wide."""
    by_rule: dict[str, list[GroupResult]] = {}
    for result in results:
        by_rule.setdefault(result.rule_id, []).append(result)
    bar = NARROW - 20
    body: list[str] = []
    y = 10.0
    for rule_id, rows in by_rule.items():
        label, full = _scale(rows)
        for line in _wrapped(f"{rule_id}: {rows[0].title} ({label})", NARROW - 20, bold=True):
            body.append(_text(10, y + 14, line, weight="bold"))
            y += 16
        y += 8
        for result in rows:
            value = _bar_value(result)
            words = result.evidence().split(" (")[0] if value is None else _value_text(result)
            for line in _wrapped(result.key, NARROW - 20)[:-1]:
                body.append(_text(10, y + 12, line))
                y += 16
            body.append(_text(10, y + 12, _wrapped(result.key, NARROW - 20)[-1]))
            body.append(_text(10, y + 44 if value is not None else y + 28, ("small number: " if value is None else "")
                              + words, fill="#666" if value is None else "#222"))
            if value is not None:
                body.extend(_narrow_bar(result, value, full, y + 17, bar))
            y += 52 if value is not None else 36
        y += 10
    if not by_rule:
        body.append(_text(10, 24, "No cohort results."))
        y = 40
    return _svg(NARROW, int(y), "Cohort measures by group", body, layout="narrow")


def _narrow_bar(result: GroupResult, value: float, full: float, top: float, bar: float) -> list[str]:
    colour = "#c0392b" if result.raised else "#1f5fa8"
    body = [f'<rect x="10" y="{top:.1f}" width="{max(0.0, min(1.0, value / full)) * bar:.1f}" height="12" '
            f'fill="{colour}"><title>{escape(result.evidence())}</title></rect>']
    if result.lower is not None and result.upper is not None:
        x1, x2 = 10 + result.lower / full * bar, 10 + result.upper / full * bar
        body.append(f'<line x1="{x1:.1f}" x2="{x2:.1f}" y1="{top + 6:.1f}" y2="{top + 6:.1f}" stroke="#222" '
                    f'stroke-width="1.5"/>')
    if result.expected_share is not None:
        x = 10 + result.expected_share * bar
        body.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top - 3:.1f}" y2="{top + 15:.1f}" stroke="#e67e22" '
                    f'stroke-width="3"><title>expected {percent(result.expected_share)}</title></line>')
    return body


def _wrapped(text: str, width: float, bold: bool = False) -> list[str]:
    per_line = max(10, int(width // (_CHAR + (0.6 if bold else 0.0))))
    return textwrap.wrap(text, per_line, break_long_words=True) or [""]


def trend_svg(trend: Trend) -> str:
    """One panel per theme: finding rate by quarter, a line per area; quarters with a small number are
    left as gaps, since they have no rate."""
    periods = sorted({row.period for row in trend.rows})
    themes = sorted({row.theme for row in trend.rows})
    areas = sorted({row.area for row in trend.rows})
    colours = {area: PALETTE[i % len(PALETTE)] for i, area in enumerate(areas)}
    left = 60
    right = 16 + 16 + max((text_width(area) for area in areas), default=60) + 10  # the legend beside the plot
    panel_height = max(170, 30 + 16 * len(areas) + 10)  # every area of the legend inside its panel
    width = max(_WIDTH, left + right + 60 * len(periods),
                int(max((text_width(theme_title(t), bold=True) for t in themes), default=0)) + 20)
    plot_width = width - left - right
    body: list[str] = []
    for index, theme in enumerate(themes):
        top = 10 + index * (panel_height + 20)
        body.extend(_panel_frame(theme, top, left, plot_width, periods))
        for area in areas:
            body.extend(_area_line(trend, theme, area, periods, top, left, plot_width, colours[area]))
        legend_y = top + 30
        for area in areas:
            body.append(f'<rect x="{left + plot_width + 16}" y="{legend_y - 9}" width="10" height="10" '
                        f'fill="{colours[area]}"/>')
            body.append(_text(left + plot_width + 32, legend_y, area))
            legend_y += 16
    if not themes:
        body.append(_text(10, 24, "No records to show."))
    height = 10 + max(1, len(themes)) * (panel_height + 20)
    return _svg(int(width), height, f"Finding rate by quarter, per theme, by {trend.by}", body)


def trend_narrow_svg(trend: Trend) -> str:
    """The trend chart for a phone: one legend above the panels, the panels NARROW wide, and only as many
    quarters named under each as fit."""
    periods = sorted({row.period for row in trend.rows})
    themes = sorted({row.theme for row in trend.rows})
    areas = sorted({row.area for row in trend.rows})
    colours = {area: PALETTE[i % len(PALETTE)] for i, area in enumerate(areas)}
    width, left = NARROW, 44
    plot_width = width - left - 12
    body: list[str] = []
    y = 10.0
    for area in areas:
        body.append(f'<rect x="10" y="{y + 3}" width="10" height="10" fill="{colours[area]}"/>')
        for line in _wrapped(area, width - 36):
            body.append(_text(26, y + 12, line))
            y += 16
    every = max(1, math.ceil(len(periods) * (text_width("2024Q1") + 8) / plot_width)) if periods else 1
    for theme in themes:
        top = y + 10
        lines = _wrapped(theme_title(theme), width - 20, bold=True)
        top += 16 * (len(lines) - 1)
        body.extend(_panel_frame(theme, top, left, plot_width, periods, every, lines))
        for area in areas:
            body.extend(_area_line(trend, theme, area, periods, top, left, plot_width, colours[area]))
        y = top + 24 + 110 + 28
    if not themes:
        body.append(_text(10, y + 14, "No records to show."))
        y += 30
    return _svg(width, int(y), f"Finding rate by quarter, per theme, by {trend.by}", body, layout="narrow")


def _x(index: int, count: int, left: float, plot_width: float) -> float:
    return left + (plot_width * (index + 0.5) / count if count else 0)


def _panel_frame(theme: str, top: float, left: float, plot_width: float, periods: list[str], every: int = 1,
                 heading: list[str] | None = None) -> list[str]:
    """A theme's panel: its heading (ending just above `top` + 24; wrapped headings start higher), the rate
    scale, and every `every`th quarter named under the plot."""
    plot_top, plot_height = top + 24, 110
    lines = heading or [theme_title(theme)]
    body = [f'<g data-theme="{escape(theme)}">'
            + "".join(_text(10, top + 14 - 16 * (len(lines) - 1 - n), line, weight="bold") for n, line in enumerate(lines))
            + "</g>"]
    for tick in (0.0, 0.5, 1.0):
        y = plot_top + plot_height * (1 - tick)
        body.append(f'<line x1="{left}" x2="{left + plot_width:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        body.append(_text(left - 6, y + 4, percent(tick), anchor="end", fill="#666"))
    for i, period in enumerate(periods):
        if i % every == 0:
            body.append(_text(_x(i, len(periods), left, plot_width), plot_top + plot_height + 16, period,
                              anchor="middle", fill="#666"))
    return body


def _area_line(trend: Trend, theme: str, area: str, periods: list[str], top: float, left: float,
               plot_width: float, colour: str) -> list[str]:
    plot_top, plot_height = top + 24, 110
    cells = {row.period: row for row in trend.rows if row.theme == theme and row.area == area}
    body: list[str] = []
    segment: list[str] = []
    for i, period in enumerate(periods + [""]):
        row = cells.get(period)
        if row is None or row.rate is None:
            if len(segment) > 1:
                body.append(f'<polyline points="{" ".join(segment)}" fill="none" stroke="{colour}" stroke-width="2"/>')
            segment = []
            continue
        x, y = _x(i, len(periods), left, plot_width), plot_top + plot_height * (1 - row.rate)
        segment.append(f"{x:.1f},{y:.1f}")
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"><title>{escape(area)} {period}: '
                    f"{row.numerator} of {row.denominator} ({percent(row.rate)})</title></circle>")
    return body


def html_section(results: Iterable[GroupResult] | None = None, trend: Trend | None = None) -> str:
    """A report section holding the cohort chart and the trend chart, for HtmlWriter.sections."""
    parts = ['<section id="cohort"><h2>Cohort measures and change over time</h2>']
    if results is not None:
        results = list(results)
        parts.append(f'<figure id="cohort-chart" class="wide">{cohort_svg(results)}{cohort_narrow_svg(results)}<figcaption>Measures by group with 95% intervals; '
                     "red groups raise a finding; small numbers are written, not drawn.</figcaption></figure>")
    if trend is not None:
        parts.append(f'<figure id="trend-chart" class="wide">{trend_svg(trend)}{trend_narrow_svg(trend)}<figcaption>Rate of recorded failures by quarter per theme and '
                     "area (a lower rate is better); findings decided on unknown are not counted.</figcaption></figure>")
        parts.append(theme_completeness_html(trend))
    return "".join(parts) + "</section>\n"


def theme_completeness_html(trend: Trend) -> str:
    """Per theme over the whole run: recorded failures beside documentation completeness, with the counts."""
    totals: dict[str, list[int]] = {}
    for row in trend.rows:
        cell = totals.setdefault(row.theme, [0, 0, 0])
        cell[0] += row.numerator
        cell[1] += row.denominator
        cell[2] += row.not_recorded
    rows = "".join(
        f'<tr data-theme="{escape(theme)}"><td>{escape(theme_title(theme))}</td><td>{records}</td>'
        f'<td class="failures">{failed} ({percent(failed / records)})</td>'
        f'<td class="gaps">{gaps}</td><td class="completeness">{percent((records - gaps) / records)}</td></tr>'
        for theme, (failed, records, gaps) in sorted(totals.items()) if records)
    return ('<div class="wide"><table class="findings" id="theme-completeness"><caption>Recorded failures and documentation '
            "completeness by theme</caption><thead><tr><th>Theme</th><th>Records</th><th>Recorded failures</th>"
            "<th>Not recorded</th><th>Documentation complete</th></tr></thead><tbody>" + rows + "</tbody></table></div>")
