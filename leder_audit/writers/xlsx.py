"""An Excel workbook: Findings (filterable, header frozen), By theme, By rule, Rejected records, Run.

Written with XlsxWriter (the `xlsx` extra) in its constant-memory mode: each Findings row goes to disk as
it is written, so a run of any size keeps one row in memory. Every text cell is written as text, never
read as a formula, number or link.
"""

from __future__ import annotations

import sys
from datetime import datetime
from typing import IO, Any

from ..errors import InputError
from ..findings import SEVERITIES, Finding, Tally
from .csvout import COLUMNS, finding_row
from .rulemeta import catalogue

EXTRA_HINT = "pip install 'leder-audit[xlsx]'"
MAX_ROWS = 1_048_576  # Excel's limit for one sheet, the header row included
MAX_CELL = 32_767  # UTF-16 code units in one Excel cell; a longer text is cut, ending "…"
WIDTHS = {"rule_id": 18, "rule_version": 12, "severity": 10, "title": 40, "tags": 24, "record_type": 18,
          "record_id": 16, "source": 28, "location": 12, "path": 20, "evidence_text": 30, "evidence_start": 14,
          "evidence_end": 13, "context": 12, "message": 80, "references": 50, "decided_on_unknown": 19,
          "fingerprint": 20}
NUMBERS = {"rule_version", "evidence_start", "evidence_end"}
SHEETS = ("Findings", "By theme", "By rule", "Rejected records", "Run")


def _xlsxwriter() -> Any:
    try:
        import xlsxwriter
    except ImportError:
        raise InputError(f"--format xlsx needs the xlsx extra: {EXTRA_HINT}") from None
    return xlsxwriter


