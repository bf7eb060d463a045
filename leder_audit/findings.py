"""What a run produces: findings, rejected records, and the counts behind them."""

from __future__ import annotations

import hashlib
import re
import warnings
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from json.encoder import encode_basestring as _json_string
from typing import Any, Iterable, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, computed_field, field_validator
from pydantic_core import to_json

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
    return _fingerprint(_key_head(rule_id, rule_version), record_id, _key_tail(path, evidence))


def _key_head(rule_id: str, rule_version: int) -> str:
    """What the fingerprint key of every finding of one rule version starts with."""
    return f"[{_json_string(rule_id)}, {int.__repr__(rule_version)}, "


def _key_tail(path: str, evidence: str) -> str:
    """What the fingerprint key of a finding ends with: its path and evidence."""
    return f", {_json_string(path)}, {_json_string(evidence)}]"


def _fingerprint(head: str, record_id: str, tail: str) -> str:
    return hashlib.sha256((head + _json_string(record_id) + tail).encode()).hexdigest()[:32]


class Traced(Protocol):
    """One sub-condition as an evaluation traced it: its text, its value and the values it read."""

    @property
    def expression(self) -> str: ...
    @property
    def value(self) -> Any: ...
    @property
    def inputs(self) -> dict[str, Any]: ...


_references_json = TypeAdapter(list[Reference]).dump_json


def _json_or_null(text: str | None) -> str:
    return "null" if text is None else _json_string(text)


@dataclass(frozen=True, slots=True)
class FindingParts:
    """What every finding of one rule in one case (recorded, or not recorded) shares, with its JSON written
    once: the record's own parts are filled in between."""

    rule_id: str
    rule_version: int
    title: str
    severity: Severity
    tags: tuple[str, ...]
    references: tuple[Reference, ...]
    decided_on_unknown: bool
    head: str = ""  # '{"rule_id": ... "tags": [...], "record_id":'
    middle: str = ""  # ',"references": [...], "fingerprint":'
    tail: str = ""  # ',"decided_on_unknown": ..., "source":'
    key_head: str = ""  # what its findings' fingerprint keys start with (fingerprint_of)

    @classmethod
    def of(cls, rule_id: str, rule_version: int, title: str, severity: Severity, tags: tuple[str, ...],
           references: tuple[Reference, ...], decided_on_unknown: bool) -> FindingParts:
        """The parts, their JSON written as Finding.model_dump_json() writes it."""
        head = (f'{{"rule_id":{_json_string(rule_id)},"rule_version":{int.__repr__(rule_version)},'
                f'"title":{_json_string(title)},"severity":{_json_string(severity)},'
                f'"tags":{to_json(list(tags)).decode()},"record_id":')
        middle = f',"references":{_references_json(list(references)).decode()},"fingerprint":'
        tail = f',"decided_on_unknown":{"true" if decided_on_unknown else "false"},"source":'
        return cls(rule_id, rule_version, title, severity, tags, references, decided_on_unknown, head, middle, tail,
                   _key_head(rule_id, rule_version))


class Reasons:
    """What a finding rests on: the evidence it quotes, the field path it names and the rule's steps.

    Findings that repeat an explanation share one Reasons; its JSON and its Step models are made once,
    when first asked for.
    """

    __slots__ = ("evidence", "path", "traced", "found_again", "_steps", "_evidence_json", "_steps_json", "_key_tail")

    def __init__(self, evidence: Evidence | None, path: str | None, traced: list[Traced]) -> None:
        self.evidence = evidence
        self.path = path
        self.traced = traced
        self.found_again = False  # the engine's store of explanations keeps those found again when it is full
        self._steps: list[Step] | None = None
        self._evidence_json: str | None = None
        self._steps_json: str | None = None
        self._key_tail: str | None = None

    def key_tail(self) -> str:
        """What the fingerprint key of a finding with these reasons ends with (fingerprint_of)."""
        if self._key_tail is None:
            evidence = self.evidence
            self._key_tail = _key_tail(self.path or "", evidence.text if evidence is not None else "")
        return self._key_tail

    def steps(self) -> list[Step]:
        """The steps as models, shared: each finding takes its own list of them."""
        if self._steps is None:
            self._steps = [Step.trusted(s.expression, s.value, s.inputs) for s in self.traced]
        return self._steps

    def evidence_json(self) -> str:
        """',"path": ..., "evidence": ...' as the finding's JSON has them."""
        if self._evidence_json is None:
            evidence = self.evidence
            quoted = "null" if evidence is None else (
                f'{{"text":{_json_string(evidence.text)},"start":{_json_int(evidence.start)},'
                f'"end":{_json_int(evidence.end)},"path":{_json_or_null(evidence.path)},'
                f'"context":{_json_or_null(evidence.context)}}}')
            self._evidence_json = f',"path":{_json_or_null(self.path)},"evidence":{quoted}'
        return self._evidence_json

    def steps_json(self) -> str:
        """',"explanation": [...]' as the finding's JSON has it."""
        if self._steps_json is None:
            steps = [{"expression": s.expression, "value": s.value, "inputs": s.inputs} for s in self.traced]
            self._steps_json = ',"explanation":' + to_json(steps).decode()
        return self._steps_json


