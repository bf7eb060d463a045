"""Errors as FHIR OperationOutcome resources: what went wrong and where, never a stack trace."""

from __future__ import annotations

import json
from typing import Any

# HTTP status -> the FHIR issue type that says the same thing.
ISSUE_CODE = {400: "invalid", 401: "security", 403: "security", 404: "not-found", 405: "not-supported",
              412: "incomplete", 413: "too-long", 415: "not-supported", 422: "processing", 429: "throttled",
              500: "exception", 503: "transient"}


def operation_outcome(status: int, message: str, field: str | None = None) -> dict[str, Any]:
    issue: dict[str, Any] = {"severity": "error", "code": ISSUE_CODE.get(status, "processing"), "diagnostics": message}
    if field:
        issue["expression"] = [field]
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def outcome_bytes(status: int, message: str, field: str | None = None) -> bytes:
    """The OperationOutcome as a response body: compact UTF-8 JSON, as every other answer is written."""
    return json.dumps(operation_outcome(status, message, field), ensure_ascii=False, separators=(",", ":")).encode()


FHIR_JSON = "application/fhir+json"
