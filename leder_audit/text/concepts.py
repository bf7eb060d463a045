"""Load concept word lists and context triggers from YAML, and find mentions with them."""

from __future__ import annotations

import difflib
from dataclasses import replace
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

from pydantic import ValidationError

from leder_audit.errors import LederAuditError, RuleError
from leder_audit.resources import builtin_rules_dir
from leder_audit.text.context import AFFIRMED, Context, TriggerSet
from leder_audit.text.match import ConceptMatcher, Mention, Span
from leder_audit.text.specs import ConceptFile, ConceptSpec, TriggerSpec
from leder_audit.yamlfile import load, read_text, within


class ConceptError(LederAuditError, ValueError):
    """A concepts file that cannot be used, or a concept name that does not exist."""


class ConceptSet:
    """Named concepts and groups, with the matcher and triggers compiled from them."""

    __slots__ = ("concepts", "groups", "triggers", "_members", "_matcher", "_spans", "_mention", "_possible",
                 "_member_sets")

    def __init__(self, concepts: Mapping[str, ConceptSpec], groups: Mapping[str, tuple[str, ...]],
                 triggers: TriggerSet):
        self.concepts = dict(concepts)
        self.groups = dict(groups)
        self.triggers = triggers
        self._members: dict[str, tuple[str, ...]] = {name: (name,) for name in self.concepts}
        for group in self.groups:
            self._members[group] = _expand(group, self.groups, self.concepts)
        self._matcher = ConceptMatcher(self.concepts)
        # Spans are found once per text for every concept; a span's context is worked out only when
        # a rule asks for its concept, so a text full of other concepts' words costs no context work.
        # A text reaches the scan only once the words it holds are known to allow a mention.
        self._spans = lru_cache(maxsize=4096)(self._matcher.scan_all)
        self._mention = lru_cache(maxsize=4096)(self._classified)
        # Most texts mention none of the concepts a rule asks for; that is proved from the text's
        # words, without the scan, even when its words begin terms of other concepts.
        self._possible = lru_cache(maxsize=4096)(self._matcher.may_mention)
        self._member_sets = {name: frozenset(members) for name, members in self._members.items()}
        self._member_sets[""] = frozenset(self.concepts)

    def names(self) -> frozenset[str]:
        """Every concept and group name usable in rules."""
        return frozenset(self._members)

    def members(self, name: str) -> tuple[str, ...]:
        """The concepts a concept or group name stands for."""
        try:
            return self._members[name]
        except KeyError:
            raise ConceptError(_unknown(name, self.suggest(name))) from None

    def find(self, text: str, concept: str) -> list[Mention]:
        """All mentions of the concept or group in text, in order, each with its context."""
        members = self.members(concept)
        if not text or not self._possible(text, self._member_sets[concept]):
            return []
        return _queried_again([self._mention(text, span) for span in self._spans(text) if span.concept in members])

    def find_all(self, text: str) -> list[Mention]:
        """All mentions of every concept in text, in order."""
        if not text or not self._possible(text, self._member_sets[""]):
            return []
        return _queried_again([self._mention(text, span) for span in self._spans(text)])

    def codes(self, concept: str) -> tuple[str, ...]:
        """ICD-10 codes and ranges of the concept or group."""
        return tuple(c for name in self.members(concept) for c in self.concepts[name].codes.icd10)

    def snomed(self, concept: str) -> tuple[str, ...]:
        """SNOMED CT concept ids of the concept or group."""
        return tuple(c for name in self.members(concept) for c in self.concepts[name].codes.snomed)

    def preferred(self, concept: str) -> str:
        """The preferred name of a concept, or the group name itself."""
        spec = self.concepts.get(concept)
        if spec is not None:
            return spec.preferred
        self.members(concept)  # a ConceptError for a name that is neither concept nor group
        return concept

    def suggest(self, name: str) -> str | None:
        """The nearest concept or group name, for "did you mean"."""
        close = difflib.get_close_matches(name, sorted(self._members), n=1, cutoff=0.6)
        return close[0] if close else None

    def classify(self, text: str, start: int, end: int) -> Context:
        """The context of the span text[start:end] under this set's triggers."""
        return self.triggers.classify(text, start, end)

    def _classified(self, text: str, span: Span) -> Mention:
        return Mention(span.concept, span.start, span.end, text[span.start : span.end],
                       self.triggers.classify(text, span.start, span.end))


# The trigger a mention is given when it names again a condition written as uncertain before it.
QUERIED_BEFORE = "written as uncertain before"


def _queried_again(mentions: list[Mention]) -> list[Mention]:
    """The mentions, each naming again with nothing around it a condition the text wrote as uncertain
    before it made uncertain too.

    "Presumed ID. Not for CPR in view of ID.", "Possible ASD. DNACPR - autism, frailty": the second
    mention is the same queried condition, not a diagnosis the form now states. Only a mention no
    trigger decides is changed (not "known", "confirmed", a negation, a relative), and only by an
    earlier uncertain mention of the same concept about the person (a queried dementia leaves "Known
    LD" as it is).
    """
    if len(mentions) < 2:
        return mentions
    queried: set[str] = set()
    kept = []
    for mention in mentions:
        context = mention.context
        if context.uncertain and not context.negated and context.experiencer == "patient" \
                and context.temporality != "hypothetical":
            queried.add(mention.concept)
        elif mention.concept in queried and context == AFFIRMED:
            mention = replace(mention, context=replace(context, uncertain=True, triggers=(QUERIED_BEFORE,)))
        kept.append(mention)
    return _answered_no(kept)


