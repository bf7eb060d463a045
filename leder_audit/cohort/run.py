"""Cohort runs: measures over a whole run (counts, proportions with their denominators, medians,
ethnic representation), grouped by area, period or any field, raising findings on groups."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Iterable

from pydantic import BaseModel, ConfigDict, Field

from ..errors import InputError
from ..findings import Evidence, Finding, Rejection, Step
from ..intake import Admitted, admit
from ..language.compile import CONTEXT, RECORD
from ..language.functions import RunContext
from ..language.nodes import Duration
from ..prose import counted
from ..records import parts_of
from ..text import load_concepts
from .ethnicity import ethnic_group
from .representation import representation_fields
from .spec import PERIODS, PLACEHOLDER, CohortRule, GroupMeasure, load_cohort_rules
from .stats import median, percent, wilson


# ---- evaluation ------------------------------------------------------------------------------


@dataclass(slots=True)
class _Counter:
    """What is kept for one group while records stream past: counts, and numbers for a median."""

    denominator: int = 0
    numerator: int = 0
    unknown: int = 0
    values: list[float] = field(default_factory=list)
    groups: dict[str, int] = field(default_factory=dict)  # representation: deaths by ethnic group
    ages: dict[str, dict[float | None, int]] = field(default_factory=dict)  # and by age within each group
    not_stated: int = 0


class GroupResult(BaseModel):
    """One group's measure under one cohort rule, with the counts behind it."""

    model_config = ConfigDict(frozen=True)
    rule_id: str
    rule_version: int
    title: str
    measure: str
    key: str = Field(description="The group, e.g. 'ics=QWE quarter=2023Q1'.")
    group: dict[str, str]
    denominator: int
    numerator: int | None = None
    count: int | None = None
    unknown: int = Field(0, description="Records whose numerator or value could not be decided (data missing): "
                                        "counted in the denominator, never in the numerator.")
    completeness: float | None = Field(None, description="Share of the denominator whose numerator or value was "
                                                         "recorded. Not given for a small number.")
    proportion: float | None = None
    lower: float | None = Field(None, description="Lower bound of the 95% Wilson score interval.")
    upper: float | None = Field(None, description="Upper bound of the 95% Wilson score interval.")
    median_days: float | None = None
    expected_share: float | None = None
    expected_count: float | None = None
    not_stated: int | None = Field(None, description="Representation: deaths with no ethnicity recorded.")
    age_not_recorded: int | None = Field(None, description="Representation: deaths of a known group left out of "
                                                           "an age-standardised comparison for want of an age "
                                                           "in one of the table's bands.")
    age_standardised: bool | None = Field(None, description="Representation: compared within age bands (true) "
                                                            "or at all ages (false).")
    small_number: bool = Field(False, description="Too few to report as a rate: only the counts are given.")
    status: str | None = None
    raised: bool = False

    def evidence(self) -> str:
        """The counts behind the measure, e.g. '7 of 12 (58%)'."""
        if self.measure == "median":
            if self.small_number or self.median_days is None:
                return f"{self.count} of {self.denominator} with a value (small number: median not shown)"
            return f"median {self.median_days:g} days over {self.count} of {self.denominator}"
        counted = self.numerator if self.numerator is not None else self.count
        if self.small_number:
            return f"{counted} of {self.denominator} (small number: rate not shown)"
        if self.proportion is None:
            return f"{counted} of {self.denominator}" + self._not_recorded()
        text = f"{counted} of {self.denominator} ({percent(self.proportion)})"
        if self.expected_share is not None:
            text += f"; expected {percent(self.expected_share)} (about {self.expected_count:.1f})"
        return text + self._not_recorded()

    def _not_recorded(self) -> str:
        if not self.unknown or self.completeness is None:
            return ""
        return f"; {self.unknown} not recorded ({percent(self.completeness)} complete)"


