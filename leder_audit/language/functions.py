"""The built-in function library of the rule language: a registry of declarative functions.

Each function declares its signature and type, how its literal arguments are prepared, whether it is pure
and cheap, which record fields it reads besides its arguments, and how it explains itself: a test returns
what it found (the words or code a finding quotes as evidence), and its value is whether it found anything.
No function writes to a shared context, and no phase of the language knows a function by its name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from collections.abc import Hashable, Sequence
from typing import Any, Callable, Protocol

from .. import regexsafety
from ..regexsafety import backtracking_problem
from .nodes import Call, Literal, Name, Node, Value
from .semantics import blank as _blank
from .types import ANY, BOOL, CONCEPT, DATE, NUMBER, STRING, Type, list_of


class MentionContext(Protocol):
    """What the functions read of the words around a mention."""

    @property
    def negated(self) -> bool: ...
    @property
    def label(self) -> str: ...


class ConceptMention(Protocol):
    """What the functions read of a concept found in a text."""

    @property
    def text(self) -> str: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def affirmed(self) -> bool: ...
    @property
    def context(self) -> MentionContext: ...


class Concepts(Hashable, Protocol):
    """What the functions need from the concept matcher; hashable, as readings are kept by concept set."""

    def find(self, text: str, concept: str) -> Sequence[ConceptMention]: ...
    def names(self) -> frozenset[str]: ...
    def codes(self, concept: str) -> tuple[str, ...]: ...


@dataclass(slots=True)
class Sighting:
    """Words or a code a function found, to quote as a finding's evidence."""

    text: str
    start: int
    end: int
    context: str | None = None
    field: str | None = None  # the field of the argument it was found in, when the argument is a part (a line)


@dataclass(slots=True)
class RunContext:
    """What functions may consult besides their arguments and the record: one per run, reused for every record."""

    today: date
    concepts: Concepts
    # A cache, not an input: the Part I of the last record whose lines were read, each line read once for each
    # concept a rule asks of it (kept by the record's identity, so it is never read for another record).
    part_one: PartOne | None = None


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    type: Type
    literal: bool = False  # must be written as a literal (a regex, a code range), checked at load time


@dataclass(frozen=True, slots=True)
class Function:
    """A function's signature, documentation and implementation."""

    name: str
    params: tuple[Param, ...]
    returns: Type | Callable[[list[Type]], Type]  # a type, or one computed from the argument types
    doc: str
    # impl(context, [record,] *args, **keywords): the record comes second when the function reads fields of it
    # besides its arguments (reads_record, reads_unless_given).
    impl: Callable[..., Any]
    optional: int = 0  # how many trailing params may be left out
    variadic: Param | None = None
    keywords: dict[str, tuple[Type, Any]] = field(default_factory=dict)
    # When false, an unknown argument makes the result unknown before impl is called.
    sees_unknown: bool = False
    example: str = ""
    # What the function declares about itself, so that no phase has to know it by name:
    prepare: Callable[[str], Any] | None = None  # turns a literal argument into what impl takes; ValueError if bad
    cheap: bool = False  # cheaper to call again than to keep and look up once per record
    pure: bool = False  # its value depends on its arguments alone (and the run's today and concepts)
    reads_unless_given: tuple[str, ...] = ()  # a record field it reads when its optional argument is left out
    tests_blank: bool | None = None  # True: "is this value blank?"; False: "is it recorded?"; None: neither
    keeps_item_paths: bool = False  # returns items of its list argument, which keep their field paths
    # Record fields it reads besides its arguments, and nothing else: its value depends on its arguments, these
    # fields and the run's today and concepts (a certificate line is read inside the record's whole Part I).
    reads_record: tuple[str, ...] = ()
    # A test explains itself with what it found: found(...) takes impl's arguments and returns the words or code
    # that make it true (the finding's evidence), or None when it is false; impl is then `found(...) is not None`.
    found: Callable[..., Sighting | None] | None = None

    @property
    def takes_record(self) -> bool:
        """Whether impl takes the record being checked after the run's context."""
        return bool(self.reads_record or self.reads_unless_given)


def predicate(name: str, params: tuple[Param, ...], doc: str, found: Callable[..., Sighting | None],
         **declared: Any) -> Function:
    """A function of true or false that explains itself by what it found: true when it finds something."""
    def impl(*args: Any, **keywords: Any) -> bool:
        return found(*args, **keywords) is not None

    return Function(name, params, BOOL, doc, impl, found=found, **declared)


