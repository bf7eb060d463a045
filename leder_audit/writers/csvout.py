"""One CSV row per finding under one header row, and nothing else: the run header and totals go to --summary."""

from __future__ import annotations

import csv
from typing import IO, Any

from ..findings import Finding, Reference, Tally
from .cells import neutralise

COLUMNS = ("rule_id", "rule_version", "severity", "title", "tags", "record_type", "record_id", "source", "location",
           "path", "evidence_text", "evidence_start", "evidence_end", "context", "message", "references",
           "decided_on_unknown", "fingerprint")


def finding_row(finding: Finding, origin: tuple[str, str] | None = None) -> dict[str, Any]:
    """The CSV columns of one finding; lists are joined with '; ' (tags with ';')."""
    evidence = finding.evidence
    return {
        "rule_id": finding.rule_id, "rule_version": finding.rule_version, "severity": finding.severity,
        "title": finding.title, "tags": ";".join(finding.tags), "record_type": finding.record_type,
        "record_id": finding.record_id, "source": origin[0] if origin else "", "location": origin[1] if origin else "",
        "path": finding.path or "", "evidence_text": evidence.text if evidence else "",
        "evidence_start": "" if evidence is None or evidence.start is None else evidence.start,
        "evidence_end": "" if evidence is None or evidence.end is None else evidence.end,
        "context": (evidence.context or "") if evidence else "", "message": finding.message,
        "references": "; ".join(_reference(r) for r in finding.references),
        "decided_on_unknown": "true" if finding.decided_on_unknown else "false", "fingerprint": finding.fingerprint,
    }


def _reference(reference: Reference) -> str:
    text = reference.source + (f", {reference.section}" if reference.section else "")
    return text + (f" <{reference.url}>" if reference.url else "")


class CsvWriter:
    """Findings as CSV rows, streamed: a plain RFC 4180 file that pandas.read_csv and Excel open as it is.

    Text a spreadsheet would run as a formula is written with a leading ' (see cells.neutralise);
    `excel` starts the file with a UTF-8 byte-order mark, which Excel needs to read it as UTF-8.
    """

    def __init__(self, out: IO[str], origins: Any = None, excel: bool = False, **_: Any) -> None:
        self.out = out
        self.origins = origins
        self.excel = excel
        self.rows = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")

    def start(self, header: dict[str, Any]) -> None:
        if self.excel:
            self.out.write("\ufeff")
        self.rows.writeheader()

    def finding(self, finding: Finding) -> None:
        origin = self.origins.of(finding) if self.origins else None
        row = finding_row(finding, origin)
        self.rows.writerow({name: neutralise(value) if isinstance(value, str) else value for name, value in row.items()})

    def finish(self, tally: Tally) -> None:
        pass
