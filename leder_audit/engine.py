"""Run a rulebook over records: embedded records, accounting, findings with their reasons."""

from __future__ import annotations

import threading
import weakref
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
    # The field paths the value reads (trace_inputs of its expression), None when it reads something else.
    paths: tuple[tuple[str, ...], ...] | None = None


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


class _Emit:
    """What one rule's findings in one case need at run time, looked up once when the Auditor is made."""

    __slots__ = ("case", "parts", "slot", "message", "placeholders", "message_paths", "names_record")

    def __init__(self, case: Case, slot: int, read_by_rule: tuple[tuple[str, ...], ...] | None) -> None:
        self.case = case
        self.parts = case.parts
        self.slot = slot  # where this case's findings are counted (Auditor._counts)
        self.message = case.message
        # Each placeholder as the text it replaces and how its value is found: a compiled value, or a template name.
        self.placeholders = tuple(("{" + p.name + "}", p.value, p.name) for p in case.placeholders)
        # A message is kept by its finding's reasons, the record's id when it names it, and the values at these
        # paths: those its placeholders read, less those the rule's kept reasons are kept by already
        # (`read_by_rule`). None when a placeholder reads something else.
        self.names_record = any(p.name == "record_id" for p in case.placeholders)
        paths: dict[tuple[str, ...], None] = {}
        keyed = True
        for placeholder in case.placeholders:
            if placeholder.value is not None:
                if placeholder.paths is None:
                    keyed = False
                    break
                paths.update(dict.fromkeys(placeholder.paths))
            elif placeholder.name == "line_text":  # the text of the line the finding's path names
                paths.update(dict.fromkeys((("part1",), ("part2",))))
        self.message_paths = tuple(p for p in paths if p not in (read_by_rule or ())) if keyed else None


class _Step:
    """One rule of a record type's plan, with what its findings need."""

    __slots__ = ("rule", "rule_id", "index", "recorded", "unknown", "paths", "explainer")

    def __init__(self, rule: Rule, index: int, recorded: _Emit | None, unknown: _Emit | None,
                 paths: tuple[tuple[str, ...], ...] | None, explainer: Explainer) -> None:
        self.rule = rule
        self.rule_id = rule.id
        self.index = index  # the rule's place in Auditor._rule_ids
        self.recorded = recorded
        self.unknown = unknown
        self.paths = paths
        self.explainer = explainer


class _Prepared:
    """A rulebook's plans as the engine runs them, made once per rulebook and shared by its Auditors."""

    def __init__(self, rulebook: Rulebook) -> None:
        self.source = dict(rulebook.plans)  # what they were made from, held so that a change is seen
        self.copies = {record_type: list(plan) for record_type, plan in self.source.items()}
        self.rule_ids: list[str] = []  # each rule's place
        self.emits: list[_Emit] = []  # each case, at its slot
        self.plans: dict[str, list[tuple[Compiled, _Step]]] = {}
        places: dict[str, int] = {}
        for record_type, plan in self.source.items():
            steps = []
            for rule, compiled in plan:
                index = places.get(rule.id)
                if index is None:
                    index = places[rule.id] = len(self.rule_ids)
                    self.rule_ids.append(rule.id)
                paths = rulebook.trace_paths.get(rule.id)
                steps.append((compiled, _Step(rule, index, self._emit(rule.recorded, paths),
                                              self._emit(rule.unknown, paths), paths, rulebook.explainers[rule.id])))
            self.plans[record_type] = steps

    def _emit(self, case: Case | None, read_by_rule: tuple[tuple[str, ...], ...] | None) -> _Emit | None:
        if case is None:
            return None
        emit = _Emit(case, len(self.emits), read_by_rule)
        self.emits.append(emit)
        return emit

    def made_from(self, plans: Mapping[str, Sequence[tuple[Rule, Compiled]]]) -> bool:
        """Whether these are still the plans this was made from, the same lists holding the same items."""
        if plans.keys() != self.source.keys():
            return False
        for record_type, plan in plans.items():
            copy = self.copies[record_type]
            if plan is not self.source[record_type] or len(plan) != len(copy) \
                    or not all(a is b for a, b in zip(plan, copy)):
                return False
        return True