def call(function: Function, context: Any, record: Any, args: list[Any], keywords: dict[str, Any]) -> Any:
    """A function's value, honouring its treatment of unknown arguments."""
    if not function.sees_unknown and any(a is None for a in args):
        return None
    if function.takes_record:
        return function.impl(context, record, *args, **keywords)
    return function.impl(context, *args, **keywords)


def call_explained(function: Function, context: Any, record: Any, args: list[Any], keywords: dict[str, Any]
                   ) -> tuple[Any, Sighting | None]:
    """A function's value with what it found, the evidence for a test that holds (else None)."""
    if function.found is None:
        return call(function, context, record, args, keywords), None
    if not function.sees_unknown and any(a is None for a in args):
        return None, None
    leading = (context, record) if function.takes_record else (context,)
    found = function.found(*leading, *args, **keywords)
    return found is not None, found

def _exists(ctx: RunContext, value: Any) -> bool:
    return not _blank(value)


def _missing(ctx: RunContext, value: Any) -> bool:
    return _blank(value)


def _len(ctx: RunContext, value: Any) -> int:
    return len(value)


def _lower(ctx: RunContext, value: str) -> str:
    return value.lower()


def _today(ctx: RunContext) -> date:
    return ctx.today


def _years_between(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _age_at(ctx: RunContext, record: Any, on: date | None, born: date | None = None) -> int | None:
    if born is None:
        person = record.get("person")
        born = person.get("date_of_birth") if person is not None else None
    if on is None or born is None:
        return None
    return _years_between(born, on)


def _days_between(ctx: RunContext, start: date, end: date) -> int:
    return (end - start).days


def compile_regex(source: str) -> Any:
    """A rule's regular expression, case-insensitive; ValueError when it cannot be used safely."""
    import regex

    problem = backtracking_problem(source)
    if problem is not None:
        raise ValueError(problem)
    try:
        return regex.compile(source, regex.IGNORECASE | regex.VERSION0)
    except regex.error as error:
        raise ValueError(f"the regular expression does not compile: {error}") from None


def _matches(ctx: RunContext, text: str, pattern: Any) -> Sighting | None:
    found = _search(pattern, text) if len(text) <= _KEPT_TEXT_LENGTH else _search.__wrapped__(pattern, text)
    return None if found is None else Sighting(*found)


_KEPT_TEXT_LENGTH = 2000  # longer texts are searched each time, so that the searches kept stay small


@lru_cache(maxsize=4096)
def _search(pattern: Any, text: str) -> tuple[str, int, int] | None:
    """Where a rule's regular expression is first found in a text: several rules search a record's texts
    for the same words, and certificates repeat. A search that runs out of time is not kept."""
    found = pattern.search(text, timeout=regexsafety.time_limit(text))
    return None if found is None else (found.group(0), found.start(), found.end())


@dataclass(frozen=True, slots=True)
class CodeRange:
    """An ICD-10 code or range as written in a rule: "F70-F79", "F81.9", "F84"."""

    low: str
    high: str

    @classmethod
    def parse(cls, text: str) -> "CodeRange":
        low, _, high = text.upper().replace(" ", "").partition("-")
        if not re.fullmatch(r"[A-Z]\d{2}(\.\d{1,2})?", low) or (high and not re.fullmatch(r"[A-Z]\d{2}(\.\d{1,2})?", high)):
            raise ValueError(f"{text!r} is not an ICD-10 code or range like F70-F79 or F81.9")
        return cls(low, high or low)

    def contains(self, code: str) -> bool:
        # A code falls in the range when it lies between the bounds, a bound naming its whole category.
        return self.low <= code and (code <= self.high or code.startswith(self.high))


def normalise_code(code: str) -> str:
    """ICD-10 as written (f81.9, F819, 'F81.9 '): upper case, dot after the category."""
    compact = code.strip().upper().replace(".", "").replace(" ", "")
    return compact[:3] + ("." + compact[3:] if len(compact) > 3 else "")


def _code_in(ctx: RunContext, code: str, *ranges: CodeRange) -> Sighting | None:
    normal = normalise_code(code)
    return Sighting(code, 0, len(code)) if any(r.contains(normal) for r in ranges) else None


def _mentions(ctx: RunContext, text: str, concept: str, negated: bool = False, uncertain: bool = False,
              background: bool = False) -> Sighting | None:
    wanted = _wanted_labels(negated, uncertain, background)
    for mention in ctx.concepts.find(text, concept):
        if (mention.context.negated if negated else mention.context.label in wanted):
            return Sighting(mention.text, mention.start, mention.end, mention.context.label)
    return None


def _wanted_labels(negated: bool, uncertain: bool, background: bool) -> frozenset[str]:
    """The context labels a call of mentions() counts, from its keywords."""
    if negated:
        return frozenset({"negated"})
    wanted = {"uncertain"} if uncertain else set()
    if background:
        wanted.add("background")
    return frozenset(wanted or {"affirmed", "historical"})


def _mention_context(ctx: RunContext, text: str, concept: str) -> str | None:
    found = ctx.concepts.find(text, concept)
    return found[0].context.label if found else None


def _completed(ctx: RunContext, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # A line that carries only a code is filled in: the certifier wrote the condition as its code.
    return [line for line in lines if not (_blank(line.get("text")) and _blank(line.get("icd10")))]


def _specificity(code: str, ranges: tuple[str, ...]) -> float:
    """How closely the most specific of the ranges names the code: 0 when none contains it."""
    best = 0.0
    for written in ranges:
        try:
            bounds = CodeRange.parse(written)
        except ValueError:
            continue
        if bounds.contains(code):
            depth = len(bounds.low.replace(".", "")) - (0.5 if bounds.low != bounds.high else 0.0)
            best = max(best, depth)
    return best


@lru_cache(maxsize=2048)
def _coded_concepts(concepts: Concepts, code: str) -> frozenset[str]:
    # A code belongs to the concepts that name it most closely: F84.2 (Rett syndrome) is listed by the
    # genetic syndromes and falls under F84 (autism); the closer listing decides.
    normal = normalise_code(code)
    depth = {name: _specificity(normal, concepts.codes(name)) for name in concepts.names()}
    best = max(depth.values(), default=0.0)
    return frozenset(name for name, d in depth.items() if d and d == best)


def _coded_as(ctx: RunContext, code: str, concept: str) -> Sighting | None:
    if _blank(code) or concept not in _coded_concepts(ctx.concepts, code):
        return None
    return Sighting(code, 0, len(code))


# Words that a Part I line may hold beside a condition without naming another one: joining words,
# severity, "complications of", "since birth". "Severe learning disability and autism" and "Death from
# complications of Down's syndrome" name the disability alone; "Aspiration pneumonia in a man with
# severe learning disabilities" names a disease as well.
_LINE_FILLER = frozenset("""
    a an the his her their this and or with plus also of to due from died death
    known severe profound moderate mild multiple complex global lifelong longstanding congenital
    since birth childhood life complications complication sequelae effects effect consequences
    unspecified nos mosaic type
""".split())
# A causal link just before a mention makes it the cause of what the line names before the link:
# "Pneumonia due to learning disability", "UTI secondary to autism", "pneumonia complicating Down's".
_CAUSAL_LINK = re.compile(
    r"(?:\bdue\s+to|\bsecondary\s+to|\bsec\.?\s+to|2\s*°\s*(?:to)?|\bd/t|\bcaused\s+by|\bas\s+a\s+result\s+of"
    r"|\bas\s+a\s+consequence\s+of|\bconsequent\s+(?:on|upon)|\bbecause\s+of|\bresulting\s+from"
    r"|\battributable\s+to|\bcomplicating|\bfrom)"
    r"(?:\s+(?:his|her|their|the|a|an|known|underlying|severe|profound|moderate|mild))*[\s(,:-]*$",
    re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+")
_CODE = re.compile(r"(?<![\w.])[A-Za-z]\d{2}(?:\.?\d{1,2})?(?![\w.])")


@dataclass(frozen=True, slots=True)
class _Reading:
    """The affirmed mentions of a concept on one certificate line, and what else the line says."""

    mentions: tuple[Sighting, ...]
    alone: bool  # nothing else on the line but joining and severity words
    as_cause: Sighting | None  # a mention written as the cause of a condition before it on the line


def _read_line(ctx: RunContext, record: Any, line: Any, concept: str) -> _Reading:
    """How a certificate line of the record reads for a concept: the rules ask mentions_only, mentions_as_cause
    and mentions_within of the same lines, so the record's Part I is read once per concept and shared."""
    if not isinstance(line, dict):
        return _NOTHING_READ
    part_one = ctx.part_one
    if part_one is None or part_one.record is not record:
        part_one = ctx.part_one = PartOne(record)
    return part_one.reading(ctx, line, concept)


class PartOne:
    """A record's Part I as the line readers see it: every line read for a concept at once, each line inside
    the whole of Part I, and kept for the record being checked (and across records by the lines' text and
    codes and the concept, at most _READINGS_LIMIT kept)."""

    __slots__ = ("record", "lines", "key", "by_concept", "others")

    def __init__(self, record: Any) -> None:
        self.record = record
        lines = record.get("part1") if isinstance(record, dict) else None
        self.lines: list[Any] = lines if isinstance(lines, list) else []
        # What the readings of every line depend on, besides the concept: each line's text and code.
        self.key: tuple[tuple[Any, Any] | None, ...] = tuple(
            (line.get("text"), line.get("icd10")) if isinstance(line, dict) else None for line in self.lines)
        self.by_concept: dict[str, tuple[_Reading, ...]] = {}
        # Lines that are not the record's own Part I lines (a Part II line, say), each read alone.
        self.others: dict[tuple[int, str], tuple[dict[str, Any], _Reading]] = {}

    def reading(self, ctx: RunContext, line: dict[str, Any], concept: str) -> _Reading:
        """How one line reads for a concept."""
        for index, other in enumerate(self.lines):
            if other is line:
                readings = self.by_concept.get(concept)
                if readings is None:
                    readings = self.by_concept[concept] = self._read(ctx, concept)
                return readings[index]
        kept = self.others.get((id(line), concept))
        if kept is not None and kept[0] is line:
            return kept[1]
        reading = _reading(ctx, line, concept, [(m, 0) for m in _found(ctx, line.get("text"), concept)])
        self.others[(id(line), concept)] = (line, reading)
        return reading

    def _read(self, ctx: RunContext, concept: str) -> tuple[_Reading, ...]:
        key = (ctx.concepts, concept, self.key)
        try:
            known = _READINGS.get(key)
        except TypeError:  # a value no certificate line holds once validated: read it afresh
            return self._read_afresh(ctx, concept)
        if known is None:
            if len(_READINGS) >= _READINGS_LIMIT:
                _READINGS.clear()
            known = _READINGS[key] = self._read_afresh(ctx, concept)
        return known

    def _read_afresh(self, ctx: RunContext, concept: str) -> tuple[_Reading, ...]:
        """Each line read inside the whole of Part I, one line after another, so that an abbreviation's guard
        words reach across lines ("Eisenmenger syndrome" above "ASD" makes it an atrial septal defect); a line
        break ends every context trigger, so negation does not."""
        around = [(line.get("text") or "").replace("\n", " ") if isinstance(line, dict) else "" for line in self.lines]
        found = _found(ctx, "\n".join(around), concept) if any(around) else []
        readings = []
        start = 0
        for line, text in zip(self.lines, around):
            end = start + len(text)
            if isinstance(line, dict):
                mentions = [(m, start) for m in found if start <= m.start and m.end <= end]
                readings.append(_reading(ctx, line, concept, mentions))
            else:
                readings.append(_NOTHING_READ)
            start = end + 1
        return tuple(readings)


def _found(ctx: RunContext, text: Any, concept: str) -> Sequence[ConceptMention]:
    """The concept's mentions in a text; none in a blank one."""
    return ctx.concepts.find(text, concept) if not _blank(text) else ()


_NOTHING_READ = _Reading((), False, None)
_READINGS: dict[tuple[Any, ...], tuple[_Reading, ...]] = {}
_READINGS_LIMIT = 4096  # readings of a whole Part I kept; emptied when full


def _reading(ctx: RunContext, line: dict[str, Any], concept: str,
             mentions: list[tuple[ConceptMention, int]]) -> _Reading:
    """How one line reads, from the concept's mentions on it (each with the offset of the line in the text
    that was searched)."""
    text: str | None = line.get("text")
    if text is None or _blank(text):
        icd10: str | None = line.get("icd10")
        if icd10 is not None and not _blank(icd10) and concept in _coded_concepts(ctx.concepts, icd10):
            return _Reading((Sighting(icd10, 0, len(icd10), field="icd10"),), True, None)
        return _NOTHING_READ
    found = [Sighting(text[m.start - shift : m.end - shift], m.start - shift, m.end - shift, m.context.label, "text")
             for m, shift in mentions if m.affirmed]
    taken = [(m.start - shift, m.end - shift) for m, shift in mentions]
    for code in _CODE.finditer(text):
        inside = any(s <= code.start() < e for s, e in taken)
        if not inside and concept in _coded_concepts(ctx.concepts, code.group()):
            found.append(Sighting(code.group(), code.start(), code.end(), None, "text"))
            taken.append(code.span())
    found.sort(key=lambda s: s.start)
    if not found:
        return _NOTHING_READ
    alone = all(w.lower() in _LINE_FILLER for w in _WORD.findall(_blanked(text, taken)))
    return _Reading(tuple(found), alone, None if alone else _cause_mention(text, found))


def _blanked(text: str, spans: list[tuple[int, int]]) -> str:
    """The text with each span replaced by spaces."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def _cause_mention(text: str, found: list[Sighting]) -> Sighting | None:
    for mention in found:
        link = _CAUSAL_LINK.search(text, 0, mention.start)
        if link is None:
            continue
        before = _WORD.findall(text[: link.start()])
        if any(w.lower() not in _LINE_FILLER for w in before):
            return mention
    return None


def _mentions_only(ctx: RunContext, record: Any, line: Any, concept: str) -> Sighting | None:
    reading = _read_line(ctx, record, line, concept)
    return reading.mentions[0] if reading.mentions and reading.alone else None


def _mentions_as_cause(ctx: RunContext, record: Any, line: Any, concept: str) -> Sighting | None:
    return _read_line(ctx, record, line, concept).as_cause


def _mentions_within(ctx: RunContext, record: Any, line: Any, concept: str) -> Sighting | None:
    reading = _read_line(ctx, record, line, concept)
    return reading.mentions[0] if reading.mentions and not reading.alone and reading.as_cause is None else None


def _distinct(ctx: RunContext, values: list[Any]) -> list[Any]:
    # "GP practice" and "GP Practice " are one agency: text is compared ignoring case and spacing.
    kept: dict[Any, Any] = {}
    for value in values:
        if _blank(value):
            continue
        key = " ".join(value.split()).casefold() if isinstance(value, str) else value
        try:
            kept.setdefault(key, value)
        except TypeError:  # a part of a record: compared as a whole
            kept.setdefault(repr(value), value)
    return list(kept.values())


def _add(*functions: Function) -> dict[str, Function]:
    return {f.name: f for f in functions}


FUNCTIONS: dict[str, Function] = _add(
    Function("len", (Param("value", ANY),), NUMBER, "Number of items in a list or characters in a text.", _len,
             example="len(care_coordination.agencies_involved) >= 2", cheap=True, pure=True),
    Function("exists", (Param("value", ANY),), BOOL,
             "True when the value is recorded: not null, not blank text, not an empty list. Never unknown.",
             _exists, sees_unknown=True, example="exists(senior_responsible_clinician)", cheap=True, pure=True,
             tests_blank=False),
    Function("missing", (Param("value", ANY),), BOOL,
             "True when the value is not recorded: null, blank text or an empty list. Never unknown.",
             _missing, sees_unknown=True, example="missing(review_date)", cheap=True, pure=True,
             tests_blank=True),
    Function("lower", (Param("text", STRING),), STRING, "The text in lower case.", _lower,
             example='lower(certifier.role) == "consultant"', cheap=True, pure=True),
    Function("today", (), DATE, "The date the run judges as today (--as-of, default the real date).", _today,
             example="today() - notification_date > 6 months", cheap=True, pure=True),
    Function("age_at", (Param("date", DATE), Param("date_of_birth", DATE)), NUMBER,
             "Age in whole years on a date, from the given date of birth or else the record's person.date_of_birth.",
             _age_at, optional=1, sees_unknown=True, example="age_at(date_of_death) >= 14",
             reads_unless_given=("person", "date_of_birth")),
    Function("days_between", (Param("start", DATE), Param("end", DATE)), NUMBER,
             "Whole days from start to end (negative when end is earlier).", _days_between,
             example="days_between(notification_date, review_completed_date) > 183", pure=True),
    predicate("matches", (Param("text", STRING), Param("regex", STRING, literal=True)),
              "True when the regular expression (Python syntax, case-insensitive) is found in the text.", _matches,
              example='matches(rationale, "\\\\bfrail(ty)?\\\\b")', prepare=compile_regex, pure=True),
    predicate("code_in", (Param("code", STRING),),
              "True when an ICD-10 code falls in any of the codes or ranges given; a category covers its subcodes.",
              _code_in, variadic=Param("codes", STRING, literal=True),
              example='code_in(underlying_cause_icd10, "F70-F79", "F81.9", "F84")', prepare=CodeRange.parse, pure=True),
    predicate("mentions", (Param("text", STRING), Param("concept", CONCEPT)),
              "True when the text mentions the concept, affirmed (not negated, not someone else's, not hypothetical,"
              " not uncertain, not under a background label); with negated=true, when it mentions it negated;"
              " with uncertain=true, written as uncertain ('?LD', 'possible autism'); with background=true,"
              " under a background label ('PMH: ...') beside a separate reason.",
              _mentions, keywords={"negated": (BOOL, False), "uncertain": (BOOL, False), "background": (BOOL, False)},
              example="mentions(rationale, ld_or_related)", pure=True),
    Function("mention_context", (Param("text", STRING), Param("concept", CONCEPT)), STRING,
             "The context of the first mention of the concept: affirmed, negated, other_experiencer, hypothetical,"
             " background, uncertain or historical; null when there is none.",
             _mention_context, example='mention_context(rationale, learning_disability) == "other_experiencer"',
             pure=True),
    Function("distinct", (Param("values", list_of(ANY)),), lambda args: args[0],
             "The items of a list once each, blanks left out; text is compared ignoring case and spacing.",
             _distinct, example="len(distinct(care_coordination.agencies_involved)) >= 2", pure=True),
    Function("completed", (Param("lines", list_of(ANY)),), lambda args: args[0],
             "The lines of a list whose text or code is filled in; blank lines of Part I do not count.", _completed,
             example="mentions(completed(part1)[-1].text, ld_or_related)", pure=True, keeps_item_paths=True),
    predicate("coded_as", (Param("code", STRING), Param("concept", CONCEPT)),
              "True when an ICD-10 code (written with or without the dot) is one of the concept's codes, and no"
              " other concept lists it more closely (F84.2 is Rett syndrome, not autism).",
              _coded_as, example="coded_as(underlying_cause_icd10, ld_downs_autism)", pure=True),
    predicate("mentions_only", (Param("line", ANY), Param("concept", CONCEPT)),
              "True when a certificate line names the concept affirmed and nothing else: its text holds only the"
              " concept and joining or severity words, or, with no text, its code is the concept's.",
              _mentions_only, example="mentions_only(completed(part1)[0], ld_downs_autism)",
              reads_record=("part1",)),
    predicate("mentions_as_cause", (Param("line", ANY), Param("concept", CONCEPT)),
              "True when a certificate line gives the concept as the cause of another condition it names:"
              ' "Pneumonia due to learning disability".',
              _mentions_as_cause, example="mentions_as_cause(completed(part1)[-1], ld_downs_autism)",
              reads_record=("part1",)),
    predicate("mentions_within", (Param("line", ANY), Param("concept", CONCEPT)),
              "True when a certificate line names another condition and writes the concept into it, not as its"
              ' cause: "Aspiration pneumonia in a man with severe learning disabilities".',
              _mentions_within, example="any line in completed(part1): mentions_within(line, ld_downs_autism)",
              reads_record=("part1",)),
)


def prepare_literal(function: Function, value: str) -> Any:
    """Turn a literal argument into what the implementation uses, once per rulebook."""
    return function.prepare(value) if function.prepare is not None else value


def prepared_arguments(node: Call) -> list[Any]:
    """A call's arguments that are constants of the rulebook (concept names, regexes, codes), each as the
    function takes it; None for the others."""
    function = FUNCTIONS[node.function]
    prepared: list[Any] = []
    for position, arg in enumerate(node.args):
        param = function.params[position] if position < len(function.params) else function.variadic
        if param is None:  # the checker refuses more arguments than the function takes
            raise AssertionError(f"{function.name}() has no parameter {position + 1}")
        if param.type == CONCEPT:
            prepared.append(arg.name if isinstance(arg, Name) else _string_literal(arg))
        elif param.literal:
            prepared.append(prepare_literal(function, _string_literal(arg)))
        else:
            prepared.append(None)
    return prepared


def _string_literal(arg: Node) -> str:
    """The text of an argument that the checker has made sure is written as a string literal."""
    if isinstance(arg, Literal) and isinstance(arg.value, str):
        return arg.value
    raise AssertionError(f"`{arg}` is not a string literal")


def keyword_values(node: Call) -> dict[str, Value]:
    """A call's keyword arguments, which the checker has made sure are literals."""
    values: dict[str, Value] = {}
    for key, value in node.keywords:
        if not isinstance(value, Literal):
            raise AssertionError(f"option `{key}` is not a literal")
        values[key] = value.value
    return values