class CohortRun:
    """Evaluates cohort rules over records in one streaming pass, keeping counters per group only."""

    def __init__(self, rules: list[CohortRule], as_of: date | None = None, concepts: Any = None,
                 population: Any = None) -> None:
        self.rules = rules
        self.population = population
        self.context = RunContext(today=as_of or date.today(), concepts=concepts or load_concepts())
        self.counters: list[dict[tuple[str, ...], _Counter]] = [{} for _ in rules]
        self.seen: dict[str, set[str]] = {}
        self.dates: list[date] = []  # earliest and latest period date seen, for the report's period

    def add(self, record: dict[str, Any]) -> None:
        """Count one checked record's data (`record_data`) and the records embedded in it under every rule."""
        for target, _ in parts_of(record):
            seen = self.seen.setdefault(target["record_type"], set())
            if target["id"] in seen:
                continue  # the same certificate given alone and inside a review counts once
            seen.add(target["id"])
            self._count(target)

    def _count(self, record: dict[str, Any]) -> None:
        context = self.context
        env = {RECORD: record, CONTEXT: context}
        for rule, counters in zip(self.rules, self.counters):
            if rule.spec.population.record_type != record["record_type"]:
                continue
            if rule.where is not None and rule.where(env) is not True:
                continue
            key = tuple(term.of(env) for term in rule.group_by)
            self._note_dates(rule, env)
            counter = counters.get(key)
            if counter is None:
                counter = counters[key] = _Counter()
            counter.denominator += 1
            self._measure(rule, env, counter)

    def _note_dates(self, rule: CohortRule, env: dict[str, Any]) -> None:
        for term in rule.group_by:
            if term.period is not None:
                value = term.value(env)
                if isinstance(value, date):
                    if not self.dates:
                        self.dates = [value, value]
                    self.dates = [min(self.dates[0], value), max(self.dates[1], value)]

    @staticmethod
    def _measure(rule: CohortRule, env: dict[str, Any], counter: _Counter) -> None:
        if rule.numerator is not None:
            outcome = rule.numerator(env)
            if outcome is True:
                counter.numerator += 1
            elif outcome is None:
                counter.unknown += 1
        if rule.value is not None:
            value = rule.value(env)
            if isinstance(value, Duration):
                counter.values.append(value.approximate_days())
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                counter.values.append(float(value))
            else:
                counter.unknown += 1
        if rule.ethnicity is not None:
            group = ethnic_group(rule.ethnicity(env))
            if group is None:
                counter.not_stated += 1
            else:
                counter.groups[group] = counter.groups.get(group, 0) + 1
                age = rule.age(env) if rule.age is not None else None
                age = float(age) if isinstance(age, (int, float)) and not isinstance(age, bool) else None
                by_age = counter.ages.setdefault(group, {})
                by_age[age] = by_age.get(age, 0) + 1

    def results(self) -> list[GroupResult]:
        """Every group's measure, rule by rule, groups in order of their keys."""
        out: list[GroupResult] = []
        for rule, counters in zip(self.rules, self.counters):
            for key in sorted(counters):
                out.extend(self._results_of(rule, key, counters[key]))
        return out

    def warnings(self) -> list[str]:
        """What a reader must know about the representation results: areas the population table does not
        match, and areas compared at all ages for want of age bands."""
        notes = []
        for rule, counters in zip(self.rules, self.counters):
            if rule.spec.measure.kind != "representation" or self.population is None:
                continue
            areas = sorted({key[0] for key in counters})
            unmatched = [a for a in areas if self.population.area_of(a) is None]
            if unmatched:
                known = ", ".join(sorted(self.population.shares)[:5])
                they = "it is" if len(unmatched) == 1 else "they are"
                notes.append(f"{rule.id}: no area of the population table matches {', '.join(unmatched)}, so {they} "
                             f"not compared; the table has {counted(len(self.population.shares), 'area')} ({known}"
                             f"{', ...' if len(self.population.shares) > 5 else ''}): key it by the ICB codes "
                             "or names the records carry")
            crude = [a for a in areas if a not in unmatched
                     and not self.population.age_banded(self.population.area_of(a) or "")]
            if crude:
                notes.append(f"{rule.id}: the population figures for {', '.join(crude)} have no age bands, so the "
                             "comparison is at all ages: deaths skew older, so groups younger than the population "
                             "as a whole look under-represented. Give figures by age band (docs/cohort.md)")
        return notes

    def _results_of(self, rule: CohortRule, key: tuple[str, ...], counter: _Counter) -> list[GroupResult]:
        group = {term.label: value for term, value in zip(rule.group_by, key)}
        if rule.spec.measure.kind == "representation":
            return [finish(rule, in_group, fields)
                    for in_group, fields in representation_fields(rule, group, counter, self.population)]
        return [finish(rule, group, _measured(rule, counter))]

    def findings(self, results: list[GroupResult] | None = None) -> list[Finding]:
        """A finding for every group whose measure meets its rule's raise_when."""
        results = self.results() if results is None else results
        by_id = {rule.id: rule for rule in self.rules}
        return [group_finding(by_id[r.rule_id], r) for r in results if r.raised]


