"""The shape of the YAML in rules/concepts/, validated with pydantic."""

from __future__ import annotations

import re
from typing import Any, Literal

import regex
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..regexsafety import backtracking_problem, compile_trigger_pattern

NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")

Category = Literal["negated", "other_experiencer", "hypothetical", "historical", "uncertain", "background",
                   "pseudo", "terminate"]
Direction = Literal["forward", "backward", "bidirectional"]
MODIFIER_CATEGORIES: tuple[str, ...] = ("negated", "other_experiencer", "hypothetical", "historical", "uncertain",
                                        "background")
Modifier = Literal["negated", "other_experiencer", "hypothetical", "historical", "uncertain", "background"]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AbbreviationSpec(_Spec):
    """An abbreviation matched as written, dropped when a guard word is near it."""

    text: str = Field(min_length=1)
    unless_near: tuple[str, ...] = ()
    window: int = Field(default=6, ge=0)
    # Guard words are looked for in the abbreviation's own sentence and line unless this is set:
    # a dose is written beside its drug, but a cardiac chain runs over several certificate lines.
    guard_across_lines: bool = False
    # Guard words are looked for in the abbreviation's own clause only, when this is set: a comma, a
    # semicolon or a plus ends the window too, so a drug or an infection listed as another reason ("Severe
    # LD, epilepsy on phenytoin", "Moderate ID, recurrent chest infections") does not hide it, while
    # the words of a loading dose or a team written beside it ("phenytoin LD given", "ID consult") do.
    guard_within_clause: bool = False
    # A guard word followed by one of these does not count: a drug named as a property of a disease
    # ("LD and keppra-resistant epilepsy", "phenytoin-refractory seizures") is not a dose.
    guard_not_before: tuple[str, ...] = ()


class CodesSpec(_Spec):
    """Classification codes of a concept; ICD-10 entries may be ranges such as F70-F79."""

    icd10: tuple[str, ...] = ()
    snomed: tuple[str, ...] = ()


class ConceptSpec(_Spec):
    """One clinical concept: its words, abbreviations, misspellings and codes."""

    preferred: str
    description: str = ""
    extend: bool = False
    terms: tuple[str, ...] = ()
    misspellings: tuple[str, ...] = ()
    abbreviations: tuple[AbbreviationSpec, ...] = ()
    not_misspellings: tuple[str, ...] = ()
    exclude_before: tuple[str, ...] = ()
    exclude_after: tuple[str, ...] = ()
    codes: CodesSpec = CodesSpec()

    @field_validator("abbreviations", mode="before")
    @classmethod
    def _plain_abbreviations(cls, value: Any) -> Any:
        # A bare string is the common case: "- PMLD" instead of "- {text: PMLD}".
        if isinstance(value, list):
            return [{"text": v} if isinstance(v, str) else v for v in value]
        return value

    def merged_into(self, base: ConceptSpec) -> ConceptSpec:
        """This spec's lists appended to base's, for `extend: true` in a user's folder."""
        lists = ("terms", "misspellings", "abbreviations", "not_misspellings",
                 "exclude_before", "exclude_after")
        update: dict[str, Any] = {name: getattr(base, name) + getattr(self, name) for name in lists}
        update["codes"] = CodesSpec(
            icd10=base.codes.icd10 + self.codes.icd10, snomed=base.codes.snomed + self.codes.snomed
        )
        return base.model_copy(update=update)


def _checked_pattern(source: str) -> str:
    problem = backtracking_problem(source, verbose=True)
    if problem is not None:
        raise ValueError(f"pattern {problem}")
    try:
        compile_trigger_pattern(source)
    except regex.error as exc:
        raise ValueError(f"pattern does not compile: {exc}") from exc
    return source


class LastDecisionSpec(_Spec):
    """Two patterns: the sentence test holds when the last match of either in the text is `for`'s."""

    for_: str = Field(alias="for")
    against: str

    @field_validator("for_", "against")
    @classmethod
    def _compiles(cls, value: str) -> str:
        return _checked_pattern(value)


class SentenceSpec(_Spec):
    """A test of a whole sentence of the text (or line, or the text's list item), in the text around
    it: every pattern given must hold. A sentence that passes starts the trigger's scope."""

    has: str | None = Field(None, description="the sentence matches this pattern")
    lacks: str | None = Field(None, description="the sentence does not match this pattern")
    elsewhere: str | None = Field(None, description="another sentence of the text matches this pattern")
    later: str | None = Field(None, description="a later sentence of the text matches this pattern")
    text_has: str | None = Field(None, description="the text matches this pattern somewhere")
    last: LastDecisionSpec | None = Field(None, description="the text's last match of two patterns is the first's")

    @field_validator("has", "lacks", "elsewhere", "later", "text_has")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        return None if value is None else _checked_pattern(value)


class TriggerSpec(_Spec):
    """A context trigger, as medspaCy's ConTextRule: literal or pattern, category, direction; or a
    sentence test, whose trigger is the start of each sentence that passes it."""

    literal: str | None = None
    pattern: str | None = None
    sentence: SentenceSpec | None = None
    category: Category
    direction: Direction | None = None
    max_scope: int | None = Field(default=None, ge=0)
    stops: tuple[Modifier, ...] = ()
    enabled: bool = True

    @model_validator(mode="after")
    def _one_form(self) -> TriggerSpec:
        if sum(form is not None for form in (self.literal, self.pattern, self.sentence)) != 1:
            raise ValueError("a trigger needs exactly one of 'literal', 'pattern' or 'sentence'")
        if self.pattern is not None:
            _checked_pattern(self.pattern)
        if self.sentence is not None and self.category == "terminate":
            raise ValueError("a sentence trigger starts a scope; it cannot be a terminator")
        return self

    @property
    def key(self) -> tuple[str, str, str]:
        """What identifies the trigger when a user's file replaces it."""
        if self.sentence is not None:
            form = "sentence:" + self.sentence.model_dump_json()
        else:
            form = self.literal.lower() if self.literal is not None else f"re:{self.pattern}"
        return (form, self.category, self.scope_direction)

    @property
    def scope_direction(self) -> Direction:
        """The direction, defaulting to forward for modifiers and both ways for terminators."""
        if self.direction is not None:
            return self.direction
        return "bidirectional" if self.category == "terminate" else "forward"


class ConceptFile(_Spec):
    """One YAML file of the concepts folder; every section is optional."""

    concepts: dict[str, ConceptSpec] = {}
    groups: dict[str, tuple[str, ...]] = {}
    triggers: tuple[TriggerSpec, ...] = ()

    @field_validator("concepts", "groups")
    @classmethod
    def _names(cls, value: dict[str, Any]) -> dict[str, Any]:
        for name in value:
            if not NAME_RE.match(name):
                raise ValueError(f"name {name!r} must be lower_snake_case")
        return value
