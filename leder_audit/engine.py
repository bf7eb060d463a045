"""Run a rulebook over records: embedded records, accounting, findings with their reasons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Callable, Iterable, Iterator, Mapping, Protocol, Sequence

from .findings import (AuditResult, Evidence, Finding, FindingParts, FoundFinding, Reasons, Reference, RuleFailure,
                       RuleStats, Severity, Step, Tally)
from .intake import Admitted, Incoming, admit, record_data, validate
from .language.compile import CONTEXT, MEMO, RECORD, Compiled, Explainer
from .language.functions import Concepts, RunContext, Sighting
from .language.trace import Step as TracedStep
from .language.trace import plain
from .language.nodes import Node
from .prose import prose
from .records import RECORD_MODELS, certificate_line_name, certificate_line_text, parts_of
from .suppressions import Suppressions

# Records enter through intake; these names are kept here for code that imported them from the engine.
__all__ = ["Auditor", "Checker", "Explanation", "Incoming", "finding_of", "record_data", "validate"]


@dataclass(frozen=True, slots=True)
class Placeholder:
    """A `{...}` in a message template, compiled when it names a field."""

    name: str
    value: Compiled | None = None


@dataclass(frozen=True, slots=True)
class Case:
    """The parts a rule's findings of one kind share, built once: recorded failure, or not recorded."""

    title: str
    severity: Severity
    tags: tuple[str, ...]
    message: str  # the template, its white space made single spaces
    placeholders: tuple[Placeholder, ...]
    decided_on_unknown: bool
    parts: FindingParts  # the rest of the finding, its JSON written once


class RuleSpec(Protocol):
    """What the engine reads of a rule's metadata."""

    @property
    def id(self) -> str: ...
    @property
    def version(self) -> int: ...
    @property
    def applies_to(self) -> str: ...
    @property
    def references(self) -> Sequence[Reference]: ...


class Rule(Protocol):
    """What the engine reads of a loaded rule (rulebook.Rule): its condition and the finding of each case."""

    @property
    def id(self) -> str: ...
    @property
    def spec(self) -> RuleSpec: ...
    @property
    def condition(self) -> Node: ...
    @property
    def recorded(self) -> Case | None: ...
    @property
    def unknown(self) -> Case | None: ...


class Rulebook(Protocol):
    """What the engine reads of a rulebook (rulebook.Rulebook): its rules, compiled together by record type."""

    @property
    def concepts(self) -> Concepts: ...
    @property
    def rules(self) -> Sequence[Rule]: ...
    @property
    def by_id(self) -> Mapping[str, Rule]: ...
    @property
    def by_type(self) -> Mapping[str, Sequence[Rule]]: ...
    @property
    def plans(self) -> Mapping[str, Sequence[tuple[Rule, Compiled]]]: ...
    @property
    def trace_paths(self) -> Mapping[str, tuple[tuple[str, ...], ...] | None]: ...
    @property
    def explainers(self) -> Mapping[str, Explainer]: ...


@dataclass(frozen=True, slots=True)
class Explanation:
    """How one rule decided on one record (or a record embedded in it): the outcome and what led to it."""

    record_id: str
    at: str  # the field holding the embedded record ("dnacpr"), or "" for the record itself
    outcome: bool | None
    fires: bool  # true also when the outcome is unknown and the rule raises its not-recorded finding then
    steps: list[TracedStep]
    evidence: list[tuple[Sighting, str | None]]  # what the functions found, with the field path it was found at


