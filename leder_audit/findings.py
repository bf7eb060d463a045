"""What a run produces: findings, rejected records, and the counts behind them."""

from __future__ import annotations

import hashlib
import re
import warnings
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from json.encoder import encode_basestring as _json_string
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator

from ._private import trusted_model
from .duplicates import Duplicate, DuplicateIds

Severity = Literal["info", "low", "medium", "high", "critical"]
SEVERITIES: tuple[str, ...] = ("info", "low", "medium", "high", "critical")

NOT_RECORDED = "not-recorded"  # the tag a finding decided on unknown carries beside its themes

class Reference(BaseModel):
    """A recommendation or piece of guidance a rule rests on."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    source: str
    section: str | None = None
    url: str | None = None

    @field_validator("url")
    @classmethod
    def _web_address(cls, url: str | None) -> str | None:
        if url is not None and not is_web_address(url):
            raise ValueError("a reference url must be a web address starting http:// or https://")
        return url


def is_web_address(url: str) -> bool:
    """An http(s) address with a host: what may become a link in a report, never javascript: or data:."""
    return re.match(r"https?://[^\s/]+", url, flags=re.IGNORECASE) is not None


class Evidence(BaseModel):
    """The words in the record that made a rule fire, with their span in the field's text."""

    model_config = ConfigDict(frozen=True)
    text: str
    start: int | None = None
    end: int | None = None
    path: str | None = None
    context: str | None = Field(None, description="affirmed, negated, other_experiencer, hypothetical or historical.")

    @staticmethod
    def trusted(text: str, start: int | None, end: int | None, path: str | None, context: str | None) -> Evidence:
        """Evidence(...) with these values, made without validating them: for values known to be valid."""
        return trusted_model(Evidence, {"text": text, "start": start, "end": end, "path": path, "context": context},
                        _EVIDENCE_GIVEN)


class Step(BaseModel):
    """One sub-condition of a rule and the value it had for this record."""

    model_config = ConfigDict(frozen=True)
    expression: str
    value: Any
    inputs: dict[str, Any] = Field({}, description="The recorded values the sub-condition read, by field path.")

    @staticmethod
    def trusted(expression: str, value: Any, inputs: dict[str, Any]) -> Step:
        """Step(...) with these values, made without validating them: for values known to be valid.

        The step keeps `inputs` itself, where Step(...) would copy it.
        """
        return trusted_model(Step, {"expression": expression, "value": value, "inputs": inputs}, _STEP_GIVEN)


class Finding(BaseModel):
    """One rule raised on one record."""

    model_config = ConfigDict(frozen=True)
    rule_id: str
    rule_version: int
    title: str
    severity: Severity
    tags: list[str]
    record_id: str
    record_type: str
    message: str
    path: str | None = None
    evidence: Evidence | None = None
    references: list[Reference] = []
    fingerprint: str = ""
    explanation: list[Step] = []
    decided_on_unknown: bool = Field(
        False, description="True when the rule fired because the data it needs was not recorded."
    )
    source: str | None = Field(None, description="The input the record was read from, when it was read from one.")
    location: str | None = Field(None, description="Where in that input: 'line 12', 'row 4', 'entry 2'.")

    def model_post_init(self, __context: Any) -> None:
        if not self.fingerprint:
            object.__setattr__(self, "fingerprint", fingerprint(self))

    @staticmethod
    def trusted(*, rule_id: str, rule_version: int, title: str, severity: Severity, tags: list[str], record_id: str,
                record_type: str, message: str, path: str | None, evidence: Evidence | None,
                references: list[Reference], explanation: list[Step], decided_on_unknown: bool, source: str | None,
                location: str | None) -> Finding:
        """Finding(...) with these values, fingerprint included, made without validating them: for values
        known to be valid, such as the engine's. The finding keeps the lists it is given, where Finding(...)
        would copy them.
        """
        key = fingerprint_of(rule_id, rule_version, record_id, path or "", evidence.text if evidence else "")
        return trusted_model(Finding, {
            "rule_id": rule_id, "rule_version": rule_version, "title": title, "severity": severity, "tags": tags,
            "record_id": record_id, "record_type": record_type, "message": message, "path": path,
            "evidence": evidence, "references": references, "fingerprint": key, "explanation": explanation,
            "decided_on_unknown": decided_on_unknown, "source": source, "location": location,
        }, _FINDING_GIVEN)


