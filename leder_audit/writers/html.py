"""One self-contained HTML report for an inspector: the run, its counts, a chart by theme and severity,
a filterable table of findings with their evidence in its source text, and the records not checked."""

from __future__ import annotations

from html import escape
from typing import IO, Any, Callable, Iterable

from ..findings import NOT_RECORDED, SEVERITIES, Finding, Tally, is_web_address
from ..origins import text_at
from .rulemeta import catalogue, reference_text

DEFAULT_MAX_FINDINGS = 2000  # findings listed in the report's table; its counts stay exact

CONTEXT_CHARS = 120
SEVERITY_COLOURS = {"critical": "#8b0000", "high": "#c0392b", "medium": "#d68910", "low": "#2e86c1", "info": "#7f8c8d"}

STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1b1b1b;margin:0 auto;max-width:1200px;padding:1.5rem}
h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.25rem;margin-top:2rem;border-bottom:2px solid #005eb8;padding-bottom:.2rem}
.meta{color:#444;font-size:.9rem}.meta td{padding:.1rem .8rem .1rem 0;vertical-align:top}code{font-size:.85em;word-break:break-all}
.counts{display:flex;gap:1rem;flex-wrap:wrap;margin:1rem 0}.count{border:1px solid #ccc;border-radius:6px;padding:.6rem 1rem;min-width:8rem}
.count b{display:block;font-size:1.6rem}.charts{display:flex;gap:2rem;flex-wrap:wrap}
table.findings{border-collapse:collapse;width:100%;font-size:.9rem}table.findings th,table.findings td{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}
table.findings th{background:#f0f4f5;position:sticky;top:0}.sev{font-weight:700;text-transform:uppercase;font-size:.75rem;color:#fff;padding:.1rem .35rem;border-radius:3px}
""" + "".join(f".sev-{name}{{background:{colour}}}" for name, colour in SEVERITY_COLOURS.items()) + """
mark{background:#ffe066;padding:0 .1rem}.source{font-family:Georgia,serif;background:#fafafa;border-left:3px solid #ccc;padding:.2rem .5rem;margin:.3rem 0}
.filters{display:flex;gap:1rem;flex-wrap:wrap;align-items:end;margin:.8rem 0}.filters label{display:flex;flex-direction:column;font-size:.85rem}
.note{background:#fff4ce;border:1px solid #e0c060;padding:.5rem .8rem;border-radius:4px}.refs{font-size:.8rem;color:#444;margin:.3rem 0 0;padding-left:1.1rem}
.muted{color:#666}tr.hidden{display:none}
@media print{.filters,.noprint{display:none}body{max-width:none;padding:0;font-size:10pt}table.findings th{position:static}
tr{page-break-inside:avoid}h2{page-break-after:avoid}a{color:inherit;text-decoration:none}.sev{color:#000;border:1px solid #000;background:none}}
"""

SCRIPT = """
(function(){
  var selects={theme:document.getElementById('f-theme'),severity:document.getElementById('f-severity'),rule:document.getElementById('f-rule')};
  var rows=document.querySelectorAll('tbody#finding-rows tr');
  function apply(){
    var shown=0;
    for(var i=0;i<rows.length;i++){
      var r=rows[i],ok=true;
      if(selects.theme.value&&(' '+r.getAttribute('data-tags')+' ').indexOf(' '+selects.theme.value+' ')<0)ok=false;
      if(selects.severity.value&&r.getAttribute('data-severity')!==selects.severity.value)ok=false;
      if(selects.rule.value&&r.getAttribute('data-rule')!==selects.rule.value)ok=false;
      r.className=ok?'':'hidden'; if(ok)shown++;
    }
    document.getElementById('shown-count').textContent=shown;
  }
  function fromHash(){
    var q=(location.hash||'').replace(/^#/,'')||(location.search||'').replace(/^\\?/,'');
    q.split('&').forEach(function(p){var kv=p.split('=');var s=selects[decodeURIComponent(kv[0]||'')];
      if(s){s.value=decodeURIComponent((kv[1]||'').replace(/\\+/g,' '));}});
    apply();
  }
  function toHash(){
    var parts=[];for(var k in selects){if(selects[k].value)parts.push(k+'='+encodeURIComponent(selects[k].value));}
    history.replaceState(null,'',parts.length?'#'+parts.join('&'):location.pathname);apply();
  }
  for(var k in selects){selects[k].addEventListener('change',toHash);}
  window.addEventListener('hashchange',fromHash);
  fromHash();
})();
"""


def bar_chart(title: str, counts: list[tuple[str, int]], colour: Callable[[str], str], chart_id: str) -> str:
    """A horizontal bar chart as inline SVG, each bar labelled with its name and count."""
    if not counts:
        return f'<figure id="{chart_id}"><figcaption>{escape(title)}</figcaption><p class="muted">No findings.</p></figure>'
    row, label_width, bar_width = 24, 190, 300
    top = max(n for _, n in counts)
    bars = []
    for i, (name, n) in enumerate(counts):
        width = max(2, round(bar_width * n / top))
        y = i * row
        bars.append(f'<g data-name="{escape(name)}" data-count="{n}"><text x="{label_width - 6}" y="{y + 16}" text-anchor="end" '
                    f'font-size="12">{escape(name)}</text><rect x="{label_width}" y="{y + 4}" width="{width}" height="16" '
                    f'fill="{colour(name)}"><title>{escape(name)}: {n}</title></rect><text x="{label_width + width + 6}" '
                    f'y="{y + 16}" font-size="12">{n}</text></g>')
    height = row * len(counts) + 4
    return (f'<figure id="{chart_id}"><figcaption>{escape(title)}</figcaption><svg xmlns="http://www.w3.org/2000/svg" '
            f'role="img" aria-label="{escape(title)}" width="{label_width + bar_width + 50}" height="{height}" '
            f'viewBox="0 0 {label_width + bar_width + 50} {height}">{"".join(bars)}</svg></figure>')


class HtmlWriter:
    """Keeps the rows it will show (at most max_findings) and writes the page when the run is complete."""

    def __init__(self, out: IO[str], rulebook: Any = None, origins: Any = None, redact: Any = None,
                 max_findings: int = DEFAULT_MAX_FINDINGS, **_: Any) -> None:
        self.out = out
        self.origins = origins
        self.redactor = redact
        self.rules = catalogue(rulebook)
        self.max_findings = max_findings
        self.rows: list[str] = []
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

    def _row(self, finding: Finding) -> str:
        origin = self.origins.of(finding) if self.origins else None
        where = f'<div class="muted">{escape(origin[0])}, {escape(origin[1])}</div>' if origin else ""
        path = f'<div class="muted">at <code>{escape(finding.path)}</code></div>' if finding.path else ""
        refs = "".join(f"<li>{_reference_html(r)}</li>" for r in finding.references)
        return (f'<tr data-rule="{escape(finding.rule_id)}" data-severity="{finding.severity}" '
                f'data-tags="{escape(" ".join(finding.tags))}">'
                f'<td><span class="sev sev-{finding.severity}">{finding.severity}</span></td>'
                f'<td><b>{escape(finding.rule_id)}</b><div>{escape(finding.title)}</div>'
                f'<div class="muted">{escape(", ".join(finding.tags))}</div></td>'
                f'<td>{escape(finding.record_type)} <b>{escape(finding.record_id)}</b>{where}{path}</td>'
                f'<td>{self._evidence(finding)}<div>{escape(finding.message)}</div><ul class="refs">{refs}</ul></td></tr>')

    def _evidence(self, finding: Finding) -> str:
        """The evidence marked in the sentence it was found in, when the record is still at hand."""
        evidence = finding.evidence
        if evidence is None:
            return ""
        record = self.origins.record(finding) if self.origins else None
        source = text_at(record, evidence.path)
        known = self.redactor.known(finding) if self.redactor is not None else []
        redactor = self.redactor

        def clean(text: str) -> str:
            return redactor.text(text, known) if redactor is not None else text

        start, end = evidence.start, evidence.end
        if source is None or start is None or end is None or source[start:end] != _unredacted(evidence.text, source[start:end], self.redactor):
            return f'<div class="source"><mark>{escape(evidence.text)}</mark></div>'
        before = source[max(0, start - CONTEXT_CHARS):start]
        after = source[end:end + CONTEXT_CHARS]
        return (f'<div class="source">{"…" if start > CONTEXT_CHARS else ""}{escape(clean(before))}'
                f'<mark>{escape(clean(source[start:end]))}</mark>{escape(clean(after))}'
                f'{"…" if end + CONTEXT_CHARS < len(source) else ""}</div>')

    def finish(self, tally: Tally) -> None:
        summary = tally.summary()
        self.out.write("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                       "<title>leder-audit report</title><style>" + STYLE + "</style></head><body>\n")
        self.out.write(self._header_html(summary))
        self.out.write(self._summary_html(summary, tally))
        self.out.write(self._findings_html(summary))
        self.out.write("".join(self.sections))
        self.out.write(self._suppressed_html(tally))
        self.out.write(self._rejected_html(tally, summary))
        self.out.write("<script>" + SCRIPT + "</script>\n</body></html>\n")

    def _header_html(self, summary: dict[str, Any]) -> str:
        h = self.header
        inputs = "".join(f"<li>{escape(i['path'])} <span class=\"muted\">SHA-256 <code>{i['sha256']}</code></span></li>"
                         for i in h.get("inputs", []))
        counts = [("records-read", "records read", summary["records_read"]),
                  ("records-checked", "records checked", summary["records_checked"]),
                  ("records-rejected", "records not checked", summary["records_rejected"]),
                  ("findings-total", "findings", summary["findings"])]
        boxes = "".join(f'<div class="count"><b id="{key}">{n}</b>{label}</div>' for key, label, n in counts)
        return (f"<header><h1>leder-audit report</h1><table class=\"meta\">"
                f"<tr><td>leder-audit</td><td>{escape(str(h.get('version', '')))}</td></tr>"
                f"<tr><td>run at</td><td>{escape(str(h.get('run_time', '')))}"
                f"{' (judged as of ' + escape(str(h['as_of'])) + ')' if h.get('as_of') else ''}</td></tr>"
                f"<tr><td>rulebook</td><td>{h.get('rule_count', '')} rules, hash <code>{escape(str(h.get('rulebook_hash', '')))}</code></td></tr>"
                f"<tr><td>inputs</td><td><ul>{inputs}</ul></td></tr></table></header>"
                f"<section class=\"counts\">{boxes}</section>\n" + _baseline_html(summary.get("baseline")))

    def _summary_html(self, summary: dict[str, Any], tally: Tally) -> str:
        themes = sorted(summary["by_theme"].items(), key=lambda kv: (-kv[1], kv[0]))
        gaps = sorted(summary["not_recorded_by_theme"].items(), key=lambda kv: (-kv[1], kv[0]))
        severities = [(s, summary["by_severity"][s]) for s in reversed(SEVERITIES) if s in summary["by_severity"]]
        return ("<section><h2>Summary</h2><div class=\"charts\">"
                + bar_chart("Findings by severity", severities, lambda s: SEVERITY_COLOURS[s], "chart-severity")
                + bar_chart("Recorded failures by theme", themes, lambda _: "#005eb8", "chart-theme")
                + bar_chart("Not recorded, by theme", gaps, lambda _: "#7f8c8d", "chart-not-recorded")
                + "</div><p class=\"muted\">A finding decided on unknown (tag <code>not-recorded</code>) is a gap in "
                "the documentation, not a failure of care: it is listed with the findings and counted here on its "
                "own.</p>" + self._completeness_html(tally) + "</section>\n")

    def _completeness_html(self, tally: Tally) -> str:
        """Each rule's documentation completeness: the share of records it applied to that recorded what it needs."""
        rows = "".join(
            f'<tr data-completeness="{escape(rule_id)}"><td>{escape(rule_id)} {escape(self.titles.get(rule_id, ""))}</td>'
            f"<td>{stats.applied}</td><td>{stats.fired - stats.not_recorded}</td><td>{stats.not_recorded}</td>"
            f'<td class="completeness">{stats.applied - stats.unknown} of {stats.applied} '
            f"({stats.completeness:.0%})</td></tr>"
            for rule_id, stats in tally.rule_stats.items() if stats.applied and stats.unknown)
        if not rows:
            return '<p id="completeness">Every rule found the data it needed recorded.</p>'
        return ('<table class="findings" id="completeness"><caption>Documentation completeness: rules that met '
                "missing data</caption><thead><tr><th>Rule</th><th>Records</th><th>Recorded failures</th>"
                "<th>Not recorded</th><th>Recorded what the rule needs</th></tr></thead><tbody>"
                + rows + "</tbody></table>")

    def _findings_html(self, summary: dict[str, Any]) -> str:
        total = summary["findings"]
        themes = sorted(set(summary["by_theme"]) | set(summary["not_recorded_by_theme"])
                        | ({NOT_RECORDED} if summary["not_recorded"] else set()))
        severities = [s for s in reversed(SEVERITIES) if s in summary["by_severity"]]
        def options(values: Iterable[str], label: Callable[[str], str]) -> str:
            return "".join(f'<option value="{escape(v)}">{escape(label(v))}</option>' for v in values)

        note = ""
        if total > len(self.rows):
            note = (f'<p class="note" id="truncated">The table lists the first {len(self.rows)} of {total} findings; '
                    "the counts above include them all. Use --format csv or json for the full list, "
                    "or raise --html-max-findings.</p>")
        return ("<section><h2>Findings</h2>" + note +
                '<div class="filters noprint">'
                f'<label>Theme<select id="f-theme"><option value="">all themes</option>{options(themes, str)}</select></label>'
                f'<label>Severity<select id="f-severity"><option value="">all severities</option>{options(severities, str)}</select></label>'
                f'<label>Rule<select id="f-rule"><option value="">all rules</option>'
                f'{options(sorted(self.titles), lambda r: r + " " + self.titles[r])}</select></label>'
                f'<span><b id="shown-count">{len(self.rows)}</b> of <span id="listed-count">{len(self.rows)}</span> listed findings shown</span></div>'
                '<table class="findings"><thead><tr><th>Severity</th><th>Rule</th><th>Record</th>'
                '<th>Evidence, message and guidance</th></tr></thead><tbody id="finding-rows">'
                + "\n".join(self.rows) + "</tbody></table></section>\n")

    def _suppressed_html(self, tally: Tally) -> str:
        if not tally.suppressed:
            return ""
        rows = "".join(
            f"<tr><td>{escape(s.finding.rule_id)}</td><td>{escape(s.finding.record_type)} {escape(s.finding.record_id)}</td>"
            f"<td>{escape(s.finding.title)}</td><td>{escape(s.reason)}</td><td>{escape(s.reviewer)}</td>"
            f"<td>{s.expires.isoformat()}</td></tr>" for s in tally.suppressed)
        return ("<section id=\"suppressed\"><h2>Suppressed findings</h2>"
                f"<p><b id=\"suppressed-total\">{len(tally.suppressed)}</b> findings were silenced by a reviewed "
                "suppression and are not counted above.</p>"
                '<table class="findings"><thead><tr><th>Rule</th><th>Record</th><th>Finding</th><th>Reason</th>'
                f"<th>Reviewer</th><th>Expires</th></tr></thead><tbody>{rows}</tbody></table></section>\n")

    def _rejected_html(self, tally: Tally, summary: dict[str, Any]) -> str:
        rows = "".join(f"<tr><td>{escape(r.source)}</td><td>{escape(r.location)}</td><td>{escape(r.record_id or '')}</td>"
                       f"<td>{escape(r.field or '')}</td><td>{escape(r.message)}</td></tr>" for r in tally.rejected)
        errors = "".join(f"<li>{escape(e.rule_id)} on record {escape(e.record_id)}: {escape(e.message)}</li>"
                         for e in tally.errors)
        more = summary["records_rejected"] - len(tally.rejected)
        return ("<section id=\"rejected\"><h2>Records not checked</h2>"
                + (f'<table class="findings"><thead><tr><th>File</th><th>Where</th><th>Record</th><th>Field</th>'
                   f"<th>Reason</th></tr></thead><tbody>{rows}</tbody></table>" if rows else "<p>None: every record read was checked.</p>")
                + (f"<p class=\"note\">and {more} more, counted but not listed.</p>" if more > 0 else "")
                + (f"<h2>Rule errors</h2><ul>{errors}</ul>" if errors else "") + "</section>\n")


def _reference_html(reference: Any) -> str:
    text = escape(reference_text(reference))
    # Only a web address becomes a link, whatever built the reference (rule files are checked already).
    web = reference.url is not None and is_web_address(reference.url)
    return f'<a href="{escape(reference.url)}">{text}</a>' if web else text


def _unredacted(evidence_text: str, original: str, redactor: Any) -> str:
    """The evidence as it was before redaction, for checking that its span still points at it."""
    return original if redactor is not None else evidence_text


def _baseline_html(counts: dict[str, Any] | None) -> str:
    """The comparison with a baseline report, when the run had one: the report lists the new findings only."""
    if not counts:
        return ""
    return (f'<p id="baseline">Against the baseline {escape(counts["file"])}: {counts["new"]:,} new findings '
            f'(listed below), {counts["persisting"]:,} persisting (not listed), {counts["fixed"]:,} fixed '
            "(in the baseline, not found now).</p>\n")