class Auditor:
    """Checks records one at a time, keeping only counters between them."""

    def __init__(self, rulebook: Rulebook, as_of: date | None = None, suppressions: Suppressions | None = None) -> None:
        self.rulebook = rulebook
        self.context = RunContext(today=as_of or date.today(), concepts=rulebook.concepts)
        self.suppressions = suppressions or Suppressions()
        self._tally = Tally(rule_stats={rule.id: RuleStats() for rule in rulebook.rules})
        # How many times each record type's rules were applied, added to rule_stats when read:
        # one count per record instead of one per rule keeps the per-record cost down.
        self._applications = dict.fromkeys(RECORD_MODELS, 0)
        self._where: tuple[str | None, str | None] = (None, None)  # the record being checked: source, location
        # Explanations already worked out, by rule and the values the rule's trace reads (see _explanation).
        self._explained: dict[tuple[Any, ...], Reasons] = {}

    @property
    def tally(self) -> Tally:
        """The counts so far."""
        for record_type, count in self._applications.items():
            if count:
                for rule in self.rulebook.by_type[record_type]:
                    self._tally.rule_stats[rule.id].applied += count
                self._applications[record_type] = 0
        return self._tally

    def check(self, record: Any) -> list[Finding]:
        """Findings on one record; InputError if it does not fit its model."""
        return [found.model() for found in self._check_record(record_data(record))]

    def check_found(self, record: Any) -> list[FoundFinding]:
        """What `check` finds, before any Finding model is made (`FoundFinding.model()` gives it)."""
        return self._check_record(record_data(record))

    @property
    def errors_count(self) -> int:
        """How many times a rule has failed to run so far: `tally.errors_count`, without the rest of the tally."""
        return self._tally.errors_count

    def explain(self, rule: Rule | str, record: Any) -> list[Explanation]:
        """How a rule (or rule id) decides on a record and on each embedded record of its type; InputError if the
        record does not fit its model."""
        rule = self.rulebook.by_id[rule] if isinstance(rule, str) else rule
        data = record_data(record)
        explained = []
        for part, prefix in parts_of(data):
            if part["record_type"] != rule.spec.applies_to:
                continue
            outcome, trace = self.rulebook.explainers[rule.id]({RECORD: part, CONTEXT: self.context})
            fires = outcome is True and rule.recorded is not None or outcome is None and rule.unknown is not None
            explained.append(Explanation(
                data["id"], prefix.rstrip("."), outcome, fires,
                [TracedStep(s.expression, s.value, {prefix + k: v for k, v in s.inputs.items()}) for s in trace.steps],
                [(sighting, prefix + path if path else None) for sighting, path in trace.sightings]))
        return explained

    def run(self, items: Iterable[Any], observe: Callable[[dict[str, Any], list[Finding]], None] | None = None
            ) -> Iterator[Finding]:
        """Findings of every record in turn; records that do not fit are counted as rejected.

        `observe`, when given, sees each checked record's data (`record_data`) with its findings.
        """
        for record, found in self._checked(items):
            findings = [f.model() for f in found]
            if observe is not None:
                observe(record, findings)
            if findings:
                yield from findings

    def found(self, items: Iterable[Any]) -> Iterator[FoundFinding]:
        """What `run` finds, before any Finding model is made: each one can be written as JSON as it is."""
        for _, found in self._checked(items):
            if found:
                yield from found

    def _checked(self, items: Iterable[Any]) -> Iterator[tuple[dict[str, Any], list[FoundFinding]]]:
        """Each record that fits its model with its findings; the others are counted as rejected."""
        tally = self._tally
        note = tally.duplicates.note
        for number, item in enumerate(items, 1):
            tally.records_read += 1
            admitted = admit(item, number)
            if type(admitted) is not Admitted:
                tally.reject(admitted)  # type: ignore[arg-type]  # not Admitted, so a Rejection
                continue
            record, source, location = admitted
            tally.records_checked += 1
            note(record["record_type"], record["id"], source, location, tally.records_checked)
            self._where = (source, location)
            yield record, self._check_record(record)
        self._where = (None, None)

    def _check_record(self, record: dict[str, Any]) -> list[FoundFinding]:
        found: list[FoundFinding] = []
        for part, prefix in parts_of(record):
            self._apply(part["record_type"], part, record, prefix, found)
        return found

    def _apply(self, record_type: str, record: dict[str, Any], top: dict[str, Any], prefix: str,
               found: list[FoundFinding]) -> None:
        context = self.context
        env = {RECORD: record, CONTEXT: context, MEMO: {}}
        self._applications[record_type] += 1
        for rule, compiled in self.rulebook.plans[record_type]:
            try:
                outcome = compiled(env)
            except Exception as error:  # a rule's failure is reported, and the run goes on
                self._tally.rule_stats[rule.spec.id].errored += 1
                self._tally.error(RuleFailure(rule_id=rule.id, record_id=top["id"],
                                                   message=f"{type(error).__name__}: {error}"))
                continue
            if outcome is False:
                continue
            rule_stats = self._tally.rule_stats[rule.spec.id]
            if outcome is None:
                rule_stats.unknown += 1
                case = rule.unknown
            elif outcome is True:
                case = rule.recorded
            else:
                continue
            if case is None:
                continue
            rule_stats.fired += 1
            rule_stats.not_recorded += case.decided_on_unknown
            finding = self._finding(rule, case, env, top, prefix)
            if self.suppressions.entries:
                suppression = self.suppressions.matching(finding, context.today)
                if suppression is not None:
                    self._tally.suppress(suppression.silence(finding.model()))
                    continue
            self._tally.count(finding)
            found.append(finding)

    def _finding(self, rule: Rule, case: Case, env: dict[str, Any], top: dict[str, Any], prefix: str
                 ) -> FoundFinding:
        reasons = self._explanation(rule, env, prefix)
        source, location = self._where
        return FoundFinding(case.parts, reasons, top["id"], top["record_type"],
                            _message(case, env, reasons.evidence, reasons.path, top["id"]), source, location)

    def _explanation(self, rule: Rule, env: dict[str, Any], prefix: str) -> Reasons:
        """A finding's evidence, path and steps, from the rule's explaining closures.

        A rule whose trace reads only the fields `trace_inputs` lists explains itself the same way for the
        same values there, so the answer is kept by those values: most findings repeat a yes/no answer or a
        code, and certificates repeat their Part I lines. The findings that have the same reasons share them.
        """
        paths = self.rulebook.trace_paths.get(rule.id)
        key = None
        if paths is not None:
            key = _explanation_key(rule.id, prefix, env[RECORD], paths)
            if key is not None:
                known = self._explained.get(key)
                if known is not None:
                    return known
        _, trace = self.rulebook.explainers[rule.id](env)
        evidence = None
        if trace.sightings:
            sighting, path = trace.sightings[0]
            evidence = Evidence.trusted(sighting.text, sighting.start, sighting.end, prefix + path if path else None,
                                        sighting.context)
        path = evidence.path if evidence is not None else None
        if not path:  # the first field the rule read
            for step in trace.steps:
                if step.inputs:
                    first_input = next(iter(step.inputs))
                    path = prefix + first_input if first_input else None
                    break
        if prefix:
            for step in trace.steps:
                step.inputs = {prefix + k: v for k, v in step.inputs.items()}
        reasons = Reasons(evidence, path, list(trace.steps))
        if key is not None and EXPLAINED_LIMIT:
            if len(self._explained) >= EXPLAINED_LIMIT:
                self._explained.clear()
            self._explained[key] = reasons
        return reasons

    def result(self, findings: list[Finding]) -> AuditResult:
        return AuditResult.from_tally(findings, self.tally)