def _json_int(value: int | None) -> str:
    return "null" if value is None else int.__repr__(value)


class FoundFinding:
    """A finding as the engine makes it: the rule's shared parts and what this record gave. It is written as
    JSON without building a model; `model()` gives the Finding for everything else."""

    __slots__ = ("parts", "reasons", "record_id", "record_type", "message", "source", "location", "fingerprint")

    def __init__(self, parts: FindingParts, reasons: Reasons, record_id: str, record_type: str, message: str,
                 source: str | None, location: str | None) -> None:
        self.parts = parts
        self.reasons = reasons
        self.record_id = record_id
        self.record_type = record_type
        self.message = message
        self.source = source
        self.location = location
        self.fingerprint = _fingerprint(parts.key_head or _key_head(parts.rule_id, parts.rule_version), record_id,
                                        reasons.key_tail())

    @property
    def rule_id(self) -> str:
        return self.parts.rule_id

    @property
    def severity(self) -> Severity:
        return self.parts.severity

    @property
    def tags(self) -> tuple[str, ...]:
        return self.parts.tags

    @property
    def decided_on_unknown(self) -> bool:
        return self.parts.decided_on_unknown

    @property
    def rule_version(self) -> int:
        return self.parts.rule_version

    @property
    def title(self) -> str:
        return self.parts.title

    @property
    def references(self) -> tuple[Reference, ...]:
        return self.parts.references

    @property
    def evidence(self) -> Evidence | None:
        return self.reasons.evidence

    @property
    def path(self) -> str | None:
        return self.reasons.path

    def json(self) -> str:
        """The finding's JSON, exactly as `self.model().model_dump_json()` writes it."""
        parts = self.parts
        reasons = self.reasons
        return (f"{parts.head}{_json_string(self.record_id)},\"record_type\":{_json_string(self.record_type)},"
                f"\"message\":{_json_string(self.message)}{reasons.evidence_json()}{parts.middle}\"{self.fingerprint}\""
                f"{reasons.steps_json()}{parts.tail}{_json_or_null(self.source)},"
                f"\"location\":{_json_or_null(self.location)}}}")

    def model(self) -> Finding:
        """The Finding model, with its own lists."""
        parts = self.parts
        reasons = self.reasons
        return trusted_model(Finding, {
            "rule_id": parts.rule_id, "rule_version": parts.rule_version, "title": parts.title,
            "severity": parts.severity, "tags": list(parts.tags), "record_id": self.record_id,
            "record_type": self.record_type, "message": self.message, "path": reasons.path,
            "evidence": reasons.evidence, "references": list(parts.references), "fingerprint": self.fingerprint,
            "explanation": list(reasons.steps()), "decided_on_unknown": parts.decided_on_unknown,
            "source": self.source, "location": self.location,
        }, _FINDING_GIVEN)


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

    def count(self, finding: Finding | FoundFinding) -> None:
        """Count a reported finding: by severity, and by theme as a recorded failure or a documentation gap."""
        self.count_many(finding.severity, finding.tags, finding.decided_on_unknown, 1)

    def count_many(self, severity: str, tags: Iterable[str], decided_on_unknown: bool, count: int) -> None:
        """Count `count` reported findings of one severity, tags and case at once."""
        self.findings_count += count
        self.by_severity[severity] += count
        if decided_on_unknown:
            self.not_recorded_count += count
            for tag in tags:
                if tag != NOT_RECORDED:
                    self.not_recorded_by_theme[tag] += count
            return
        for tag in tags:
            self.by_theme[tag] += count

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
