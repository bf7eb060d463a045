"""Context of a mention, ConText style: negated, whose, and when."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from leder_audit.text.normalise import TOKEN_RE, tokens
from leder_audit.text.specs import MODIFIER_CATEGORIES, TriggerSpec

@dataclass(frozen=True, slots=True)
class Context:
    """What the words around a mention say about it."""

    negated: bool
    experiencer: str
    temporality: str
    triggers: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """One word for messages: affirmed, negated, other_experiencer, hypothetical or historical."""
        if self.negated:
            return "negated"
        if self.experiencer != "patient":
            return "other_experiencer"
        if self.temporality != "recent":
            return self.temporality
        return "affirmed"

    @property
    def affirmed(self) -> bool:
        """Not negated, about the patient, and not hypothetical."""
        return not self.negated and self.experiencer == "patient" and self.temporality != "hypothetical"


AFFIRMED = Context(negated=False, experiencer="patient", temporality="recent")


@dataclass(frozen=True, slots=True)
class Trigger:
    """A compiled trigger: what it is and how far it reaches."""

    phrase: str
    category: str
    direction: str
    max_scope: int | None
    stops: frozenset[str]


@dataclass(frozen=True, slots=True)
class Hit:
    """One trigger found in a text."""

    trigger: Trigger
    start: int
    end: int
    text: str


class TriggerSet:
    """All context triggers, indexed for fast finding, and the ConText scope rules."""

    __slots__ = ("specs", "_by_first_word", "_patterns", "_hits")

    def __init__(self, specs: Iterable[TriggerSpec]):
        self.specs: tuple[TriggerSpec, ...] = tuple(s for s in specs if s.enabled)
        self._by_first_word: dict[str, list[_Phrase]] = {}
        phrases = [_phrase(s) for s in self.specs if s.literal is not None]
        for phrase in sorted(phrases, key=lambda p: -len(p.words)):
            self._by_first_word.setdefault(phrase.words[0], []).append(phrase)
        self._patterns = [
            (re.compile(s.pattern, re.IGNORECASE | re.VERBOSE), _compile_trigger(s))
            for s in self.specs
            if s.pattern is not None
        ]
        self._hits = lru_cache(maxsize=2048)(self._find_hits)

    def hits(self, text: str) -> tuple[Hit, ...]:
        """Every trigger in text, the longest where they overlap; pseudo-triggers dropped."""
        return self._hits(text)

    def _find_hits(self, text: str) -> tuple[Hit, ...]:
        candidates = [*self._literal_hits(text), *self._pattern_hits(text)]
        candidates.sort(key=lambda h: (h.start, h.start - h.end))
        kept: list[Hit] = []
        reached = 0
        for hit in candidates:
            if hit.start >= reached:
                kept.append(hit)
                reached = hit.end
        return tuple(h for h in kept if h.trigger.category != "pseudo")

    def _literal_hits(self, text: str) -> list[Hit]:
        words = [_plain_word(t) for t in TOKEN_RE.findall(text)]
        first = self._by_first_word
        if not any(w in first for w in words):
            return []
        spans = [m.span() for m in TOKEN_RE.finditer(text)]
        found: list[Hit] = []
        i = 0
        while i < len(words):
            phrase = self._longest_at(i, text, words, spans) if words[i] in first else None
            if phrase is None:
                i += 1
                continue
            last = i + len(phrase.words) - 1
            found.append(Hit(phrase.trigger, spans[i][0], spans[last][1], text[spans[i][0] : spans[last][1]]))
            i = last + 1
        return found

    def _longest_at(self, i: int, text: str, words: list[str],
                    spans: list[tuple[int, int]]) -> _Phrase | None:
        for phrase in self._by_first_word.get(words[i], ()):
            n = len(phrase.words)
            if tuple(words[i : i + n]) == phrase.words and all(
                _gap(text[spans[i + k][1] : spans[i + k + 1][0]]) == phrase.gaps[k] for k in range(n - 1)
            ):
                return phrase
        return None

    def _pattern_hits(self, text: str) -> list[Hit]:
        return [
            Hit(trigger, m.start(), m.end(), m.group())
            for regex, trigger in self._patterns
            for m in regex.finditer(text)
            if m.end() > m.start()
        ]

    def classify(self, text: str, start: int, end: int) -> Context:
        """The context of the span text[start:end]."""
        hits = self.hits(text)
        if not any(h.trigger.category != "terminate" for h in hits):
            return AFFIRMED
        terminators = [h for h in hits if h.trigger.category == "terminate"]
        deciding: dict[str, tuple[int, Hit]] = {}
        for hit in hits:
            category = hit.trigger.category
            if category == "terminate":
                continue
            distance = _reach(text, hit, start, end, terminators)
            if distance is not None and (category not in deciding or distance < deciding[category][0]):
                deciding[category] = (distance, hit)
        return _context_from(deciding)


def _reach(text: str, hit: Hit, start: int, end: int, terminators: list[Hit]) -> int | None:
    """How many words separate the trigger from the span, or None when it does not reach it."""
    trigger = hit.trigger
    if hit.end <= start and trigger.direction in ("forward", "bidirectional"):
        gap, cut_by = (hit.end, start), "forward"
    elif hit.start >= end and trigger.direction in ("backward", "bidirectional"):
        gap, cut_by = (end, hit.start), "backward"
    else:
        return None
    for t in terminators:
        if gap[0] <= t.start and t.end <= gap[1] and _cuts(t.trigger, trigger.category, cut_by):
            return None
    words = len(TOKEN_RE.findall(text, gap[0], gap[1]))
    if trigger.max_scope is not None and words > trigger.max_scope:
        return None
    return words


def _cuts(terminator: Trigger, category: str, direction: str) -> bool:
    if terminator.stops and category not in terminator.stops:
        return False
    return terminator.direction in (direction, "bidirectional")


def _context_from(deciding: dict[str, tuple[int, Hit]]) -> Context:
    if not deciding:
        return AFFIRMED
    temporality = "recent"
    if "hypothetical" in deciding:
        temporality = "hypothetical"
    elif "historical" in deciding:
        temporality = "historical"
    ordered = sorted(deciding.values(), key=lambda pair: pair[1].start)
    return Context(
        negated="negated" in deciding,
        experiencer="other" if "other_experiencer" in deciding else "patient",
        temporality=temporality,
        triggers=tuple(hit.trigger.phrase or " ".join(tokens(hit.text)).lower() for _, hit in ordered),
    )


@dataclass(frozen=True, slots=True)
class _Phrase:
    words: tuple[str, ...]
    gaps: tuple[str, ...]
    trigger: Trigger


_NO_APOSTROPHES = str.maketrans("", "", "'’‘`´ʼ")
_SPACE_OR_HYPHEN = re.compile(r"[\s\-‐‑–]+")


@lru_cache(maxsize=65536)
def _plain_word(token: str) -> str:
    return token.translate(_NO_APOSTROPHES).lower()


def _gap(between: str) -> str:
    """What separates two words, with spaces and hyphens (interchangeable in notes) removed."""
    return _SPACE_OR_HYPHEN.sub("", between)


def _phrase(spec: TriggerSpec) -> _Phrase:
    literal = spec.literal or ""
    spans = [m.span() for m in TOKEN_RE.finditer(literal)]
    if not spans:
        raise ValueError(f"trigger literal {literal!r} has no words; use a pattern")
    words = tuple(literal[a:b].translate(_NO_APOSTROPHES).lower() for a, b in spans)
    gaps = tuple(_gap(literal[spans[k][1] : spans[k + 1][0]]) for k in range(len(spans) - 1))
    return _Phrase(words, gaps, _compile_trigger(spec))


def _compile_trigger(spec: TriggerSpec) -> Trigger:
    return Trigger(
        phrase=spec.literal or "",
        category=spec.category,
        direction=spec.scope_direction,
        max_scope=spec.max_scope,
        stops=frozenset(spec.stops),
    )


__all__ = ["AFFIRMED", "Context", "Hit", "Trigger", "TriggerSet", "MODIFIER_CATEGORIES"]