_EVIDENCE_GIVEN = frozenset(Evidence.model_fields)
_STEP_GIVEN = frozenset(Step.model_fields)
_FINDING_GIVEN = frozenset(Finding.model_fields) - {"fingerprint"}


def fingerprint(finding: Finding) -> str:
    """A stable hash of what identifies a finding across runs."""
    evidence = finding.evidence.text if finding.evidence else ""
    return fingerprint_of(finding.rule_id, finding.rule_version, finding.record_id, finding.path or "", evidence)


def fingerprint_of(rule_id: str, rule_version: int, record_id: str, path: str, evidence: str) -> str:
    """The hash of the JSON array [rule_id, rule_version, record_id, path, evidence].

    The array is written out here as json.dumps(..., ensure_ascii=False) writes it, which costs a
    fraction of calling it.
    """
    key = (f"[{_json_string(rule_id)}, {int.__repr__(rule_version)}, {_json_string(record_id)}, "
           f"{_json_string(path)}, {_json_string(evidence)}]")
    return hashlib.sha256(key.encode()).hexdigest()[:32]


class SuppressedFinding(BaseModel):
    """A finding a suppression silenced: not reported as a finding, but counted and listed with its reason."""

    model_config = ConfigDict(frozen=True)
    finding: Finding
    reason: str
    reviewer: str
    expires: date
    matched_by: Literal["fingerprint", "rule_id and record_id"]
    source: str | None = Field(None, description="The suppressions file and line of the entry that matched.")


class Rejection(BaseModel):
    """A record that could not be checked, and why."""

    model_config = ConfigDict(frozen=True)
    source: str
    location: str = Field(description="Where in the source: 'line 12', 'row 4', 'record 3'.")
    record_id: str | None = None
    field: str | None = None
    message: str


class RuleFailure(BaseModel):
    """A rule that raised while checking a record (the exception is errors.RuleError)."""

    model_config = ConfigDict(frozen=True)
    rule_id: str
    record_id: str
    message: str


class RuleStats(BaseModel):
    """The denominators an inspector needs for one rule."""

    applied: int = 0
    fired: int = Field(0, description="Findings raised, not-recorded ones included.")
    not_recorded: int = Field(0, description="Findings raised because the data the rule needs was not recorded.")
    unknown: int = Field(0, description="Records on which the rule could not decide: a field it needs was missing.")
    errored: int = 0

    @computed_field(  # type: ignore[prop-decorator]  # pydantic reads the property it wraps
        description="Share of the records the rule was applied to on which the fields it needed were "
                    "recorded, so that it could decide; null when it was applied to none.")
    @property
    def completeness(self) -> float | None:
        return None if not self.applied else round((self.applied - self.unknown) / self.applied, 4)


KEPT_IN_FULL = 1000  # rejections and rule errors listed in full; past this they are only counted


