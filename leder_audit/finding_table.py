"""A finding as one flat row of a table: the columns shared by the pandas and the Spark findings tables."""

from __future__ import annotations

from typing import Any

from .findings import Finding

# Name and type of every column of a findings table, in order (the Spark SQL type; pandas dtypes below).
FINDING_COLUMNS: tuple[tuple[str, str], ...] = (
    ("rule_id", "string"),
    ("rule_version", "int"),
    ("title", "string"),
    ("severity", "string"),
    ("tags", "array<string>"),
    ("record_id", "string"),
    ("record_type", "string"),
    ("path", "string"),
    ("message", "string"),
    ("evidence_text", "string"),
    ("evidence_start", "int"),
    ("evidence_end", "int"),
    ("evidence_context", "string"),
    ("decided_on_unknown", "boolean"),
    ("references", "array<struct<source:string,section:string,url:string>>"),
    ("fingerprint", "string"),
)
# Columns of a table of rejected records.
REJECTED_COLUMNS = ("record_id", "field", "message")

def finding_row(finding: Finding) -> dict[str, Any]:
    """One finding as a row of a findings table."""
    evidence = finding.evidence
    return {
        "rule_id": finding.rule_id, "rule_version": finding.rule_version, "title": finding.title,
        "severity": finding.severity, "tags": list(finding.tags), "record_id": finding.record_id,
        "record_type": finding.record_type, "path": finding.path, "message": finding.message,
        "evidence_text": evidence.text if evidence else None,
        "evidence_start": evidence.start if evidence else None,
        "evidence_end": evidence.end if evidence else None,
        "evidence_context": evidence.context if evidence else None,
        "decided_on_unknown": finding.decided_on_unknown,
        "references": [{"source": r.source, "section": r.section, "url": r.url} for r in finding.references],
        "fingerprint": finding.fingerprint,
    }
