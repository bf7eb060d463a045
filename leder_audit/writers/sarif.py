"""SARIF 2.1.0: one run, a rule descriptor per rule, one result per finding, the run header in run.properties."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

from ..findings import Finding, Tally
from ..origins import line_number
from ..readers.places import start_lines
from .rulemeta import RuleInfo, catalogue, from_finding, pascal_name, reference_text

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
INFORMATION_URI = "https://github.com/leder-audit/leder-audit"
# GitHub code scanning ranks results by a rule's security-severity: over 9.0 critical, 7.0-8.9 high,
# 4.0-6.9 medium, 0.1-3.9 low. Each severity sits inside its band.
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "1.0"}
ROOT_ID = "SRCROOT"


def artifact_location(path: str, root: Path) -> dict[str, Any]:
    """An input's SARIF artifactLocation: relative to the root (uriBaseId SRCROOT) when inside it, else a file: URI."""
    if path.startswith("<"):  # standard input has no path
        return {"uri": quote(path.strip("<>"))}
    absolute = Path(os.path.abspath(path))
    try:
        inside = absolute.relative_to(root)
    except ValueError:
        return {"uri": absolute.as_uri()}
    return {"uri": quote(inside.as_posix()), "uriBaseId": ROOT_ID}


class StartLines:
    """The line each finding's record starts on: from the location itself (`line 12`, `row 4`), else by
    walking its .json file once; 1 when neither says (a region is required by code-scanning tools)."""

    def __init__(self) -> None:
        self.documents: dict[str, dict[str, int]] = {}

    def __call__(self, source: str, location: str) -> int:
        line = line_number(location)
        if line:
            return line
        if source not in self.documents:
            path = Path(source)
            self.documents[source] = start_lines(path) if path.suffix.lower() == ".json" and path.is_file() else {}
        return self.documents[source].get(location, 1)


def rule_descriptor(rule: RuleInfo) -> dict[str, Any]:
    references = [reference_text(r) + (f" ({r.url})" if r.url else "") for r in rule.references]
    help_text = (rule.rationale + "\n\n" if rule.rationale else "") + "Guidance: " + "; ".join(references)
    descriptor: dict[str, Any] = {
        "id": rule.id,
        "name": pascal_name(rule.title),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.rationale or rule.title},
        "help": {"text": help_text,
                 "markdown": (rule.rationale + "\n\n" if rule.rationale else "") + "**Guidance**\n\n"
                 + "\n".join(f"- {r}" for r in references)},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"tags": list(rule.tags), "severity": rule.severity, "version": rule.version,
                       "security-severity": SECURITY_SEVERITY[rule.severity],
                       "applies_to": rule.applies_to,
                       "references": [r.model_dump(exclude_none=True) for r in rule.references]},
    }
    url = next((r.url for r in rule.references if r.url), None)
    if url:
        descriptor["helpUri"] = url
    return descriptor


def result(finding: Finding, rule_index: int | None, origin: tuple[str, str] | None, root: Path | None = None,
           lines: StartLines | None = None) -> dict[str, Any]:
    """One finding as a SARIF result, located at its input file and the line its record starts on, and at its
    record and field."""
    logical = {"name": finding.path or finding.record_id, "kind": "member" if finding.path else "object",
               "fullyQualifiedName": f"{finding.record_type}/{finding.record_id}" + (f"/{finding.path}" if finding.path else "")}
    location: dict[str, Any] = {"logicalLocations": [logical]}
    if origin:
        line = (lines or StartLines())(*origin)
        location["physicalLocation"] = {"artifactLocation": artifact_location(origin[0], root or Path.cwd()),
                                        "region": {"startLine": line}}
        location["message"] = {"text": f"{origin[0]}, {origin[1]}: {finding.record_type} {finding.record_id}"}
    evidence = finding.evidence
    entry: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [location],
        "partialFingerprints": {"lederAuditFinding/v1": finding.fingerprint},
        "properties": {
            "severity": finding.severity, "tags": list(finding.tags), "record_id": finding.record_id,
            "record_type": finding.record_type, "path": finding.path, "decided_on_unknown": finding.decided_on_unknown,
            "evidence": evidence.model_dump() if evidence else None,
        },
    }
    if rule_index is not None:
        entry["ruleIndex"] = rule_index
    return entry