_PREPARED: weakref.WeakKeyDictionary[Any, _Prepared] = weakref.WeakKeyDictionary()
_PREPARING = threading.Lock()


def _prepared(rulebook: Rulebook) -> _Prepared:
    """The rulebook's plans as the engine runs them: made for its first Auditor and shared by the next ones,
    made again when its plans have been changed."""
    with _PREPARING:
        known = _PREPARED.get(rulebook)
        if known is None or not known.made_from(rulebook.plans):
            known = _PREPARED[rulebook] = _Prepared(rulebook)
        return known


class Auditor:
    """Checks records one at a time, keeping only counters between them."""

    def __init__(self, rulebook: Rulebook, as_of: date | None = None, suppressions: Suppressions | None = None) -> None:
        self.rulebook = rulebook
        self.context = RunContext(today=as_of or date.today(), concepts=rulebook.concepts)
        self.suppressions = suppressions or Suppressions()
        self._tally = Tally(rule_stats={rule.id: RuleStats() for rule in rulebook.rules})
        # Counts kept as plain integers while records are checked and added to the tally when it is read:
        # RuleStats are models, whose attributes cost several times a list item to add to.
        # How many times each record type's rules were applied:
        self._applications = dict.fromkeys(RECORD_MODELS, 0)
        prepared = _prepared(rulebook)
        self._plans = prepared.plans
        self._rule_ids = prepared.rule_ids
        self._emits = prepared.emits
        # Each rule's unknown outcomes (by _Step.index) and each case's findings (by _Emit.slot):
        self._unknowns = [0] * len(prepared.rule_ids)
        self._counts = [0] * len(prepared.emits)
        self._unknowns_held: list[int] = []  # the places and slots counted there since the tally was read
        self._counts_held: list[int] = []
        self._where: tuple[str | None, str | None] = (None, None)  # the record being checked: source, location
        # Explanations already worked out, by rule and the values the rule's trace reads (see _explanation).
        self._explained: dict[tuple[Any, ...], Reasons] = {}
        # Messages already written, by case, the finding's reasons and the values the placeholders read.
        self._messages: dict[tuple[Any, ...], str] = {}

    def forget(self) -> None:
        """Drop the explanations and messages kept: they may read today(), which has moved on."""
        self._explained.clear()
        self._messages.clear()

    @property
    def tally(self) -> Tally:
        """The counts so far."""
        tally = self._tally
        for record_type, count in self._applications.items():
            if count:
                for rule in self.rulebook.by_type[record_type]:
                    tally.rule_stats[rule.id].applied += count
                self._applications[record_type] = 0
        unknowns, counts = self._unknowns, self._counts
        for index in self._unknowns_held:
            tally.rule_stats[self._rule_ids[index]].unknown += unknowns[index]
            unknowns[index] = 0
        for slot in self._counts_held:
            count, parts = counts[slot], self._emits[slot].parts
            stats = tally.rule_stats[parts.rule_id]
            stats.fired += count
            if parts.decided_on_unknown:
                stats.not_recorded += count
            tally.count_many(parts.severity, parts.tags, parts.decided_on_unknown, count)
            counts[slot] = 0
        self._unknowns_held.clear()
        self._counts_held.clear()
        return tally

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
        check = self._check_record
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
            yield record, check(record)
        self._where = (None, None)

    def _check_record(self, record: dict[str, Any]) -> list[FoundFinding]:
        found: list[FoundFinding] = []
        record_type = record["record_type"]
        self._apply(record_type, record, record, "", found)
        if record_type == "mortality_review":
            for part, prefix in parts_of(record)[1:]:
                self._apply(part["record_type"], part, record, prefix, found)
        return found

    def _apply(self, record_type: str, record: dict[str, Any], top: dict[str, Any], prefix: str,
               found: list[FoundFinding]) -> None:
        env = {RECORD: record, CONTEXT: self.context, MEMO: {}}
        self._applications[record_type] += 1
        read: dict[tuple[str, ...], Any] | None = None  # the values the rules' traces read, once each
        for compiled, step in self._plans[record_type]:
            try:
                outcome = compiled(env)
            except Exception as error:  # a rule's failure is reported, and the run goes on
                self._failed(step, top, error)
                continue
            if outcome is False:
                continue
            if outcome is None:
                if not self._unknowns[step.index]:
                    self._unknowns_held.append(step.index)
                self._unknowns[step.index] += 1
                emit = step.unknown
            elif outcome is True:
                emit = step.recorded
            else:
                continue
            if emit is None:
                continue
            if read is None:
                read = {}
            finding = self._finding(step, emit, env, top, prefix, read)
            if self.suppressions.entries:
                suppression = self.suppressions.matching(finding, self.context.today)
                if suppression is not None:
                    stats = self._tally.rule_stats[step.rule_id]
                    stats.fired += 1
                    stats.not_recorded += emit.parts.decided_on_unknown
                    self._tally.suppress(suppression.silence(finding.model()))
                    continue
            if not self._counts[emit.slot]:
                self._counts_held.append(emit.slot)
            self._counts[emit.slot] += 1
            found.append(finding)

    def _failed(self, step: _Step, top: dict[str, Any], error: Exception) -> None:
        self._tally.rule_stats[step.rule_id].errored += 1
        self._tally.error(RuleFailure(rule_id=step.rule_id, record_id=top["id"],
                                      message=f"{type(error).__name__}: {error}"))

    def _finding(self, step: _Step, emit: _Emit, env: dict[str, Any], top: dict[str, Any], prefix: str,
                 read: dict[tuple[str, ...], Any]) -> FoundFinding:
        reasons, kept = self._explanation(step, env, prefix, read)
        source, location = self._where
        record_id = top["id"]
        message = emit.message
        if emit.placeholders:
            paths = emit.message_paths
            key = None
            if paths is not None and kept:  # a message is kept only with the reasons it was written for
                key = _explanation_key(emit.slot, reasons, env[RECORD], paths, read)
                if key is not None and emit.names_record:
                    key += (record_id,)
            if key is None:
                message = _message(emit, env, reasons, record_id)
            else:
                known = self._messages.get(key)
                if known is None:
                    if len(self._messages) >= MESSAGES_LIMIT:
                        self._messages.clear()
                    known = self._messages[key] = _message(emit, env, reasons, record_id)
                message = known
        return FoundFinding(emit.parts, reasons, record_id, top["record_type"], message, source, location)

    def _explanation(self, step: _Step, env: dict[str, Any], prefix: str, read: dict[tuple[str, ...], Any]
                     ) -> tuple[Reasons, bool]:
        """A finding's evidence, path and steps, from the rule's explaining closures.

        A rule whose trace reads only the fields `trace_inputs` lists explains itself the same way for the
        same values there, so the answer is kept by those values: most findings repeat a yes/no answer or a
        code, and certificates repeat their Part I lines. The findings that have the same reasons share them.
        `read` keeps each value read from this record, so that the rules that fire on it read each once.
        Gives the reasons and whether they are kept.
        """
        paths = step.paths
        key = None
        if paths is not None:
            key = _explanation_key(step.rule_id, prefix, env[RECORD], paths, read)
            if key is not None:
                known = self._explained.get(key)
                if known is not None:
                    known.found_again = True
                    return known, True
        _, trace = step.explainer(env)
        evidence = None
        if trace.sightings:
            sighting, path = trace.sightings[0]
            evidence = Evidence.trusted(sighting.text, sighting.start, sighting.end, prefix + path if path else None,
                                        sighting.context)
        path = evidence.path if evidence is not None else None
        if not path:  # the first field the rule read
            for traced in trace.steps:
                if traced.inputs:
                    first_input = next(iter(traced.inputs))
                    path = prefix + first_input if first_input else None
                    break
        if prefix:
            for traced in trace.steps:
                traced.inputs = {prefix + k: v for k, v in traced.inputs.items()}
        reasons = Reasons(evidence, path, list(trace.steps))
        if key is None or not EXPLAINED_LIMIT:
            return reasons, False
        if len(self._explained) >= EXPLAINED_LIMIT:
            self._sweep()
        self._explained[key] = reasons
        return reasons, True

    def _sweep(self) -> None:
        """Make room in the full store of explanations: those found again since the last sweep stay (the
        latest of them, at most half the store), the others go, with the messages written for them."""
        explained = self._explained
        again = [(key, reasons) for key, reasons in explained.items() if reasons.found_again]
        kept = dict(again[-(EXPLAINED_LIMIT // 2):])
        for reasons in kept.values():
            reasons.found_again = False
        explained.clear()
        explained.update(kept)
        messages = self._messages
        if messages:  # a message is kept by the reasons it was written for (the second part of its key)
            staying = {id(reasons) for reasons in kept.values()}
            written = [(key, text) for key, text in messages.items() if id(key[1]) in staying]
            messages.clear()
            messages.update(written)

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
                auditor.forget()  # an explanation or a message may read today()
        return auditor.check(record)


# Explanations kept per run. When the store is full, those found again since it was last full stay (at most
# half of it) and the rest are dropped: most findings repeat a few explanations, which stay kept.
EXPLAINED_LIMIT = 2048
MESSAGES_LIMIT = 2048  # messages kept per run; emptied when full
# Values a rule's trace may be keyed by: hashable, and equal only when they read the same. Not float: 0.0 == -0.0.
_NOT_A_SINGLE_VALUE = object()


class _UnrecordedAt(int):
    """The value of a field path whose part at this depth is null: `family` null reads differently from
    `family.invited_to_contribute` null, so the two must not share a kept explanation."""

    __slots__ = ()


_SINGLE_VALUES = frozenset({str, int, bool, type(None), date, _UnrecordedAt})


def _explanation_key(rule_id: Any, prefix: Any, record: dict[str, Any], paths: tuple[tuple[str, ...], ...],
                     read: dict[tuple[str, ...], Any] | None = None) -> tuple[Any, ...] | None:
    """What a rule's explanation on a record is kept by: the values at the paths its trace reads, each beside
    its type (True == 1, but they are explained differently), lists and parts of records as their frozen
    copies; None when a value cannot be told apart from others by equality. `read`, when given, keeps the
    reading of each path of this record for the next rule that reads it."""
    values: list[Any] = [rule_id, prefix]
    for path in paths:
        typed = None if read is None else read.get(path)
        if typed is None:
            if len(path) == 1:  # most paths: a field of the record itself
                value = record.get(path[0])
                kind = type(value)
                typed = (kind, value) if kind in _SINGLE_VALUES else _typed_value_at(record, path)
            else:
                typed = _typed_value_at(record, path)
            if read is not None:
                read[path] = typed
        if typed is _NOT_A_SINGLE_VALUE:
            return None
        values.append(typed)
    return tuple(values)


def _typed_value_at(record: dict[str, Any], path: tuple[str, ...]) -> Any:
    """The value at a path as its explanations are kept by: (type, value), or (type, frozen copy) for a list or
    part of a record; _NOT_A_SINGLE_VALUE when it cannot be told apart from others by equality."""
    value = _value_at(record, path)
    kind = type(value)
    if kind in _SINGLE_VALUES:
        return (kind, value)
    frozen = _frozen(value)
    return _NOT_A_SINGLE_VALUE if frozen is _NOT_A_SINGLE_VALUE else (kind, frozen)


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


def _message(emit: _Emit, env: dict[str, Any], reasons: Reasons, record_id: str) -> str:
    """The finding's message: the case's template with each placeholder replaced in turn."""
    message = emit.message
    for token, value, name in emit.placeholders:
        if value is not None:
            text = prose(plain(value(env)))
        elif name == "evidence":
            text = reasons.evidence.text if reasons.evidence else ""
        elif name == "context":
            text = (reasons.evidence.context or "") if reasons.evidence else ""
        elif name == "path":
            text = reasons.path or ""
        elif name == "record_id":
            text = record_id
        elif name == "as_of":
            text = env[CONTEXT].today.isoformat()
        elif name == "line":
            text = certificate_line_name(reasons.path)
        else:  # line_text
            text = certificate_line_text(env[RECORD], reasons.path)
        message = message.replace(token, text)
    return message
