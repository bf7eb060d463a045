"""Load rule files, check and compile their conditions, and select rules."""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, Iterable, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .errors import Origin, RuleError
from .engine import Auditor, Case, Checker, Placeholder
from .findings import NOT_RECORDED, SEVERITIES, AuditResult, Finding, FindingParts, Reference, Severity
from .language.check import check, did_you_mean
from .language.compile import Compiled, Explainer, compile_condition, compile_explainer
from .language.generate import generate_shared
from .language.trace import trace_inputs
from .language.nodes import Node
from .language.syntax import parse
from .records import RECORD_MODELS
from .rulefiles import UniqueIds, file_hash, read_specs, rule_roots, user_folders
from .suppressions import Suppressions
from .yamlfile import Located

RecordType = Literal["death_certificate", "dnacpr_decision", "mortality_review"]
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.\[\]\-]*)\}")
_TEMPLATE_NAMES = ("evidence", "context", "path", "record_id", "as_of", "line", "line_text")


class TestCases(BaseModel):
    """Records that must raise the rule, and records that must not."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    fire: list[dict[str, Any]] = []
    not_recorded: list[dict[str, Any]] = Field([], description="Records that must raise the rule's unknown case.")
    pass_: list[dict[str, Any]] = Field([], alias="pass")


class RuleMetadata(BaseModel):
    """What every rule says about itself, per record or over a cohort: identity, weight, themes, grounds."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]+)*$")
    version: int = Field(ge=1)
    title: str = Field(min_length=1)
    severity: Severity
    tags: list[str] = Field(min_length=1)
    references: list[Reference] = Field(min_length=1)
    rationale: str = Field(min_length=1)
    message: str = Field(min_length=1)

    @field_validator("tags")
    @classmethod
    def _tags_are_words(cls, tags: list[str]) -> list[str]:
        for tag in tags:
            if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", tag):
                raise ValueError(f"tag {tag!r} must be lower-case words joined by hyphens")
        return tags


class UnknownCase(BaseModel):
    """What a rule that fires on missing data says when it does: a documentation gap, not a care failure."""

    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1)
    message: str = Field(min_length=1)
    severity: Severity | None = Field(None, description="Default: one step below the rule's severity.")


def one_step_below(severity: str) -> Severity:
    """The severity one step below this one; info stays info."""
    return SEVERITIES[max(0, SEVERITIES.index(severity) - 1)]  # type: ignore[return-value]


class RuleSpec(RuleMetadata):
    """A rule over one record, as written in YAML."""

    applies_to: RecordType
    when: str = Field(min_length=1)
    when_unknown: Literal["pass", "fire"] = "pass"
    unknown: UnknownCase | None = None
    profiles: list[str] = []
    tests: TestCases = TestCases()

    @property
    def unknown_severity(self) -> Severity | None:
        """The severity of the rule's not-recorded findings; None for a rule that does not fire on unknown."""
        if self.unknown is None:
            return None
        return self.unknown.severity or one_step_below(self.severity)


@dataclass(frozen=True, slots=True)
class Rule:
    """A loaded, checked and compiled rule, with the finding it raises in each case it raises one.

    `recorded` is raised when the condition is true; `unknown` when it is unknown and the rule fires on
    missing data. Either is None when the rulebook leaves that case out (`--select/--ignore not-recorded`).
    """

    spec: RuleSpec
    condition: Node  # compiled with the other rules of its record type, in Rulebook.plans
    recorded: Case | None
    unknown: Case | None
    file: str
    location: Located = field(repr=False, compare=False)

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def message(self) -> str:
        """The template of the rule's recorded findings."""
        return " ".join(self.spec.message.split())


_RULE_NEEDS = "every rule needs id, version, title, severity, applies_to, tags, references, rationale, when and message"


def _compile_placeholders(spec: RuleSpec, message: str, doc: Located, where: tuple[Any, ...],
                          concept_names: frozenset[str]) -> tuple[Placeholder, ...]:
    placeholders = []
    model = RECORD_MODELS[spec.applies_to]
    for name in dict.fromkeys(_PLACEHOLDER.findall(message)):
        if name in _TEMPLATE_NAMES:
            placeholders.append(Placeholder(name))
            continue
        origin = doc.origin(where)
        node = parse(name, origin)
        from .language.check import Checker

        Checker(model, concept_names, name, origin).type_of(node, {})
        placeholders.append(Placeholder(name, compile_condition(node), trace_inputs(node)))
    return tuple(placeholders)


def load_rule_file(path: Path, concept_names: frozenset[str], display: str | None = None,
                   ids: UniqueIds | None = None) -> list[Rule]:
    """Read, check and compile every rule in one YAML file."""
    name = display or str(path)
    doc, specs = read_specs(path, name, RuleSpec, "rule", "start with `id: ...`", _RULE_NEEDS,
                            {"applies_to": f"record types are: {', '.join(RECORD_MODELS)}"}, ids)
    return [_build(spec, doc, base, concept_names, name) for base, spec in specs]