class SarifWriter:
    """A SARIF log streamed as findings come; rule descriptors come from the rulebook (or, without one, findings)."""

    def __init__(self, out: IO[str], rulebook: Any = None, origins: Any = None, root: str | Path | None = None,
                 **_: Any) -> None:
        self.out = out
        self.origins = origins
        self.root = Path(os.path.abspath(root or os.getcwd()))
        self.lines = StartLines()
        self.rules = catalogue(rulebook)
        self.index = {rule_id: i for i, rule_id in enumerate(self.rules)}
        self.late_rules: dict[str, RuleInfo] = {}
        self.header: dict[str, Any] = {}
        self.first = True

    def start(self, header: dict[str, Any]) -> None:
        self.header = header
        self.out.write('{"$schema": ' + json.dumps(SARIF_SCHEMA) + ', "version": "2.1.0", "runs": [{\n "results": [')

    def finding(self, finding: Finding) -> None:
        self._write(finding, {})

    def _write(self, finding: Finding, extra: dict[str, Any]) -> None:
        if finding.rule_id not in self.index and finding.rule_id not in self.late_rules:
            self.late_rules[finding.rule_id] = from_finding(finding)
        origin = self.origins.of(finding) if self.origins else None
        body = json.dumps({**result(finding, self.index.get(finding.rule_id), origin, self.root, self.lines), **extra}, ensure_ascii=False)
        self.out.write(("\n  " if self.first else ",\n  ") + body)
        self.first = False

    def finish(self, tally: Tally) -> None:
        # SARIF keeps silenced results, marked with why: consumers show or hide them, nothing is lost.
        for silenced in tally.suppressed:
            self._write(silenced.finding, {"suppressions": [suppression(silenced)]})
        rules = [*self.rules.values(), *self.late_rules.values()]
        header = self.header
        tail = {
            "tool": {"driver": {"name": "leder-audit", "version": str(header.get("version", "")),
                                "semanticVersion": str(header.get("version", "")), "informationUri": INFORMATION_URI,
                                "rules": [rule_descriptor(rule) for rule in rules]}},
            "originalUriBaseIds": {ROOT_ID: {"uri": self.root.as_uri().rstrip("/") + "/"}},
            "artifacts": [{"location": artifact_location(i["path"], self.root), "hashes": {"sha-256": i["sha256"]},
                           "roles": ["analysisTarget"]} for i in header.get("inputs", [])],
            "invocations": [invocation(header, tally, self.root, self.lines)],
            "properties": {"run": header, "summary": tally.summary()},
        }
        self.out.write("\n ],\n" + json.dumps(tail, ensure_ascii=False, indent=1)[1:-1] + "\n}]}\n")


def suppression(silenced: Any) -> dict[str, Any]:
    """A suppressed finding's SARIF suppression: external (a suppressions file), accepted, with its reason."""
    return {"kind": "external", "status": "accepted", "justification": silenced.reason,
            "properties": {"reviewer": silenced.reviewer, "expires": silenced.expires.isoformat(),
                           "matched_by": silenced.matched_by, "source": silenced.source}}


def invocation(header: dict[str, Any], tally: Tally, root: Path, lines: StartLines) -> dict[str, Any]:
    """The run as a SARIF invocation: its time, its counts, and each rejected record as a notification."""
    notifications = [{
        "level": "warning",
        "message": {"text": f"record not checked: {r.message}" + (f" (field {r.field})" if r.field else "")},
        "locations": [_rejection_location(r.source, r.location, r.record_id, root, lines)],
        "descriptor": {"id": "rejected-record"},
    } for r in tally.rejected]
    notifications += [{"level": "error", "message": {"text": f"rule {e.rule_id} failed on record {e.record_id}: {e.message}"},
                       "descriptor": {"id": "rule-error"}} for e in tally.errors]
    entry: dict[str, Any] = {"executionSuccessful": True, "properties": tally.summary()}
    if header.get("run_time"):
        entry["startTimeUtc"] = _utc(header["run_time"])
    if notifications:
        entry["toolExecutionNotifications"] = notifications
    return entry


def _rejection_location(source: str, location: str, record_id: str | None, root: Path,
                        lines: StartLines) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": artifact_location(source, root),
                                "region": {"startLine": lines(source, location)}}
    found: dict[str, Any] = {"physicalLocation": physical, "message": {"text": location}}
    if record_id:
        found["logicalLocations"] = [{"name": record_id, "kind": "object"}]
    return found


def _utc(text: str) -> str:
    return text.replace("+00:00", "Z")