class XlsxWriter:
    """The workbook streamed: Findings rows as they come, the other sheets when the run is finished."""

    def __init__(self, out: IO[str], rulebook: Any = None, **_: Any) -> None:
        xlsxwriter = _xlsxwriter()
        if out.isatty():
            raise InputError("--format xlsx writes a binary workbook: give --output FILE.xlsx")
        out.flush()
        self.out = out
        self.rules = catalogue(rulebook)
        self.book = xlsxwriter.Workbook(getattr(out, "buffer", out), {
            "constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
            "strings_to_urls": False})
        self.bold = self.book.add_format({"bold": True})
        self.wrap = self.book.add_format({"text_wrap": True, "valign": "top"})
        self.sheets = {name: self.book.add_worksheet(name) for name in SHEETS}
        self.rows = 0
        self.unlisted = 0
        self.header: dict[str, Any] = {}

    def start(self, header: dict[str, Any]) -> None:
        self.header = header
        if header.get("run_time"):
            created = datetime.fromisoformat(header["run_time"]).replace(tzinfo=None)
            self.book.set_properties({"title": "leder-audit findings", "created": created})
        sheet = self.sheets["Findings"]
        for column, name in enumerate(COLUMNS):
            sheet.set_column(column, column, WIDTHS.get(name, 14), self.wrap if name == "message" else None)
        self._row(sheet, 0, COLUMNS, self.bold)
        sheet.freeze_panes(1, 0)
        # Printed: A4 landscape, the header row on every page, gridlines drawn.
        sheet.set_landscape()
        sheet.set_paper(9)
        sheet.repeat_rows(0)
        sheet.hide_gridlines(0)

    def finding(self, finding: Finding) -> None:
        if self.rows + 1 >= MAX_ROWS:
            self.unlisted += 1
            return
        self.rows += 1
        row = finding_row(finding, (finding.source, finding.location) if finding.source and finding.location else None)
        sheet = self.sheets["Findings"]
        for column, name in enumerate(COLUMNS):
            value = row[name]
            if name in NUMBERS and value != "":
                sheet.write_number(self.rows, column, value)
            elif name == "decided_on_unknown":
                sheet.write_boolean(self.rows, column, value == "true")
            else:
                self._text(sheet, self.rows, column, str(value))

    def finish(self, tally: Tally) -> None:
        self.sheets["Findings"].autofilter(0, 0, self.rows, len(COLUMNS) - 1)
        self._summary(tally)
        self._rejected(tally)
        self._run(tally)
        self.book.close()
        if self.unlisted:
            print(f"leder-audit: the Findings sheet holds {self.rows:,} findings, Excel's limit; "
                  f"{self.unlisted:,} more are counted in the Summary and Run sheets but not listed", file=sys.stderr)

    def _summary(self, tally: Tally) -> None:
        sheet = self.sheets["By theme"]
        self._table_head(sheet, ("Theme", "Recorded failures", "Not recorded"), (26, 18, 14))
        themes = sorted(set(tally.by_theme) | set(tally.not_recorded_by_theme),
                        key=lambda t: (-tally.by_theme[t], -tally.not_recorded_by_theme[t], t))
        for row, theme in enumerate(themes, 1):
            self._row(sheet, row, (theme, tally.by_theme[theme], tally.not_recorded_by_theme[theme]))
        sheet.autofilter(0, 0, max(len(themes), 1), 2)
        sheet = self.sheets["By rule"]
        self._table_head(sheet, ("Rule", "Title", "Severity", "Applied", "Fired", "Not recorded", "Could not decide",
                                 "Rule errors", "Completeness"), (18, 60, 10, 10, 10, 12, 14, 10, 12))
        ordered = sorted(tally.rule_stats.items(), key=lambda item: _rule_order(item, self.rules))
        for row, (rule_id, stats) in enumerate(ordered, 1):
            rule = self.rules.get(rule_id)
            self._row(sheet, row, (rule_id, rule.title if rule else "", rule.severity if rule else "", stats.applied,
                                   stats.fired, stats.not_recorded, stats.unknown, stats.errored,
                                   "" if stats.completeness is None else stats.completeness))
        sheet.autofilter(0, 0, max(len(ordered), 1), 8)

    def _table_head(self, sheet: Any, names: tuple[str, ...], widths: tuple[int, ...]) -> None:
        for column, width in enumerate(widths):
            sheet.set_column(column, column, width)
        self._row(sheet, 0, names, self.bold)
        sheet.freeze_panes(1, 0)

    def _rejected(self, tally: Tally) -> None:
        sheet = self.sheets["Rejected records"]
        self._table_head(sheet, ("Source", "Location", "Record id", "Field", "Reason"), (28, 16, 16, 20, 80))
        row = 0
        for row, rejection in enumerate(tally.rejected, 1):
            self._row(sheet, row, (rejection.source, rejection.location, rejection.record_id or "",
                                   rejection.field or "", rejection.message))
        if tally.rejected_count > len(tally.rejected):
            self._row(sheet, row + 1, ("", "", "", "", f"{tally.rejected_count - len(tally.rejected):,} more rejected "
                                       "records are counted but not listed"))
        sheet.autofilter(0, 0, max(row, 1), 4)

    def _run(self, tally: Tally) -> None:
        sheet = self.sheets["Run"]
        self._table_head(sheet, ("Item", "Value", "SHA-256"), (24, 70, 66))
        header, summary = self.header, tally.summary()
        lines: list[tuple[Any, ...]] = [(key, header.get(key, "")) for key in
                                         ("tool", "version", "rulebook_hash", "rule_count", "run_time", "as_of")]
        lines += [("input", item["path"], item.get("sha256", "")) for item in header.get("inputs", [])]
        lines += [(key, value) for key, value in summary.items() if not isinstance(value, dict)]
        lines += [(f"findings {name}", summary["by_severity"].get(name, 0)) for name in reversed(SEVERITIES)]
        if self.unlisted:
            lines.append(("findings not listed", self.unlisted))
        for row, line in enumerate(lines, 1):
            self._row(sheet, row, line)

    def _row(self, sheet: Any, row: int, values: Any, style: Any = None) -> None:
        for column, value in enumerate(values):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                self._text(sheet, row, column, str(value), style)
            else:
                sheet.write_number(row, column, value, style)

    def _text(self, sheet: Any, row: int, column: int, text: str, style: Any = None) -> None:
        if len(text) > MAX_CELL // 2:
            units = text.encode("utf-16-le", errors="surrogatepass")  # Excel counts UTF-16 code units
            if len(units) > 2 * MAX_CELL:
                text = units[: 2 * (MAX_CELL - 1)].decode("utf-16-le", errors="ignore") + "…"
        sheet.write_string(row, column, text, style)


def _rule_order(item: tuple[str, Any], rules: dict[str, Any]) -> tuple[int, int, str]:
    rule_id, stats = item
    rule = rules.get(rule_id)
    severity = SEVERITIES.index(rule.severity) if rule else 0
    return (-severity, -stats.fired, rule_id)