def _build(spec: RuleSpec, doc: Located, base: tuple[Any, ...], concept_names: frozenset[str], name: str) -> Rule:
    _check_unknown_case(spec, doc, base)
    origin = doc.text_origin(base + ("when",))
    node = parse(spec.when, origin)
    check(node, RECORD_MODELS[spec.applies_to], concept_names, spec.when, origin)
    references = tuple(spec.references)
    tags = tuple(spec.tags)
    recorded = Case(spec.title, spec.severity, tags, " ".join(spec.message.split()),
                    _compile_placeholders(spec, spec.message, doc, base + ("message",), concept_names), False,
                    FindingParts.of(spec.id, spec.version, spec.title, spec.severity, tags, references, False))
    unknown = None
    severity = spec.unknown_severity
    if spec.unknown is not None and severity is not None:
        tags = (*spec.tags, NOT_RECORDED)
        unknown = Case(spec.unknown.title, severity, tags, " ".join(spec.unknown.message.split()),
                       _compile_placeholders(spec, spec.unknown.message, doc, base + ("unknown", "message"),
                                             concept_names), True,
                       FindingParts.of(spec.id, spec.version, spec.unknown.title, severity, tags, references, True))
    return Rule(spec, node, recorded, unknown, name, doc)


def _check_unknown_case(spec: RuleSpec, doc: Located, base: tuple[Any, ...]) -> None:
    """A rule fires on missing data only with its own not-recorded title, message and a lower severity."""
    if spec.when_unknown == "fire" and spec.unknown is None:
        raise doc.error(base + ("when_unknown",), "a rule that fires when data is not recorded needs an `unknown:` "
                        "case", "add `unknown: {title: ..., message: ...}` saying what was not recorded: a "
                        "documentation gap is not a failure of care", key=True)
    if spec.unknown is not None and spec.when_unknown != "fire":
        raise doc.error(base + ("unknown",), "an `unknown:` case is raised only by a rule with `when_unknown: fire`",
                        "add `when_unknown: fire`, or remove the `unknown:` case", key=True)
    if spec.tests.not_recorded and spec.unknown is None:
        raise doc.error(base + ("tests", "not_recorded"), "`not_recorded` cases need a rule with `when_unknown: "
                        "fire` and an `unknown:` case", key=True)
    chosen = spec.unknown.severity if spec.unknown is not None else None
    if chosen is not None and spec.severity != "info" and SEVERITIES.index(chosen) >= SEVERITIES.index(spec.severity):
        raise doc.error(base + ("unknown", "severity"), f"the unknown case's severity ({chosen}) must be below the "
                        f"rule's ({spec.severity})", f"a documentation gap ranks below the failure; the default is "
                        f"{one_step_below(spec.severity)}")
    if chosen is not None and spec.severity == "info" and chosen != "info":
        raise doc.error(base + ("unknown", "severity"), "the unknown case of an info rule is info as well")


