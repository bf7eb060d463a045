"""One self-contained HTML report for an inspector: the run, its counts, charts by severity and theme, a
table of every rule's denominators, the findings with their evidence in its source text, and the records
not checked.

The page is a Jinja2 template with autoescaping (templates/ beside this module): every value from a
record, a rule file or a finding is escaped where it is written. The findings travel once, as compact
JSON inside the page, and a small script draws only the rows on screen, so a run with tens of thousands
of findings still opens at once; sorting, filters, search and grouping live in the page's address."""

from __future__ import annotations

import heapq
import json
import re
from datetime import date
from functools import lru_cache
from importlib.resources import files
from itertools import count
from typing import IO, Any

from jinja2 import Environment, FunctionLoader, StrictUndefined, Template, select_autoescape
from markupsafe import Markup

from ..findings import SEVERITIES, Finding, RuleStats, Tally, is_web_address
from ..origins import text_at
from ..cohort.svg import text_width
from ..themes import theme_title
from .charts import ReportCharts
from .rulemeta import RuleInfo, catalogue, from_finding, reference_text

DEFAULT_MAX_FINDINGS = 50_000  # findings listed in the report's table (the most severe); its counts stay exact

CONTEXT_CHARS = 120
SEVERITY_COLOURS = {"critical": "#8b0000", "high": "#c0392b", "medium": "#b9770e", "low": "#2e86c1", "info": "#7f8c8d"}
_NONE = RuleStats()
RANK = {severity: n for n, severity in enumerate(SEVERITIES)}


def _asset(name: str) -> str:
    return files(__package__).joinpath("templates", name).read_text(encoding="utf-8")


@lru_cache(maxsize=None)
def template(name: str) -> Template:
    """A template of the report, loaded once from the package's templates folder."""
    environment = Environment(loader=FunctionLoader(_asset), autoescape=select_autoescape(["j2", "html"], default=True),
                              undefined=StrictUndefined, keep_trailing_newline=True)
    return environment.get_template(name)


def script_json(value: Any) -> Markup:
    """JSON that is safe inside a <script> element: no character of it can close the element or open a comment."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
                  .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def natural(text: str) -> str:
    """A key that sorts numbers within text by their value (D2 before D10), as the page's script does."""
    return re.sub(r"\d+", lambda digits: digits.group().zfill(12), text.lower())