class Checker:
    """Checks single records as they come, warm: the rulebook's plans, the run's context and the explanations
    already worked out are set up once and kept between calls.

    Without `as_of`, each call judges against the real date of that call. One Checker is not for several
    threads at once (it keeps the record being checked); give each thread its own, as `Rulebook.check` does.
    """

    def __init__(self, rulebook: Rulebook, as_of: date | None = None) -> None:
        self.rulebook = rulebook
        self.as_of = as_of
        self._auditor = Auditor(rulebook, as_of=as_of)

    def check(self, record: Any) -> list[Finding]:
        """Findings of every applicable rule on one record (a dict, JSON bytes or a record model);
        InputError if it does not fit its model."""
        auditor = self._auditor
        if self.as_of is None:
            today = date.today()
            if auditor.context.today != today:
                auditor.context.today = today
                auditor._explained.clear()  # an explanation may read today()
        return auditor.check(record)


EXPLAINED_LIMIT = 4096  # explanations kept per run; the store is emptied when full
# Values a rule's trace may be keyed by: hashable, and equal only when they read the same. Not float: 0.0 == -0.0.
_NOT_A_SINGLE_VALUE = object()


class _UnrecordedAt(int):
    """The value of a field path whose part at this depth is null: `family` null reads differently from
    `family.invited_to_contribute` null, so the two must not share a kept explanation."""

    __slots__ = ()