class Rulebook:
    """Rules ready to run, grouped by the record type they apply to."""

    def __init__(self, rules: list[Rule], concepts: Any, sources: list[tuple[str, str]]) -> None:
        if not rules:
            raise RuleError("the rulebook has no rules", Origin(", ".join(s for s, _ in sources) or "<rulebook>"),
                            hint="check --rules, --select and --ignore")
        self.rules = rules
        self.concepts = concepts
        self.sources = sources
        self.by_type: dict[str, list[Rule]] = {t: [r for r in rules if r.spec.applies_to == t] for t in RECORD_MODELS}
        # What the engine runs on each record type: every rule with its condition compiled together with the
        # others of that type, so a sub-expression several rules share is computed once per record.
        self.plans: dict[str, list[tuple[Rule, Compiled]]] = {
            t: list(zip(typed, generate_shared([r.condition for r in typed]))) for t, typed in self.by_type.items()}
        self.by_id = {r.id: r for r in rules}
        # The field paths each rule's explanation reads, by rule id: what the engine keeps explanations by.
        self.trace_paths = {r.id: trace_inputs(r.condition) for r in rules}
        # How each rule explains a finding, by rule id: its condition compiled to closures that record the trace.
        self.explainers: dict[str, Explainer] = {r.id: compile_explainer(r.condition) for r in rules}
        # (paths, builtin) given to load_rulebook, so other processes can load the same rules.
        self.loaded_with: tuple[tuple[str, ...], bool] | None = None

    @property
    def hash(self) -> str:
        """SHA-256 over the rule and concept files, to name exactly which rulebook ran."""
        digest = hashlib.sha256()
        for name, content_hash in sorted(self.sources):
            digest.update(f"{name}\0{content_hash}\n".encode())
        return digest.hexdigest()

    def select(self, select: Iterable[str] = (), ignore: Iterable[str] = ()) -> "Rulebook":
        """The rules named by id, tag or `profile:NAME` in select (all if empty), less those in ignore.

        `not-recorded` names findings rather than rules: selecting it keeps every rule's not-recorded case
        (beside the rules the other names select), and ignoring it leaves those cases out.
        """
        select, ignore = list(select), list(ignore)
        for name in select + ignore:
            if not any(_named(r, name) or (name == NOT_RECORDED and r.unknown) for r in self.rules):
                options = {r.id for r in self.rules} | {t for r in self.rules for t in r.spec.tags}
                if any(r.unknown for r in self.rules):
                    options.add(NOT_RECORDED)
                raise RuleError(f"no rule has the id, tag or profile `{name}`", Origin("--select/--ignore"),
                                hint=did_you_mean(name, options))
        rules_named = [n for n in select if n != NOT_RECORDED]
        chosen = []
        for rule in self.rules:
            if any(_named(rule, n) for n in ignore):
                continue
            named = not select or any(_named(rule, n) for n in rules_named)
            recorded = rule.recorded if named else None
            unknown = rule.unknown if (named or NOT_RECORDED in select) and NOT_RECORDED not in ignore else None
            if recorded is not None or unknown is not None:
                chosen.append(_with_cases(rule, recorded, unknown))
        book = Rulebook(chosen, self.concepts, self.sources)
        book.loaded_with = self.loaded_with
        return book

    def left_out(self) -> tuple[str, ...]:
        """The cases selection left out of this book's rules, as 'RULE-ID recorded' or 'RULE-ID unknown'."""
        return tuple(f"{rule.id} {case}" for rule in self.rules
                     for case, left in (("recorded", rule.recorded is None),
                                        ("unknown", rule.unknown is None and rule.spec.unknown is not None)) if left)

    def leave_out(self, cases: Iterable[str]) -> "Rulebook":
        """This book with the cases `left_out` named left out again (how another process rebuilds a selection)."""
        gone = set(cases)
        if not gone:
            return self
        rules = [_with_cases(r, None if f"{r.id} recorded" in gone else r.recorded,
                             None if f"{r.id} unknown" in gone else r.unknown) for r in self.rules]
        book = Rulebook(rules, self.concepts, self.sources)
        book.loaded_with = self.loaded_with
        return book

    def check(self, record: Any, as_of: Any = None) -> list[Finding]:
        """Findings of every applicable rule on one record (a dict or a record model)."""
        warm = _checkers()
        key = (id(self), as_of)
        known = warm.get(key)
        if known is None or known.rulebook is not self:
            if len(warm) >= _CHECKERS_KEPT:
                warm.clear()
            known = warm[key] = Checker(self, as_of=as_of)
        return known.check(record)


def _with_cases(rule: Rule, recorded: Case | None, unknown: Case | None) -> Rule:
    if recorded is rule.recorded and unknown is rule.unknown:
        return rule
    return replace(rule, recorded=recorded, unknown=unknown)


_CHECKERS_KEPT = 8  # warm checkers kept per thread, by rulebook and as-of date
_warm = threading.local()


def _checkers() -> dict[tuple[int, Any], Checker]:
    """This thread's warm checkers: a Checker keeps the record it is checking, so threads never share one."""
    kept: dict[tuple[int, Any], Checker] | None = getattr(_warm, "by_book", None)
    if kept is None:
        kept = _warm.by_book = {}
    return kept


def _named(rule: Rule, name: str) -> bool:
    if name.startswith("profile:"):
        return name.split(":", 1)[1] in rule.spec.profiles
    return name == rule.id or name in rule.spec.tags


def load_rulebook(*paths: str | Path, builtin: bool = True, concepts: Any = None) -> Rulebook:
    """The built-in rules (unless builtin=False) plus every rule file in the given folders or files."""
    from .text import load_concepts

    roots = rule_roots(paths, builtin)
    reloadable = concepts is None
    concepts = concepts if concepts is not None else load_concepts(*user_folders(roots))
    names = concepts.names()
    rules: list[Rule] = []
    ids = UniqueIds("rule")
    sources: list[tuple[str, str]] = []
    for root in roots:
        for file in root.record_rule_files():
            display = root.display(file)
            sources.append((display, file_hash(file)))
            rules.extend(load_rule_file(file, names, display, ids))
        sources.extend((root.display(f), file_hash(f)) for f in root.concept_files())
    book = Rulebook(rules, concepts, sources)
    if reloadable:
        book.loaded_with = (tuple(str(Path(p).resolve()) for p in paths), builtin)
    return book


def audit(records: Iterable[Any], rulebook: Rulebook | None = None, as_of: date | None = None,
          suppressions: Suppressions | None = None) -> AuditResult:
    """Check every record; findings, per-rule and per-theme counts, suppressed findings, and rejected records."""
    auditor = Auditor(rulebook or load_rulebook(), as_of=as_of, suppressions=suppressions)
    findings = list(auditor.run(records))
    return auditor.result(findings)