class Strings:
    """A table of the strings the findings repeat (messages, record types, sources, tag lists), each kept once."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.values: list[str] = []

    def __call__(self, text: str) -> int:
        found = self.index.get(text)
        if found is None:
            found = self.index[text] = len(self.values)
            self.values.append(text)
        return found


class HtmlWriter:
    """Keeps the max_findings most severe findings (earlier ones first among equals) as compact rows and
    writes the page when the run is complete; the counts cover every finding."""

    def __init__(self, out: IO[str], rulebook: Any = None, origins: Any = None, redact: Any = None,
                 max_findings: int = DEFAULT_MAX_FINDINGS, **_: Any) -> None:
        self.out = out
        self.origins = origins
        self.redactor = redact
        self.rulebook = rulebook
        self.charts: ReportCharts | None = None
        self.rules: dict[str, RuleInfo] = catalogue(rulebook)
        self.max_findings = max_findings
        self.kept: list[tuple[int, int, list[Any]]] = []  # a heap: the least severe, latest kept row on top
        self.order = count()
        self.strings = Strings()
        self.rule_index: dict[str, int] = {}
        self.header: dict[str, Any] = {}
        # Extra report sections (HTML strings), e.g. leder_audit.cohort.svg.html_section(...).
        self.sections: list[str] = []

    def start(self, header: dict[str, Any]) -> None:
        self.header = header
        if self.rulebook is not None and header.get("as_of"):
            self.charts = ReportCharts(self.rulebook, date.fromisoformat(header["as_of"]))

    def observe(self, record: Any, findings: list[Finding]) -> None:
        """Count one checked record with its findings into the cohort and trend charts."""
        if self.charts is not None:
            self.charts.observe(record, findings)

    def finding(self, finding: Finding) -> None:
        if finding.rule_id not in self.rules:
            self.rules[finding.rule_id] = from_finding(finding)
        if self.max_findings <= 0:
            return
        key = (RANK[finding.severity], -next(self.order))
        if len(self.kept) < self.max_findings:
            heapq.heappush(self.kept, (*key, self._row(finding)))
        elif key > self.kept[0][:2]:
            heapq.heapreplace(self.kept, (*key, self._row(finding)))

    def _row(self, finding: Finding) -> list[Any]:
        """One finding as the page's script reads it (see FIELDS in report.js)."""
        rule = self.rule_index.setdefault(finding.rule_id, len(self.rule_index))
        origin = self.origins.of(finding) if self.origins else None
        before, marked, after = self._evidence(finding)
        strings = self.strings
        return [rule, RANK[finding.severity], finding.record_id, strings(finding.record_type),
                strings(origin[0]) if origin else -1, origin[1] if origin else "", finding.path or "",
                strings(" ".join(finding.tags)), strings(finding.title), strings(finding.message),
                before, marked, after, 1 if finding.decided_on_unknown else 0]

    def _evidence(self, finding: Finding) -> tuple[str, str | None, str]:
        """The evidence with the text around it in its sentence, when the record is still at hand."""
        evidence = finding.evidence
        if evidence is None:
            return "", None, ""
        record = self.origins.record(finding) if self.origins else None
        source = text_at(record, evidence.path)
        known = self.redactor.known(finding) if self.redactor is not None else []
        redactor = self.redactor

        def clean(text: str) -> str:
            return str(redactor.text(text, known)) if redactor is not None else text

        start, end = evidence.start, evidence.end
        if source is None or start is None or end is None or source[start:end] != _unredacted(evidence.text, source[start:end], self.redactor):
            return "", evidence.text, ""
        return (("…" if start > CONTEXT_CHARS else "") + clean(source[max(0, start - CONTEXT_CHARS):start]),
                clean(source[start:end]),
                clean(source[end:end + CONTEXT_CHARS]) + ("…" if end + CONTEXT_CHARS < len(source) else ""))

    def listed(self) -> list[list[Any]]:
        """The kept rows in the page's first order: most severe first, then by rule, then by record."""
        rule_ids = sorted(self.rule_index, key=self.rule_index.__getitem__)
        types = self.strings.values

        def order(kept: tuple[int, int, list[Any]]) -> tuple[Any, ...]:
            row = kept[2]
            return -kept[0], rule_ids[row[0]], natural(types[row[3]] + " " + row[2]), -kept[1]

        return [row for _, _, row in sorted(self.kept, key=order)]

    def finish(self, tally: Tally) -> None:
        if self.charts is not None:
            self.sections.append(self.charts.section(tally))
        self.out.write(template("report.html.j2").render(self._context(tally.summary(), tally)))

    def _context(self, summary: dict[str, Any], tally: Tally) -> dict[str, Any]:
        header = {"version": "", "run_time": "", "as_of": None, "rule_count": "", "rulebook_hash": "", "inputs": [],
                  **self.header}
        rows = self.listed()
        listed_by_severity = {s: 0 for s in SEVERITIES}
        for row in rows:
            listed_by_severity[SEVERITIES[row[1]]] += 1
        left_out = [(s, summary["by_severity"].get(s, 0) - listed_by_severity[s]) for s in reversed(SEVERITIES)]
        themes = sorted(set(summary["by_theme"]) | set(summary["not_recorded_by_theme"]))
        severities = [s for s in reversed(SEVERITIES) if s in summary["by_severity"]]
        rule_ids = sorted(self.rule_index, key=self.rule_index.__getitem__)
        data = {"severities": list(SEVERITIES), "strings": self.strings.values,
                "rules": [self._rule_data(rule_id) for rule_id in rule_ids], "findings": rows}
        return {
            "style": Markup(_asset("report.css")),
            "script": Markup(_asset("report.js")),
            "data": script_json(data),
            "header": header,
            "baseline": summary.get("baseline"),
            "counts": [("records-read", "records read", summary["records_read"]),
                       ("records-checked", "records checked", summary["records_checked"]),
                       ("records-rejected", "records not checked", summary["records_rejected"]),
                       ("findings-total", "findings", summary["findings"]),
                       ("not-recorded-total", "of them not recorded", summary["not_recorded"])],
            "charts": [
                ("Findings by severity", "chart-severity",
                 [(s, summary["by_severity"][s], SEVERITY_COLOURS[s], f"severity=only-{s}", s) for s in severities]),
                ("Recorded failures by theme", "chart-theme",
                 [(t, n, "#005eb8", f"theme={t}&status=recorded", theme_title(t))
                  for t, n in sorted(summary["by_theme"].items(), key=lambda kv: (-kv[1], kv[0]))]),
                ("Not recorded, by theme", "chart-not-recorded",
                 [(t, n, "#6c7a89", f"theme={t}&status=not-recorded", theme_title(t))
                  for t, n in sorted(summary["not_recorded_by_theme"].items(), key=lambda kv: (-kv[1], kv[0]))]),
            ],
            "label_width": lambda bars: int(max((text_width(bar[4]) for bar in bars), default=60)) + 14,
            "rule_table": self._rule_table(tally),
            "total": summary["findings"],
            "listed": len(rows),
            "left_out": [(s, n) for s, n in left_out if n],
            "theme_options": [(t, theme_title(t)) for t in themes],
            "severity_options": severities,
            "rule_options": [(rule_id, self.rules[rule_id].title) for rule_id in sorted(self.rules)
                             if rule_id in self.rule_index or tally.rule_stats.get(rule_id, _NONE).fired],
            "sections": Markup("".join(self.sections)),
            "suppressed": tally.suppressed,
            "rejected": tally.rejected,
            "more_rejected": summary["records_rejected"] - len(tally.rejected),
            "errors": tally.errors,
        }

    def _rule_data(self, rule_id: str) -> dict[str, Any]:
        info = self.rules[rule_id]
        return {"id": rule_id, "title": info.title, "version": info.version,
                "refs": [_reference(r) for r in info.references]}

    def _rule_table(self, tally: Tally) -> list[dict[str, Any]]:
        """Every rule that was applied or failed: its denominators, its failure rate over the records it could
        decide, and beside it the share of records that recorded what it needs."""
        rows: list[dict[str, Any]] = []
        for rule_id, stats in tally.rule_stats.items():
            if not stats.applied and not stats.errored:
                continue
            info = self.rules.get(rule_id)
            decided = stats.applied - stats.unknown
            failures = stats.fired - stats.not_recorded
            rows.append({"id": rule_id, "title": info.title if info else "", "severity": info.severity if info else "",
                         "applied": stats.applied, "fired": stats.fired, "failures": failures,
                         "not_recorded": stats.not_recorded, "errored": stats.errored, "decided": decided,
                         "rate": f"{failures / decided:.0%}" if decided else "–",
                         "completeness": f"{stats.completeness:.0%}" if stats.completeness is not None else "–",
                         "references": [_reference(r) for r in info.references] if info else []})
        rows.sort(key=lambda r: (-r["failures"], -r["not_recorded"], r["id"]))
        return rows


def _reference(reference: Any) -> dict[str, Any]:
    # Only a web address becomes a link, whatever built the reference (rule files are checked already).
    web = reference.url is not None and is_web_address(reference.url)
    return {"text": reference_text(reference), "url": reference.url if web else None}


def _unredacted(evidence_text: str, original: str, redactor: Any) -> str:
    """The evidence as it was before redaction, for checking that its span still points at it."""
    return original if redactor is not None else evidence_text
