"""Cohort rule files: what a cohort rule says (population, measure, groups, raise_when, message),
read and checked once, with each expression compiled."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..errors import Origin, RuleError
from ..language.check import Checker, did_you_mean
from ..language.compile import Compiled, compile_condition
from ..language.nodes import Call, Node
from ..language.syntax import parse
from ..records import RECORD_MODELS
from ..rulefiles import UniqueIds, read_specs, rule_roots, user_folders
from ..rulebook import RecordType, RuleMetadata
from ..text import load_concepts
from ..yamlfile import Located
from .stats import quarter_of

PERIODS: dict[str, Callable[[date], str]] = {}  # filled below: quarter(), year(), month()
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
MIN_EXPECTED = 5  # an expected count below this is a small number, whatever the denominator


class Population(BaseModel):
    """Which records a cohort rule counts."""

    model_config = ConfigDict(extra="forbid")
    record_type: RecordType
    where: str | None = None


class Measure(BaseModel):
    """What a cohort rule measures in each group."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["count", "proportion", "median", "representation"]
    numerator: str | None = None
    value: str | None = None
    ethnicity: str = "person.ethnicity"
    age: str = Field("person.age", description="Representation: the age at death, placed in the table's age bands.")

    @model_validator(mode="after")
    def _needs(self) -> "Measure":
        if self.kind == "proportion" and not self.numerator:
            raise ValueError("a proportion needs a `numerator` condition")
        if self.kind == "median" and not self.value:
            raise ValueError("a median needs a `value`, e.g. review_completed_date - notification_date")
        return self


class CohortRuleSpec(RuleMetadata):
    """A cohort rule as written in YAML."""

    kind: Literal["cohort"]
    population: Population
    group_by: list[str | dict[str, str]] = []
    measure: Measure
    raise_when: str = Field(min_length=1)
    small_numbers: int = Field(5, ge=0)


class GroupMeasure(BaseModel):
    """The names a `raise_when` condition may use: one group's measure."""

    count: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    proportion: float | None = None
    median_days: float | None = None
    lower: float | None = None
    upper: float | None = None
    expected_share: float | None = None
    expected_count: float | None = None
    completeness: float | None = None
    age_standardised: bool | None = None


@dataclass(frozen=True, slots=True)
class GroupTerm:
    """One term of group_by: its label in group keys, its text, and how to get its value from a record."""

    label: str
    text: str
    value: Compiled
    period: Callable[[date], str] | None = None

    def of(self, env: dict[str, Any]) -> str:
        value = self.value(env)
        if value is None or (isinstance(value, str) and not value.strip()):
            return "unknown"
        if self.period is not None:
            return self.period(value) if isinstance(value, date) else "unknown"
        return str(value).strip()


@dataclass(frozen=True, slots=True)
class CohortRule:
    """A loaded, checked and compiled cohort rule."""

    spec: CohortRuleSpec
    where: Compiled | None
    numerator: Compiled | None
    value: Compiled | None
    ethnicity: Compiled | None
    age: Compiled | None
    group_by: tuple[GroupTerm, ...]
    raise_when: Compiled
    file: str

    @property
    def id(self) -> str:
        return self.spec.id


# ---- loading ---------------------------------------------------------------------------------


def _month(day: date) -> str:
    return f"{day.year}-{day.month:02d}"


def _year(day: date) -> str:
    return str(day.year)


def _quarter(day: date) -> str:
    return quarter_of(day)


PERIODS.update(quarter=_quarter, year=_year, month=_month)


_COHORT_NEEDS = ("a cohort rule needs kind, id, version, title, severity, tags, references, rationale,"
                 " population, measure, raise_when and message")