def _measured(rule: CohortRule, counter: _Counter) -> dict[str, Any]:
    kind = rule.spec.measure.kind
    # A count is reported as it is; a rate or median over fewer than small_numbers records is not.
    small = kind == "proportion" and counter.denominator < rule.spec.small_numbers
    fields: dict[str, Any] = {"denominator": counter.denominator, "unknown": counter.unknown, "small_number": small}
    if kind == "median":
        fields["count"] = len(counter.values)
        fields["small_number"] = small = len(counter.values) < rule.spec.small_numbers
        fields["median_days"] = None if small else median(counter.values)
        fields["completeness"] = _completeness(counter, small)
        return fields
    counted = counter.numerator if rule.numerator is not None else counter.denominator
    fields["count"] = counted
    if rule.numerator is not None:
        fields["numerator"] = counter.numerator
    if kind == "proportion" and counter.denominator and not small:
        lower, upper = wilson(counter.numerator, counter.denominator)
        fields.update(proportion=counter.numerator / counter.denominator, lower=lower, upper=upper)
    if rule.numerator is not None:
        fields["completeness"] = _completeness(counter, small)
    return fields


def _completeness(counter: _Counter, small: bool) -> float | None:
    """The share of a group's records whose numerator or value was recorded: a measure beside the rate."""
    if small or not counter.denominator:
        return None
    return (counter.denominator - counter.unknown) / counter.denominator


def key_of(group: dict[str, str]) -> str:
    """A group's key as written in findings: 'ics=QWE quarter=2023Q1' ('all' for a rule without groups)."""
    return " ".join(f"{label}={value}" for label, value in group.items()) or "all"


def finish(rule: CohortRule, group: dict[str, str], fields: dict[str, Any]) -> GroupResult:
    """A group's result, with whether its rule's raise_when holds."""
    measure = GroupMeasure(**{k: v for k, v in fields.items() if k in GroupMeasure.model_fields})
    raised = rule.raise_when({RECORD: measure.model_dump(), CONTEXT: None}) is True
    return GroupResult(rule_id=rule.id, rule_version=rule.spec.version, title=rule.spec.title,
                       measure=rule.spec.measure.kind, key=key_of(group), group=group, raised=raised, **fields)


def group_finding(rule: CohortRule, result: GroupResult) -> Finding:
    """A cohort finding: the group in place of a record id, the counts in the evidence and explanation."""
    spec = rule.spec
    evidence = result.evidence()
    names = ("numerator", "denominator", "count", "unknown", "completeness", "proportion", "lower", "upper",
             "median_days", "expected_share", "expected_count", "not_stated")
    steps = [Step(expression=name, value=_rounded(getattr(result, name))) for name in names
             if getattr(result, name) is not None]
    steps.append(Step(expression=" ".join(spec.raise_when.split()), value=True,
                      inputs={f"group.{k}": v for k, v in result.group.items()}))
    return Finding(rule_id=spec.id, rule_version=spec.version, title=spec.title, severity=spec.severity,
                   tags=list(spec.tags), record_id=result.key, record_type="cohort",
                   message=_message(spec.message, result, evidence), evidence=Evidence(text=evidence),
                   references=list(spec.references), explanation=steps)


def _rounded(value: Any) -> Any:
    return round(value, 4) if isinstance(value, float) else value


def _message(template: str, result: GroupResult, evidence: str) -> str:
    values: dict[str, str] = {"group": result.key, "evidence": evidence, **result.group}
    for name in GroupMeasure.model_fields:
        value = getattr(result, name)
        if value is None:
            values[name] = "not reported"
        elif isinstance(value, bool):
            values[name] = "yes" if value else "no"
        elif name in ("proportion", "lower", "upper", "expected_share", "completeness"):
            values[name] = percent(value)
        elif name == "expected_count":
            values[name] = f"{value:.1f}"
        else:
            values[name] = f"{value:g}"
    values.setdefault("period", next((v for k, v in result.group.items() if k in PERIODS), "the whole run"))
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), " ".join(template.split()))


@dataclass
class CohortReport:
    """Results and findings of a cohort run, with the counts of records read."""

    results: list[GroupResult]
    findings: list[Finding]
    records_read: int = 0
    records_checked: int = 0
    rejected: list[Any] = field(default_factory=list)
    period: tuple[date, date] | None = None
    rules: list[CohortRule] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def run_cohort(items: Iterable[Any], rules: list[CohortRule] | None = None, population: Any = None,
               as_of: date | None = None) -> CohortReport:
    """Evaluate cohort rules over records (dicts, models, or reader items); records that do not fit are rejected."""
    rules = load_cohort_rules() if rules is None else rules
    skipped = [r.id for r in rules if r.spec.measure.kind == "representation" and population is None]
    active = [r for r in rules if r.id not in skipped]
    run = CohortRun(active, as_of=as_of, population=population)
    read = checked = 0
    rejected: list[Rejection] = []
    for number, item in enumerate(items, 1):
        read += 1
        admitted = admit(item, number)
        if not isinstance(admitted, Admitted):
            rejected.append(admitted)
            continue
        checked += 1
        run.add(admitted.record)
    results = run.results()
    period = (run.dates[0], run.dates[1]) if run.dates else None
    return CohortReport(results, run.findings(results), read, checked, rejected, period, active, skipped,
                        run.warnings())
