"""A FHIR R4 Bundle (type collection) of DetectedIssue resources, one per finding, and the run as Parameters."""

from __future__ import annotations

import json
import re
import uuid
from typing import IO, Any

from ..findings import Finding, Tally
from .rulemeta import reference_text

RULE_SYSTEM = "urn:leder-audit:rule"
RECORD_SYSTEM = "urn:leder-audit:record"
GUIDANCE_EXTENSION = "urn:leder-audit:guidance"
NOT_RECORDED_EXTENSION = "urn:leder-audit:decided-on-unknown"
DEVICE_URL = "urn:leder-audit:device"
NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
_NHS_NUMBER_SPACING = re.compile(r"[\s.-]")
# FHIR DetectedIssue.severity has three levels.
SEVERITY = {"critical": "high", "high": "high", "medium": "moderate", "low": "low", "info": "low"}


def nhs_number_of(record: Any) -> str | None:
    """The NHS number of the person a record (as read) is about: its own person's, else its embedded records'."""
    if not isinstance(record, dict):
        return None
    people = [record.get("person")] + [part.get("person") for key in ("death_certificate", "dnacpr")
                                       if isinstance(part := record.get(key), dict)]
    for person in people:
        number = person.get("nhs_number") if isinstance(person, dict) else None
        if isinstance(number, str):
            digits = _NHS_NUMBER_SPACING.sub("", number)
            if len(digits) == 10 and digits.isascii() and digits.isdigit():
                return digits
    return None


def detected_issue(finding: Finding, identified: str | None, nhs_number: str | None = None) -> dict[str, Any]:
    """A finding as a DetectedIssue: code = rule, detail = message, evidence = the words quoted, implicated = record,
    patient = the person by NHS number when the record gives one."""
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
    if nhs_number:
        issue["patient"] = {"type": "Patient", "identifier": {"system": NHS_NUMBER_SYSTEM, "value": nhs_number}}
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

    def __init__(self, out: IO[str], origins: Any = None, redact: Any = None, **_: Any) -> None:
        self.out = out
        # A redacted report names no one: the patient reference would carry the NHS number.
        self.origins = None if redact else origins
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
                 "resource": detected_issue(finding, self.header.get("run_time"), self._nhs_number(finding))}
        self.out.write(",\n  " + json.dumps(entry, ensure_ascii=False))

    def _nhs_number(self, finding: Finding) -> str | None:
        return nhs_number_of(self.origins.record(finding)) if self.origins else None

    def finish(self, tally: Tally) -> None:
        entry = {"fullUrl": "urn:leder-audit:run", "resource": run_parameters(self.header, tally)}
        self.out.write(",\n  " + json.dumps(entry, ensure_ascii=False) + "\n]}\n")