# The trigger a queried mention is given when the text answers the query no further on.
ANSWERED_NO = "queried, then said to be absent"


def _answered_no(mentions: list[Mention]) -> list[Mention]:
    """The mentions, each written as uncertain about the person and named again later as absent
    made negated: the query was answered no.

    "?LD - no learning disability on assessment", "Query autism - assessed, not autistic": the
    later mention says the queried condition is not there, so the query is not a condition the form
    gives. Only a later negated mention of the same concept about the person answers it.
    """
    last_negated: dict[str, int] = {}
    for number, mention in enumerate(mentions):
        if mention.context.negated and mention.context.experiencer == "patient":
            last_negated[mention.concept] = number
    if not last_negated:
        return mentions
    return [replace(m, context=replace(m.context, negated=True, triggers=(*m.context.triggers, ANSWERED_NO)))
            if m.context.uncertain and not m.context.negated and m.context.experiencer == "patient"
            and last_negated.get(m.concept, -1) > number else m
            for number, m in enumerate(mentions)]


def load_concepts(*folders: str | Path) -> ConceptSet:
    """The built-in concepts plus those in each folder given, later ones overriding by name."""
    paths = tuple(Path(f) for f in folders)
    return _load(paths)


def classify(text: str, start: int, end: int, triggers: TriggerSet | None = None) -> Context:
    """The context of the span text[start:end], with the built-in triggers unless given others."""
    if not 0 <= start <= end <= len(text):
        raise ValueError(f"span {start}:{end} is outside a text of length {len(text)}")
    return (triggers or load_concepts().triggers).classify(text, start, end)


@lru_cache(maxsize=32)
def _load(folders: tuple[Path, ...]) -> ConceptSet:
    files = [*_yaml_files(builtin_rules_dir() / "concepts")]
    for folder in folders:
        files.extend(_user_files(folder))
    concepts: dict[str, ConceptSpec] = {}
    groups: dict[str, tuple[str, ...]] = {}
    triggers: dict[tuple[str, str, str], TriggerSpec] = {}
    origins: dict[str, Path] = {}
    for path in files:
        file = _read(path)
        _merge(file, concepts, groups, triggers)
        origins.update((name, path) for name in file.groups)
    _check_groups(groups, concepts, origins)
    return ConceptSet(concepts, groups, TriggerSet(triggers.values()))


def _user_files(folder: Path) -> list[Path]:
    if folder.is_file():
        return [folder]
    if not folder.is_dir():
        raise ConceptError(f"{folder}: no such folder")
    if folder.name == "concepts":
        return _yaml_files(folder)
    return _yaml_files(folder / "concepts")


def _yaml_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    try:
        return within(folder, sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]))
    except RuleError as error:
        raise ConceptError(str(error)) from None


_CONCEPTS_NEED = "a concepts file holds `concepts:`, `groups:` and `triggers:` (each may be left out)"


def _read(path: Path) -> ConceptFile:
    """One concepts file, read as every YAML file is (safe, located, duplicate keys refused)."""
    file = str(path)
    try:
        text = read_text(path, file)
        if not text.strip():
            return ConceptFile()
        doc = load(text, file)
    except RuleError as error:
        raise ConceptError(str(error)) from None
    try:
        return ConceptFile.model_validate(doc.data if doc.data is not None else {})
    except ValidationError as exc:
        raise ConceptError(str(doc.invalid((), exc, ConceptFile, "concepts file", _CONCEPTS_NEED))) from None


def _merge(file: ConceptFile, concepts: dict[str, ConceptSpec], groups: dict[str, tuple[str, ...]],
           triggers: dict[tuple[str, str, str], TriggerSpec]) -> None:
    for name, spec in file.concepts.items():
        base = concepts.get(name)
        concepts[name] = spec.merged_into(base) if spec.extend and base is not None else spec
    groups.update(file.groups)
    for trigger in file.triggers:
        triggers[trigger.key] = trigger


def _check_groups(groups: Mapping[str, tuple[str, ...]], concepts: Mapping[str, ConceptSpec],
                  origins: Mapping[str, Path]) -> None:
    for group in groups:
        try:
            if group in concepts:
                raise ConceptError(f"group {group!r} has the same name as a concept")
            _expand(group, groups, concepts)
        except ConceptError as exc:
            raise ConceptError(f"{origins[group]}: {exc}") from None


def _expand(name: str, groups: Mapping[str, Iterable[str]], concepts: Mapping[str, ConceptSpec],
            seen: tuple[str, ...] = ()) -> tuple[str, ...]:
    if name in concepts:
        return (name,)
    if name in seen:
        raise ConceptError(f"group {name!r} contains itself: {' -> '.join((*seen, name))}")
    if name not in groups:
        close = difflib.get_close_matches(name, [*concepts, *groups], n=1)
        raise ConceptError(_unknown(name, close[0] if close else None))
    members: list[str] = []
    for member in groups[name]:
        members.extend(m for m in _expand(member, groups, concepts, (*seen, name)) if m not in members)
    return tuple(members)


def _unknown(name: str, suggestion: str | None) -> str:
    hint = f"; did you mean {suggestion!r}?" if suggestion else ""
    return f"unknown concept {name!r}{hint}"
