"""Earlier reports read back: a baseline that tells which of a run's findings are new, persist or were fixed.

A finding is the same finding in two runs when the same rule raised it on the same record, at the same
field path, on the same evidence words: its fingerprint (see findings.fingerprint_of). The fingerprint also
holds the rule's version, so that a suppression agreed for one meaning of a rule does not silence a new
meaning; a baseline, which only sorts findings into new and known, also matches a finding to one an
earlier version of its rule raised on the same record, path and words, and counts those apart.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from .errors import InputError, read_utf8
from .findings import SEVERITIES, Finding, fingerprint_of

ABOUT_A_REPORT = "give a JSON or NDJSON report that `leder-audit check` wrote"


@dataclass(frozen=True, slots=True)
class KnownFinding:
    """A finding as a report lists it: what identifies it, and what a comparison shows of it."""

    fingerprint: str
    rule_id: str
    rule_version: int
    record_type: str
    record_id: str
    severity: str
    title: str
    tags: tuple[str, ...]
    path: str | None
    evidence: str | None
    decided_on_unknown: bool

    @staticmethod
    def of(finding: Finding) -> KnownFinding:
        return KnownFinding(finding.fingerprint, finding.rule_id, finding.rule_version, finding.record_type,
                            finding.record_id, finding.severity, finding.title, tuple(finding.tags), finding.path,
                            finding.evidence.text if finding.evidence else None, finding.decided_on_unknown)


@dataclass(frozen=True, slots=True)
class Report:
    """A report read back: its run header (None for NDJSON, which has none) and its findings."""

    source: str
    header: dict[str, Any] | None
    findings: list[KnownFinding]
    compared: bool = False  # the report was made against a baseline of its own, so lists new findings only

    @property
    def rulebook_hash(self) -> str | None:
        value = (self.header or {}).get("rulebook_hash")
        return value if isinstance(value, str) else None


def read_report(path: str | Path) -> Report:
    """A JSON report (the whole document) or an NDJSON report (one finding a line), or a clear InputError."""
    source = str(path)
    if not Path(path).is_file():
        raise InputError("no such file", source)
    text = read_utf8(path, source, ABOUT_A_REPORT)
    if not text.strip():
        raise InputError(f"the file is empty; {ABOUT_A_REPORT}", source)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        if error.msg != "Extra data":
            raise InputError(f"not valid JSON ({error.msg}); {ABOUT_A_REPORT}", source,
                             f"line {error.lineno}, column {error.colno}") from None
        return Report(source, None, list(_ndjson_findings(text, source)))
    if isinstance(document, dict) and "findings" in document:
        header = document.get("run")
        if header is not None and not isinstance(header, dict):
            raise InputError(f"its \"run\" is not an object; {ABOUT_A_REPORT}", source)
        entries = document["findings"]
        if not isinstance(entries, list):
            raise InputError(f"its \"findings\" is not a list; {ABOUT_A_REPORT}", source)
        summary = document.get("summary")
        compared = isinstance(summary, dict) and summary.get("baseline") is not None
        return Report(source, header, [_known(entry, source, f"findings[{n}]") for n, entry in enumerate(entries)],
                      compared)
    if isinstance(document, dict) and "rule_id" in document:  # an NDJSON report of one finding
        return Report(source, None, [_known(document, source, "line 1")])
    if isinstance(document, list):
        return Report(source, None, [_known(entry, source, f"[{n}]") for n, entry in enumerate(document)])
    raise InputError(f"not a leder-audit report: expected an object with \"findings\"; {ABOUT_A_REPORT}", source)


def _ndjson_findings(text: str, source: str) -> Iterator[KnownFinding]:
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as error:
            raise InputError(f"not valid JSON ({error.msg}); {ABOUT_A_REPORT}", source,
                             f"line {number}, column {error.colno}") from None
        yield _known(entry, source, f"line {number}")


_TEXT_FIELDS = ("rule_id", "record_id")


def _known(entry: Any, source: str, place: str) -> KnownFinding:
    """One listed finding, checked field by field: a report edited by hand is refused where it is wrong."""
    if not isinstance(entry, dict):
        raise InputError(f"a finding must be a JSON object, not {type(entry).__name__}; {ABOUT_A_REPORT}",
                         source, place)
    for name in _TEXT_FIELDS:
        if not isinstance(entry.get(name), str) or not entry[name]:
            raise InputError(f"the finding's {name} is missing or not text; {ABOUT_A_REPORT}", source, place, name)
    version = entry.get("rule_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise InputError("the finding's rule_version is not a whole number", source, place, "rule_version")
    path, evidence = _optional_text(entry, "path", source, place), _evidence_text(entry, source, place)
    key = entry.get("fingerprint") or fingerprint_of(entry["rule_id"], version, entry["record_id"], path or "",
                                                      evidence or "")
    if not isinstance(key, str):
        raise InputError("the finding's fingerprint is not text", source, place, "fingerprint")
    severity = entry.get("severity", "info")
    if severity not in SEVERITIES:
        raise InputError(f"the finding's severity {severity!r} is not one of {', '.join(SEVERITIES)}",
                         source, place, "severity")
    tags = entry.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise InputError("the finding's tags are not a list of text", source, place, "tags")
    return KnownFinding(key, entry["rule_id"], version, str(entry.get("record_type") or ""), entry["record_id"],
                        severity, str(entry.get("title") or ""), tuple(tags), path, evidence,
                        entry.get("decided_on_unknown") is True)


def _optional_text(entry: dict[str, Any], name: str, source: str, place: str) -> str | None:
    value = entry.get(name)
    if value is not None and not isinstance(value, str):
        raise InputError(f"the finding's {name} is not text", source, place, name)
    return value


def _evidence_text(entry: dict[str, Any], source: str, place: str) -> str | None:
    evidence = entry.get("evidence")
    if evidence is None:
        return None
    if not isinstance(evidence, dict) or not isinstance(evidence.get("text"), str):
        raise InputError("the finding's evidence has no text", source, place, "evidence")
    text: str = evidence["text"]
    return text


@dataclass
class BaselineCounts:
    """How a run's findings compare with a baseline's: the counts every report of the run shows."""

    source: str
    new: int = 0
    persisting: int = 0
    fixed: int = 0
    persisting_under_new_rule_version: int = 0
    new_by_severity: dict[str, int] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {"file": self.source, "new": self.new, "persisting": self.persisting, "fixed": self.fixed,
                "persisting_under_new_rule_version": self.persisting_under_new_rule_version,
                "new_by_severity": {s: self.new_by_severity[s] for s in SEVERITIES if self.new_by_severity.get(s)}}


class Baseline:
    """The findings of an earlier report, against which a run's findings are sorted as they come."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self._known = {finding.fingerprint: finding for finding in report.findings}
        self._versions: dict[str, set[int]] = {}
        for finding in report.findings:
            self._versions.setdefault(finding.rule_id, set()).add(finding.rule_version)
        self._seen: set[str] = set()
        self.counts = BaselineCounts(report.source)

    def is_new(self, finding: Finding) -> bool:
        """Whether the finding is not in the baseline; counts it as new or persisting."""
        evidence = finding.evidence.text if finding.evidence else None
        return self._count(finding.severity, finding.fingerprint, self._match(
            finding.fingerprint, finding.rule_id, finding.rule_version, finding.record_id, finding.path, evidence))

    def is_new_known(self, finding: KnownFinding) -> bool:
        """is_new for a finding read back from a later report."""
        return self._count(finding.severity, finding.fingerprint, self._match(
            finding.fingerprint, finding.rule_id, finding.rule_version, finding.record_id, finding.path,
            finding.evidence))

    def _count(self, severity: str, key: str, matched: str | None) -> bool:
        counts = self.counts
        if matched is None:
            counts.new += 1
            counts.new_by_severity[severity] = counts.new_by_severity.get(severity, 0) + 1
            return True
        counts.persisting += 1
        if matched != key:
            counts.persisting_under_new_rule_version += 1
        return False

    def silenced(self, findings: Iterable[Finding]) -> None:
        """Findings a suppression silenced in this run: found again, so not fixed, though not reported."""
        for finding in findings:
            self._match(finding.fingerprint, finding.rule_id, finding.rule_version, finding.record_id, finding.path,
                        finding.evidence.text if finding.evidence else None)

    def finish(self) -> BaselineCounts:
        """The counts, with the baseline's findings that no finding of this run matched counted as fixed."""
        self.counts.fixed = len(self._known.keys() - self._seen)
        return self.counts

    def fixed_findings(self) -> list[KnownFinding]:
        return [finding for key, finding in self._known.items() if key not in self._seen]

    def _match(self, key: str, rule_id: str, rule_version: int, record_id: str, path: str | None,
               evidence: str | None) -> str | None:
        """The fingerprint of the baseline's finding this one is, if any."""
        if key in self._known:
            self._seen.add(key)
            return key
        for version in sorted(self._versions.get(rule_id, ())):
            if version == rule_version:
                continue
            earlier = fingerprint_of(rule_id, version, record_id, path or "", evidence or "")
            if earlier in self._known:
                self._seen.add(earlier)
                return earlier
        return None