class _Builder:
    """Checks and compiles the expressions of one cohort rule, errors pointing into its file."""

    def __init__(self, spec: CohortRuleSpec, doc: Located, base: tuple[Any, ...], concept_names: frozenset[str]) -> None:
        self.spec, self.doc, self.base, self.concept_names = spec, doc, base, concept_names
        self.model = RECORD_MODELS[spec.population.record_type]

    def _checker(self, text: str, path: tuple[Any, ...], model: type[BaseModel] | None = None,
                 concepts: frozenset[str] | None = None) -> tuple[Checker, Node]:
        origin = self.doc.text_origin(self.base + path)
        node = parse(text, origin)
        checker = Checker(model or self.model, self.concept_names if concepts is None else concepts, text, origin)
        return checker, node

    def condition(self, text: str | None, path: tuple[Any, ...]) -> Compiled | None:
        if text is None:
            return None
        checker, node = self._checker(text, path)
        checker.check(node)
        return compile_condition(node)

    def value(self, text: str, path: tuple[Any, ...], kinds: tuple[str, ...]) -> Compiled:
        checker, node = self._checker(text, path)
        kind = checker.type_of(node, {})
        if kind.kind not in kinds + ("any",):
            checker.fail(node, f"this must be a {' or a '.join(kinds)}, but it is a {kind}")
        return compile_condition(node)

    def term(self, entry: str | dict[str, str], index: int) -> GroupTerm:
        if isinstance(entry, dict):
            if len(entry) != 1:
                raise self.doc.error(self.base + ("group_by", index), "a named group term has one key: `label: expression`")
            ((label, text),) = entry.items()
            path: tuple[Any, ...] = ("group_by", index, label)
        else:
            label, text, path = "", entry, ("group_by", index)
        checker, node = self._checker(text, path)
        if isinstance(node, Call) and node.function in PERIODS:
            if len(node.args) != 1 or node.keywords:
                checker.fail(node, f"{node.function}() takes one date, e.g. {node.function}(notification_date)")
            kind = checker.type_of(node.args[0], {})
            if kind.kind not in ("date", "any"):
                checker.fail(node.args[0], f"{node.function}() needs a date, not a {kind}")
            return GroupTerm(label or node.function, text, compile_condition(node.args[0]), PERIODS[node.function])
        kind = checker.type_of(node, {})
        if kind.kind not in ("string", "number", "bool", "date", "any"):
            checker.fail(node, f"a group must be a value such as text or a number, not a {kind}",
                         "use a field path such as area.ics, or quarter(date_of_death)")
        default = text.rsplit(".", 1)[-1].strip()
        return GroupTerm(label or default, text, compile_condition(node))

    def raise_when(self) -> Compiled:
        checker, node = self._checker(self.spec.raise_when, ("raise_when",), GroupMeasure, frozenset())
        checker.check(node)
        return compile_condition(node)


def _check_message(spec: CohortRuleSpec, doc: Located, base: tuple[Any, ...], labels: list[str]) -> None:
    known = set(GroupMeasure.model_fields) | {"group", "evidence", "ethnic_group", "period"} | set(labels)
    for name in PLACEHOLDER.findall(spec.message):
        if name not in known:
            raise doc.error(base + ("message",), f"unknown placeholder `{{{name}}}` in the message",
                            did_you_mean(name, known) or f"placeholders are: {', '.join(sorted(known))}")


def _build(spec: CohortRuleSpec, doc: Located, base: tuple[Any, ...], concept_names: frozenset[str], name: str) -> CohortRule:
    builder = _Builder(spec, doc, base, concept_names)
    terms = tuple(builder.term(entry, i) for i, entry in enumerate(spec.group_by))
    labels = [t.label for t in terms]
    if len(set(labels)) != len(labels):
        raise doc.error(base + ("group_by",), "two group terms have the same label",
                        "name them: `- {home_ics: area.ics}`")
    measure = spec.measure
    if measure.kind == "representation" and not terms:
        raise doc.error(base + ("group_by",), "a representation measure groups by area first",
                        "add `group_by: [area.ics]`, whose values match the population table's area column")
    _check_message(spec, doc, base, labels)
    return CohortRule(
        spec=spec,
        where=builder.condition(spec.population.where, ("population", "where")),
        numerator=builder.condition(measure.numerator, ("measure", "numerator")),
        value=builder.value(measure.value, ("measure", "value"), ("duration", "number")) if measure.value else None,
        ethnicity=(builder.value(measure.ethnicity, ("measure", "ethnicity"), ("string",))
                   if measure.kind == "representation" else None),
        age=builder.value(measure.age, ("measure", "age"), ("number",)) if measure.kind == "representation" else None,
        group_by=terms,
        raise_when=builder.raise_when(),
        file=name,
    )


def load_cohort_file(path: Path, concept_names: frozenset[str], display: str | None = None,
                     ids: UniqueIds | None = None) -> list[CohortRule]:
    """Read, check and compile every cohort rule in one YAML file."""
    name = display or str(path)
    doc, specs = read_specs(path, name, CohortRuleSpec, "cohort rule", "start with `kind: cohort`", _COHORT_NEEDS,
                            ids=ids)
    return [_build(spec, doc, base, concept_names, name) for base, spec in specs]


def load_cohort_rules(*paths: str | Path, builtin: bool = True, concepts: Any = None) -> list[CohortRule]:
    """The built-in cohort rules (unless builtin=False) plus those in the given files or folders' cohort/."""
    roots = rule_roots(paths, builtin)
    concepts = concepts if concepts is not None else load_concepts(*user_folders(roots))
    names = concepts.names()
    ids = UniqueIds("cohort rule")
    return [rule for root in roots for file in root.cohort_rule_files()
            for rule in load_cohort_file(file, names, root.display(file), ids)]


def select_rules(rules: list[CohortRule], select: Iterable[str] = ()) -> list[CohortRule]:
    """The cohort rules with one of the given ids or tags (all when none is given)."""
    names = list(select)
    if not names:
        return rules
    options = {r.id for r in rules} | {t for r in rules for t in r.spec.tags}
    for name in names:
        if name not in options:
            raise RuleError(f"no cohort rule has the id or tag `{name}`", Origin("--select"),
                            hint=did_you_mean(name, options))
    return [r for r in rules if r.id in names or set(r.spec.tags) & set(names)]