@dataclass
class Tally:
    """Counters kept while records stream through; never holds the records themselves.

    Memory stays bounded however long the input: the first KEPT_IN_FULL rejections and rule errors
    are kept with their reasons, and the rest are counted, so the counts are always exact.
    """

    records_read: int = 0
    records_checked: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    errors: list[RuleFailure] = field(default_factory=list)
    rule_stats: dict[str, RuleStats] = field(default_factory=dict)
    by_theme: Counter[str] = field(default_factory=Counter[str])  # recorded failures only
    not_recorded_by_theme: Counter[str] = field(default_factory=Counter[str])
    by_severity: Counter[str] = field(default_factory=Counter[str])
    findings_count: int = 0
    not_recorded_count: int = 0
    suppressed: list[SuppressedFinding] = field(default_factory=list)
    rejected_count: int = 0
    errors_count: int = 0
    duplicates: DuplicateIds = field(default_factory=DuplicateIds)
    baseline: dict[str, Any] | None = None  # how the findings compare with a baseline report, when given one

    def reject(self, rejection: Rejection) -> None:
        self.rejected_count += 1
        if len(self.rejected) < KEPT_IN_FULL:
            self.rejected.append(rejection)

    def error(self, error: RuleFailure) -> None:
        self.errors_count += 1
        if len(self.errors) < KEPT_IN_FULL:
            self.errors.append(error)

    def merge(self, other: "Tally") -> None:
        """Add the counts of a later part of the same input (from another process) to these."""
        self.duplicates.replay(other.duplicates, self.records_checked)
        self.records_read += other.records_read
        self.records_checked += other.records_checked
        for rejection in other.rejected:
            self.reject(rejection)
        self.rejected_count += other.rejected_count - len(other.rejected)
        for error in other.errors:
            self.error(error)
        self.errors_count += other.errors_count - len(other.errors)
        for rule_id, stats in other.rule_stats.items():
            mine = self.rule_stats.setdefault(rule_id, RuleStats())
            mine.applied += stats.applied
            mine.fired += stats.fired
            mine.unknown += stats.unknown
            mine.not_recorded += stats.not_recorded
            mine.errored += stats.errored
        self.by_theme.update(other.by_theme)
        self.not_recorded_by_theme.update(other.not_recorded_by_theme)
        self.by_severity.update(other.by_severity)
        self.findings_count += other.findings_count
        self.not_recorded_count += other.not_recorded_count
        self.suppressed.extend(other.suppressed)

    def count(self, finding: Finding) -> None:
        """Count a reported finding: by severity, and by theme as a recorded failure or a documentation gap."""
        self.findings_count += 1
        self.by_severity[finding.severity] += 1
        if finding.decided_on_unknown:
            self.not_recorded_count += 1
            for tag in finding.tags:
                if tag != NOT_RECORDED:
                    self.not_recorded_by_theme[tag] += 1
            return
        for tag in finding.tags:
            self.by_theme[tag] += 1

    def suppress(self, suppressed: SuppressedFinding) -> None:
        self.suppressed.append(suppressed)

    def summary(self) -> dict[str, Any]:
        """Counts for the header of every output."""
        return {
            "records_read": self.records_read,
            "records_checked": self.records_checked,
            "records_rejected": self.rejected_count,
            "findings": self.findings_count,
            "not_recorded": self.not_recorded_count,
            "suppressed": len(self.suppressed),
            "by_severity": {s: self.by_severity[s] for s in SEVERITIES if self.by_severity[s]},
            "by_theme": dict(sorted(self.by_theme.items())),
            "not_recorded_by_theme": dict(sorted(self.not_recorded_by_theme.items())),
            "rule_errors": self.errors_count,
            "duplicate_ids": self.duplicates.count,
            **({"baseline": self.baseline} if self.baseline is not None else {}),
        }


class AuditResult(BaseModel):
    """Findings of a run with the counts that make them meaningful."""

    findings: list[Finding]
    records_read: int
    records_checked: int
    rejected: list[Rejection]
    errors: list[RuleFailure]
    rule_stats: dict[str, RuleStats]
    by_theme: dict[str, int] = Field(description="Recorded failures by theme: findings decided on unknown are left out.")
    by_severity: dict[str, int]
    not_recorded: int = Field(0, description="Findings decided on unknown: documentation gaps, listed in `findings`.")
    not_recorded_by_theme: dict[str, int] = Field({}, description="Those findings by theme.")
    records_rejected: int = Field(0, description="All rejected records; `rejected` lists the first 1000.")
    rule_errors: int = Field(0, description="All rule errors; `errors` lists the first 1000.")
    suppressed: list[SuppressedFinding] = Field([], description="Findings silenced by a suppression, with its reason.")
    duplicate_ids: int = Field(0, description="Records whose type and id repeat an earlier record's; all were checked.")
    duplicates: list[Duplicate] = Field([], description="The first 1000 of those records, with their place.")

    @classmethod
    def from_tally(cls, findings: list[Finding], tally: Tally) -> "AuditResult":
        return cls(
            findings=findings,
            records_read=tally.records_read,
            records_checked=tally.records_checked,
            rejected=tally.rejected,
            errors=tally.errors,
            rule_stats=tally.rule_stats,
            by_theme=dict(sorted(tally.by_theme.items())),
            by_severity={s: tally.by_severity[s] for s in SEVERITIES if tally.by_severity[s]},
            not_recorded=tally.not_recorded_count,
            not_recorded_by_theme=dict(sorted(tally.not_recorded_by_theme.items())),
            records_rejected=tally.rejected_count,
            rule_errors=tally.errors_count,
            suppressed=tally.suppressed,
            duplicate_ids=tally.duplicates.count,
            duplicates=tally.duplicates.listed,
        )


def __getattr__(name: str) -> Any:
    if name == "RuleError":  # the finding-model name it had; errors.RuleError is the exception
        warnings.warn("leder_audit.findings.RuleError is now RuleFailure", DeprecationWarning, stacklevel=2)
        return RuleFailure
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
