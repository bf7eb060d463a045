"""One CSV row per finding, with stable columns; the run header and totals on '#' comment lines."""

from __future__ import annotations

import csv
import json
from typing import IO, Any

from ..findings import Finding, Reference, Tally

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
    """Findings as CSV rows, streamed; the first line holds the run header and the last the totals, both as
    '# ' comment lines (read with pandas.read_csv(..., comment="#"), or skip them)."""

    def __init__(self, out: IO[str], origins: Any = None, **_: Any) -> None:
        self.out = out
        self.origins = origins
        self.rows = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")

    def start(self, header: dict[str, Any]) -> None:
        self.out.write("# leder-audit run: " + json.dumps(header, ensure_ascii=False) + "\r\n")
        self.rows.writeheader()

    def finding(self, finding: Finding) -> None:
        origin = self.origins.of(finding) if self.origins else None
        self.rows.writerow(finding_row(finding, origin))

    def finish(self, tally: Tally) -> None:
        self.out.write("# leder-audit summary: " + json.dumps(tally.summary(), ensure_ascii=False) + "\r\n")
