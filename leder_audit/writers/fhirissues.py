"""A FHIR R4 Bundle (type collection) of DetectedIssue resources, one per finding, and the run as Parameters."""

from __future__ import annotations

import json
import uuid
from typing import IO, Any

from ..findings import Finding, Tally
from .rulemeta import reference_text

RULE_SYSTEM = "urn:leder-audit:rule"
RECORD_SYSTEM = "urn:leder-audit:record"
GUIDANCE_EXTENSION = "urn:leder-audit:guidance"
NOT_RECORDED_EXTENSION = "urn:leder-audit:decided-on-unknown"
DEVICE_URL = "urn:leder-audit:device"
# FHIR DetectedIssue.severity has three levels.
SEVERITY = {"critical": "high", "high": "high", "medium": "moderate", "low": "low", "info": "low"}


def detected_issue(finding: Finding, identified: str | None) -> dict[str, Any]:
    """A finding as a DetectedIssue: code = rule, detail = message, evidence = the words quoted, implicated = record."""
    record = f"{finding.record_type} {finding.record_id}"
    issue: dict[str, Any] = {
        "resourceType": "DetectedIssue",
        "id": finding.fingerprint,
        "status": "final",
        "code": {"coding": [{"system": RULE_SYSTEM, "code": finding.rule_id, "version": str(finding.rule_version),
                             "display": finding.title}], "text": finding.title},
        "severity": SEVERITY[finding.severity],
        "author": {"reference": DEVICE_URL, "display": "leder-audit"},
        "implicated": [{"identifier": {"system": RECORD_SYSTEM, "value": finding.record_id}, "display": record}],
        "detail": finding.message,
    }
    if identified:
        issue["identifiedDateTime"] = identified
    if finding.evidence is not None:
        where = f"{record}, {finding.evidence.path or finding.path or ''}".rstrip(", ")
        issue["evidence"] = [{"code": [{"text": finding.evidence.text}], "detail": [{"display": where}]}]
    url = next((r.url for r in finding.references if r.url), None)
    if url:
        issue["reference"] = url
    guidance = [reference_text(r) for r in finding.references]
    extensions: list[dict[str, Any]] = [{"url": GUIDANCE_EXTENSION, "valueString": "; ".join(guidance)}] if guidance else []
    # A documentation gap, not a failure of care: said on every issue so that readers can count them apart.
    extensions.append({"url": NOT_RECORDED_EXTENSION, "valueBoolean": finding.decided_on_unknown})
    issue["extension"] = extensions
    return issue


def run_parameters(header: dict[str, Any], tally: Tally) -> dict[str, Any]:
    """The run header and counts as a Parameters resource, since a Bundle carries no extensions of its own."""
    summary = tally.summary()
    parameters: list[dict[str, Any]] = [
        {"name": "tool", "valueString": "leder-audit"},
        {"name": "version", "valueString": str(header.get("version", ""))},
        {"name": "rulebook_hash", "valueString": str(header.get("rulebook_hash", ""))},
        {"name": "rule_count", "valueInteger": int(header.get("rule_count", 0))},
    ]
    if header.get("run_time"):
        parameters.append({"name": "run_time", "valueDateTime": header["run_time"]})
    parameters += [{"name": "input", "part": [{"name": "path", "valueString": i["path"]},
                                              {"name": "sha256", "valueString": i["sha256"]}]}
                   for i in header.get("inputs", [])]
    for key in ("records_read", "records_checked", "records_rejected", "findings", "not_recorded", "rule_errors"):
        parameters.append({"name": key, "valueInteger": int(summary[key])})
    return {"resourceType": "Parameters", "id": "leder-audit-run", "parameter": parameters}


class FhirWriter:
    """The Bundle streamed entry by entry: the tool as a Device, each finding, then the run's Parameters."""

    def __init__(self, out: IO[str], **_: Any) -> None:
        self.out = out
        self.header: dict[str, Any] = {}
        self.count = 0

    def start(self, header: dict[str, Any]) -> None:
        self.header = header
        bundle = {"resourceType": "Bundle", "type": "collection"}
        if header.get("run_time"):
            bundle["timestamp"] = header["run_time"]
        device = {"resourceType": "Device", "id": "leder-audit",
                  "deviceName": [{"name": "leder-audit", "type": "manufacturer-name"}],
                  "version": [{"value": str(header.get("version", ""))}]}
        self.out.write(json.dumps(bundle, ensure_ascii=False)[:-1] + ', "entry": [\n  '
                       + json.dumps({"fullUrl": DEVICE_URL, "resource": device}, ensure_ascii=False))

    def finding(self, finding: Finding) -> None:
        self.count += 1
        entry = {"fullUrl": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{RULE_SYSTEM}:{finding.fingerprint}:{self.count}')}",
                 "resource": detected_issue(finding, self.header.get("run_time"))}
        self.out.write(",\n  " + json.dumps(entry, ensure_ascii=False))

    def finish(self, tally: Tally) -> None:
        entry = {"fullUrl": "urn:leder-audit:run", "resource": run_parameters(self.header, tally)}
        self.out.write(",\n  " + json.dumps(entry, ensure_ascii=False) + "\n]}\n")

