"""One self-contained HTML report for an inspector: the run, its counts, a chart by theme and severity,
a filterable table of findings with their evidence in its source text, and the records not checked.

The page is a Jinja2 template with autoescaping (templates/ beside this module): every value from a
record, a rule file or a finding is escaped where it is written, so no field can open a tag."""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files
from typing import IO, Any

from jinja2 import Environment, FunctionLoader, StrictUndefined, Template, select_autoescape
from markupsafe import Markup

from ..findings import NOT_RECORDED, SEVERITIES, Finding, Tally, is_web_address
from ..origins import text_at
from .rulemeta import catalogue, reference_text

DEFAULT_MAX_FINDINGS = 2000  # findings listed in the report's table; its counts stay exact

CONTEXT_CHARS = 120
SEVERITY_COLOURS = {"critical": "#8b0000", "high": "#c0392b", "medium": "#d68910", "low": "#2e86c1", "info": "#7f8c8d"}


def _asset(name: str) -> str:
    return files(__package__).joinpath("templates", name).read_text(encoding="utf-8")


@lru_cache(maxsize=None)
def template(name: str) -> Template:
    """A template of the report, loaded once from the package's templates folder."""
    environment = Environment(loader=FunctionLoader(_asset), autoescape=select_autoescape(["j2", "html"], default=True),
                              undefined=StrictUndefined, keep_trailing_newline=True)
    return environment.get_template(name)


class HtmlWriter:
    """Keeps the rows it will show (at most max_findings) and writes the page when the run is complete."""

    def __init__(self, out: IO[str], rulebook: Any = None, origins: Any = None, redact: Any = None,
                 max_findings: int = DEFAULT_MAX_FINDINGS, **_: Any) -> None:
        self.out = out
        self.origins = origins
        self.redactor = redact
        self.rules = catalogue(rulebook)
        self.max_findings = max_findings
        self.rows: list[dict[str, Any]] = []
        self.titles: dict[str, str] = {rule_id: info.title for rule_id, info in self.rules.items()}
        self.header: dict[str, Any] = {}
        # Extra report sections (HTML strings), e.g. leder_audit.cohort.svg.html_section(...).
        self.sections: list[str] = []

    def start(self, header: dict[str, Any]) -> None:
        self.header = header

    def finding(self, finding: Finding) -> None:
        self.titles.setdefault(finding.rule_id, finding.title)
        if len(self.rows) < self.max_findings:
            self.rows.append(self._row(finding))

    def _row(self, finding: Finding) -> dict[str, Any]:
        return {"rule_id": finding.rule_id, "severity": finding.severity, "tags": finding.tags,
                "title": finding.title, "record_type": finding.record_type, "record_id": finding.record_id,
                "origin": self.origins.of(finding) if self.origins else None, "path": finding.path,
                "evidence": self._evidence(finding), "message": finding.message,
                "references": [_reference(r) for r in finding.references]}

    def _evidence(self, finding: Finding) -> dict[str, str] | None:
        """The evidence with the text around it in its sentence, when the record is still at hand."""
        evidence = finding.evidence
        if evidence is None:
            return None
        record = self.origins.record(finding) if self.origins else None
        source = text_at(record, evidence.path)
        known = self.redactor.known(finding) if self.redactor is not None else []
        redactor = self.redactor

        def clean(text: str) -> str:
            return str(redactor.text(text, known)) if redactor is not None else text

        start, end = evidence.start, evidence.end
        if source is None or start is None or end is None or source[start:end] != _unredacted(evidence.text, source[start:end], self.redactor):
            return {"before": "", "text": evidence.text, "after": ""}
        return {"before": ("…" if start > CONTEXT_CHARS else "") + clean(source[max(0, start - CONTEXT_CHARS):start]),
                "text": clean(source[start:end]),
                "after": clean(source[end:end + CONTEXT_CHARS]) + ("…" if end + CONTEXT_CHARS < len(source) else "")}

    def finish(self, tally: Tally) -> None:
        summary = tally.summary()
        self.out.write(template("report.html.j2").render(self._context(summary, tally)))

    def _context(self, summary: dict[str, Any], tally: Tally) -> dict[str, Any]:
        header = {"version": "", "run_time": "", "as_of": None, "rule_count": "", "rulebook_hash": "", "inputs": [],
                  **self.header}
        themes = sorted(set(summary["by_theme"]) | set(summary["not_recorded_by_theme"])
                        | ({NOT_RECORDED} if summary["not_recorded"] else set()))
        severities = [s for s in reversed(SEVERITIES) if s in summary["by_severity"]]
        return {
            "style": Markup(_asset("report.css")),
            "script": Markup(_asset("report.js")),
            "header": header,
            "counts": [("records-read", "records read", summary["records_read"]),
                       ("records-checked", "records checked", summary["records_checked"]),
                       ("records-rejected", "records not checked", summary["records_rejected"]),
                       ("findings-total", "findings", summary["findings"])],
            "severities": [(s, summary["by_severity"][s]) for s in severities],
            "themes": sorted(summary["by_theme"].items(), key=lambda kv: (-kv[1], kv[0])),
            "gaps": sorted(summary["not_recorded_by_theme"].items(), key=lambda kv: (-kv[1], kv[0])),
            "severity_colour": lambda s: SEVERITY_COLOURS[s],
            "theme_colour": lambda _: "#005eb8",
            "gap_colour": lambda _: "#7f8c8d",
            "completeness": self._completeness(tally),
            "total": summary["findings"],
            "rows": self.rows,
            "theme_options": themes,
            "severity_options": severities,
            "rule_options": [(rule_id, self.titles[rule_id]) for rule_id in sorted(self.titles)],
            "sections": Markup("".join(self.sections)),
            "suppressed": tally.suppressed,
            "rejected": tally.rejected,
            "more_rejected": summary["records_rejected"] - len(tally.rejected),
            "errors": tally.errors,
        }

    def _completeness(self, tally: Tally) -> list[dict[str, Any]]:
        """Each rule's documentation completeness: the share of records it applied to that recorded what it needs."""
        return [{"id": rule_id, "title": self.titles.get(rule_id, ""), "applied": stats.applied,
                 "failures": stats.fired - stats.not_recorded, "not_recorded": stats.not_recorded,
                 "decided": stats.applied - stats.unknown, "percent": f"{stats.completeness:.0%}"}
                for rule_id, stats in tally.rule_stats.items() if stats.applied and stats.unknown]


def _reference(reference: Any) -> dict[str, Any]:
    # Only a web address becomes a link, whatever built the reference (rule files are checked already).
    return {"text": reference_text(reference), "url": reference.url,
            "web": reference.url is not None and is_web_address(reference.url)}


def _unredacted(evidence_text: str, original: str, redactor: Any) -> str:
    """The evidence as it was before redaction, for checking that its span still points at it."""
    return original if redactor is not None else evidence_text