_SINGLE_VALUES = frozenset({str, int, bool, type(None), date, _UnrecordedAt})


def _explanation_key(rule_id: str, prefix: str, record: dict[str, Any], paths: tuple[tuple[str, ...], ...]
                     ) -> tuple[Any, ...] | None:
    """What a rule's explanation on a record is kept by: the values at the paths its trace reads, lists and
    parts of records as their frozen copies; None when a value cannot be told apart from others by equality."""
    values: list[Any] = []
    types: list[type] = []  # True == 1, but they are explained differently
    for path in paths:
        value = _value_at(record, path)
        kind = type(value)
        if kind not in _SINGLE_VALUES:
            value = _frozen(value)
            if value is _NOT_A_SINGLE_VALUE:
                return None
        values.append(value)
        types.append(kind)
    return (rule_id, prefix, tuple(values), tuple(types))


def _frozen(value: Any) -> Any:
    """A list or part of a record as nested tuples, each value beside its type, so that two are equal only
    when they read the same; _NOT_A_SINGLE_VALUE when something in it is not a single value."""
    kind = type(value)
    if kind in _SINGLE_VALUES:
        return (kind, value)
    if kind is list:
        items = []
        for item in value:
            frozen = _frozen(item)
            if frozen is _NOT_A_SINGLE_VALUE:
                return _NOT_A_SINGLE_VALUE
            items.append(frozen)
        return (list, tuple(items))
    if kind is dict:
        fields = []
        for name, item in value.items():
            item_kind = type(item)
            if item_kind in _SINGLE_VALUES:  # most fields of a part, read here without a call
                fields.append((name, (item_kind, item)))
                continue
            frozen = _frozen(item)
            if frozen is _NOT_A_SINGLE_VALUE:
                return _NOT_A_SINGLE_VALUE
            fields.append((name, frozen))
        return (dict, tuple(fields))
    return _NOT_A_SINGLE_VALUE


def _value_at(record: dict[str, Any], path: tuple[str, ...]) -> Any:
    """The value at a field path of record data; not a single value when the path passes through a list."""
    value: Any = record
    for depth, name in enumerate(path):
        if value is None:
            return _UnrecordedAt(depth)
        if type(value) is not dict:
            return _NOT_A_SINGLE_VALUE
        value = value.get(name)
    return value


def finding_of(spec: RuleSpec, case: Case, *, source: str | None, location: str | None, record_id: str,
               record_type: str, message: str, path: str | None, evidence: Evidence | None,
               explanation: list[Step]) -> Finding:
    """A finding of the rule with this spec in one of its cases (recorded, or not recorded): its title,
    severity and tags the case's, its references the rule's.

    Everything is valid already (the rule, the record and the trace were), so it is not validated again.
    """
    return Finding.trusted(
        source=source, location=location, rule_id=spec.id, rule_version=spec.version, title=case.title,
        severity=case.severity, tags=list(case.tags), record_id=record_id, record_type=record_type, message=message,
        path=path, evidence=evidence, references=list(spec.references), decided_on_unknown=case.decided_on_unknown,
        explanation=explanation,
    )


def _message(case: Case, env: dict[str, Any], evidence: Evidence | None, path: str | None, record_id: str) -> str:
    message = case.message
    fixed = None
    for placeholder in case.placeholders:
        if placeholder.value is None:
            if fixed is None:
                fixed = {"evidence": evidence.text if evidence else "",
                         "context": (evidence.context or "") if evidence else "",
                         "path": path or "", "record_id": record_id, "as_of": env[CONTEXT].today.isoformat(),
                         "line": certificate_line_name(path), "line_text": certificate_line_text(env[RECORD], path)}
            text = fixed[placeholder.name]
        else:
            value = placeholder.value(env)
            text = prose(plain(value))
        message = message.replace("{" + placeholder.name + "}", text)
    return message

