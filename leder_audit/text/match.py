"""Find concept mentions in text, with spans into the original text."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from leder_audit.text.context import Context
from leder_audit.text.normalise import (
    GAP_RE,
    TOKEN_RE,
    SLOTS,
    FuzzyIndex,
    bare,
    phrase_keys,
    plain_apostrophes,
    singular,
    split_tokens,
    within_one_edit,
    word_key,
)
from leder_audit.text.specs import AbbreviationSpec, ConceptSpec


@dataclass(frozen=True, slots=True)
class Mention:
    """A concept found in a text, with its span and context."""

    concept: str
    start: int
    end: int
    text: str
    context: Context

    @property
    def affirmed(self) -> bool:
        """Not negated, about the patient, and not hypothetical."""
        return self.context.affirmed


@dataclass(frozen=True, slots=True)
class Span:
    """A concept found in a text, before its context is known."""

    concept: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Term:
    keys: tuple[str, ...]
    concept: str
    # What the term writes between its words: "" for spaces or hyphens, else the punctuation that
    # must be there ("." in "L.D.", "learn. dis.", "/" in "L/D").
    gaps: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Abbreviation:
    concept: str
    guards: frozenset[str]
    window: int
    across_lines: bool = False
    within_clause: bool = False
    not_before: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class _Needs:
    """What a text must hold to mention one of some concepts: the words of one of their terms
    (by first word), or one of their abbreviations."""

    terms: dict[str, list[frozenset[str]]]
    forms: frozenset[str]

    @classmethod
    def of(cls, concepts: frozenset[str], by_first_key: Mapping[str, list[_Term]],
           abbreviations: Mapping[str, _Abbreviation]) -> _Needs:
        terms: dict[str, list[frozenset[str]]] = {}
        for first, starting in by_first_key.items():
            # A number or age slot is filled by any number or age, so it is no word the text must hold.
            words = {frozenset(k for k in t.keys if k not in SLOTS) for t in starting if t.concept in concepts}
            if words:
                terms[first] = sorted(words, key=len)
        forms = frozenset(form for form, a in abbreviations.items() if a.concept in concepts)
        return cls(terms, forms)


@dataclass(frozen=True, slots=True)
class _Found:
    concept: str
    first: int
    last: int
    abbreviation: _Abbreviation | None = None


class ConceptMatcher:
    """Every concept's terms and abbreviations, indexed once for fast scanning."""

    __slots__ = ("_by_first_key", "_abbreviations", "_vocabulary", "_fuzzy", "_before", "_after",
                 "_key_cache", "_inert", "_alias", "_needs", "_by_second_key")

    def __init__(self, concepts: Mapping[str, ConceptSpec]):
        written = [(keys, name, gaps) for name, spec in concepts.items() for keys, gaps in _term_keys(spec)]
        self._alias = _misspelling_aliases(concepts.values())
        alias = self._alias
        terms = [_Term(tuple(alias.get(k, k) for k in keys), name, gaps) for keys, name, gaps in written]
        self._by_first_key: dict[str, list[_Term]] = {}
        for term in sorted(terms, key=lambda t: -len(t.keys)):
            self._by_first_key.setdefault(term.keys[0], []).append(term)
        self._by_second_key = {first: _by_second_key(starting) for first, starting in self._by_first_key.items()}
        self._abbreviations = _abbreviation_index(concepts)
        self._vocabulary = frozenset(k for keys, _, _ in written for k in keys)
        blocked = [w for spec in concepts.values() for w in spec.not_misspellings]
        self._fuzzy = FuzzyIndex(self._vocabulary, self._vocabulary, blocked)
        self._before = {n: frozenset(word_key(w) for w in s.exclude_before) for n, s in concepts.items()}
        self._after = {n: frozenset(word_key(w) for w in s.exclude_after) for n, s in concepts.items()}
        self._key_cache: dict[str, tuple[str | None, str | None, bool]] = {}
        # Tokens that cannot start a mention, kept as a set so a text can be rejected in bulk.
        self._inert: set[str] = set()
        self._needs: dict[frozenset[str], _Needs] = {}

    def scan(self, text: str) -> tuple[Span, ...]:
        """Every concept mention in text, left to right, longest match first."""
        if not self._may_mention(TOKEN_RE.findall(text)):
            return ()
        return self.scan_all(text)

    def scan_all(self, text: str) -> tuple[Span, ...]:
        """What scan finds, without first rejecting texts none of whose words can start a mention."""
        split = split_tokens(text)
        raw, gaps = split.words, split.gaps
        cache = self._key_cache
        infos = [cache.get(t) or self._token_info(t) for t in raw]
        found: list[Span] = []
        reached = 0
        kept: _Found | None = None
        # Only the words that can start a mention are tried; a match skips the words it covers.
        for i in [i for i, info in enumerate(infos) if info[2]]:
            if i < reached:
                continue
            hit = self._longest_at(i, infos, gaps, raw)
            if hit is None:
                continue
            if self._allowed(hit, raw, gaps, kept):
                found.append(Span(hit.concept, split.starts[hit.first], split.ends[hit.last]))
                kept = hit
            reached = hit.last + 1
        return tuple(found)

    def may_mention(self, text: str, concepts: frozenset[str]) -> bool:
        """False only when scan(text) can hold no span of any of the concepts.

        A term is found only where all its words are, and an abbreviation only where it is written,
        so a text that lacks a word of every term of the concepts, and all their abbreviations,
        has no span of them, whatever spans of other concepts it has.
        """
        raw = set(TOKEN_RE.findall(text))
        starts = [info for info in map(self._token_info, raw.difference(self._inert)) if info[2]]
        if not starts:
            return False
        needs = self._needs.get(concepts)
        if needs is None:
            needs = self._needs[concepts] = _Needs.of(concepts, self._by_first_key, self._abbreviations)
        if not needs.forms.isdisjoint([info[1] for info in starts]):
            return True
        firsts = needs.terms.keys() & {info[0] for info in starts}
        if not firsts:
            return False
        cache = self._key_cache
        keys = {(cache.get(t) or self._token_info(t))[0] for t in raw}
        return any(words <= keys for first in firsts for words in needs.terms[first])

    def _may_mention(self, raw: list[str]) -> bool:
        """Whether any of the tokens can start a mention; tokens known not to are skipped in bulk."""
        for token in set(raw).difference(self._inert):
            if self._token_info(token)[2]:
                return True
        return False

    def _token_info(self, token: str) -> tuple[str | None, str | None, bool]:
        """(vocabulary key, abbreviation form, whether a mention can start here), cached."""
        info = self._key_cache.get(token)
        if info is None:
            info = self._describe(token)
            if len(self._key_cache) > 100_000:
                self._key_cache.clear()
                self._inert.clear()
            self._key_cache[token] = info
            if not info[2]:
                self._inert.add(token)
        return info

    def _describe(self, token: str) -> tuple[str | None, str | None, bool]:
        lower = bare(token)
        key: str | None = singular(lower)
        if key not in self._vocabulary:
            key = self._fuzzy.correct(lower) or self._fuzzy.correct(key)  # type: ignore[arg-type]
        if key is not None:
            key = self._alias.get(key, key)
        form = _abbreviation_form(token, self._abbreviations)
        return (key, form, key in self._by_first_key or form is not None)

    def _longest_at(self, i: int, infos: list[tuple[str | None, str | None, bool]],
                    gaps: list[str], raw: list[str]) -> _Found | None:
        key, form, _ = infos[i]
        # Only the terms whose second word is the next word's key (or a slot, or none) can match here.
        by_second = self._by_second_key.get(key or "")
        if by_second is None:
            starting: list[_Term] = []
        else:
            following = infos[i + 1][0] if i + 1 < len(infos) else None
            starting = by_second.get(following) or by_second[None]
        for term in starting:
            last = i + len(term.keys) - 1
            if last < len(infos) and _continues(term, i, infos, gaps, raw):
                return _Found(term.concept, i, last)
        if form is not None:
            abbreviation = self._abbreviations[form]
            return _Found(abbreviation.concept, i, i, abbreviation)
        return None

    def _allowed(self, hit: _Found, raw: list[str], gaps: list[str], previous: _Found | None) -> bool:
        # gaps[k] lies before word k.
        if hit.first > 0 and _gap_is_space(gaps[hit.first]):
            if word_key(raw[hit.first - 1]) in self._before[hit.concept]:
                return False
        if hit.last + 1 < len(raw) and _gap_is_space(gaps[hit.last + 1]):
            if word_key(raw[hit.last + 1]) in self._after[hit.concept]:
                return False
        if hit.abbreviation is None:
            return True
        # "severe learning disability (SLD)": the words it abbreviates are the concept, so it is too.
        defines_itself = previous is not None and previous.concept == hit.concept and previous.last == hit.first - 1
        return not (_guarded(hit, raw, gaps) or (_defined_in_brackets(hit, raw, gaps) and not defines_itself))


def _by_second_key(terms: list[_Term]) -> dict[str | None, list[_Term]]:
    """The terms, in order, that can match where the next word has each key; under None, those that can
    match whatever it is (a term of one word, or one whose second word is a slot)."""
    anywhere = [t for t in terms if len(t.keys) == 1 or t.keys[1] in SLOTS]
    index: dict[str | None, list[_Term]] = {None: anywhere}
    for second in {t.keys[1] for t in terms if len(t.keys) > 1 and t.keys[1] not in SLOTS}:
        index[second] = [t for t in terms if len(t.keys) == 1 or t.keys[1] in (second, *SLOTS)]
    return index


def _continues(term: _Term, i: int, infos: list[tuple[str | None, str | None, bool]],
               gaps: list[str], raw: list[str]) -> bool:
    keys = term.keys
    for offset in range(1, len(keys)):
        j = i + offset
        if infos[j][0] != keys[offset]:
            filled = SLOTS.get(keys[offset])
            if filled is None or not filled(raw[j]):
                return False
        written = term.gaps[offset - 1]
        if not (_gap_is_space(gaps[j]) if not written else _punctuation(gaps[j]) == written):
            return False
    return True


def _punctuation(gap: str) -> str:
    """The gap between two words without its spaces, apostrophes straight: "." in "learn. dis", "'" in "Downs’ syndrome"."""
    return plain_apostrophes("".join(gap.split()))


def _gap_is_space(gap: str) -> bool:
    # Words of one term may be split by spaces, line breaks or hyphens, never by punctuation.
    return GAP_RE.fullmatch(gap) is not None


def _guarded(hit: _Found, raw: list[str], gaps: list[str]) -> bool:
    assert hit.abbreviation is not None
    window = hit.abbreviation.window
    low, high = max(0, hit.first - window), min(len(raw), hit.last + 1 + window)
    if not hit.abbreviation.across_lines:
        # gaps[k] lies before word k: the window stops at the nearest break on either side.
        breaks = _is_clause_break if hit.abbreviation.within_clause else _is_break
        low = next((k for k in range(hit.first, low, -1) if breaks(gaps[k])), low)
        high = next((k for k in range(hit.last + 1, high) if breaks(gaps[k])), high)
    guards, not_before = hit.abbreviation.guards, hit.abbreviation.not_before
    if not not_before:
        near = raw[low : hit.first] + raw[hit.last + 1 : high]
        return any(word_key(t) in guards for t in near)
    # A guard word followed by one of not_before ("keppra-resistant") names something else.
    return any(word_key(raw[k]) in guards and not (k + 1 < len(raw) and word_key(raw[k + 1]) in not_before)
               for k in [*range(low, hit.first), *range(hit.last + 1, high)])


_BREAK_RE = re.compile(r"\n|[.!?](?:\s|$)")
_CLAUSE_BREAK_RE = re.compile(r"[\n,;+]|[.!?](?:\s|$)")


def _is_clause_break(gap: str) -> bool:
    """A break, a comma, a semicolon or a plus: the items of a list each have their own guard words."""
    return _CLAUSE_BREAK_RE.search(gap) is not None


def _is_break(gap: str) -> bool:
    """A line break or a sentence end: "Choking on food bolus" on one certificate line does not guard the next."""
    return _BREAK_RE.search(gap) is not None


def _defined_in_brackets(hit: _Found, raw: list[str], gaps: list[str]) -> bool:
    """True for an abbreviation in brackets after the words whose initials it spells.

    "Legionnaires' disease (LD)" and "atrial septal defect (ASD)" define the abbreviation as those
    words, not as the concept it usually stands for.
    """
    if not gaps[hit.first].rstrip().endswith("("):
        return False
    letters = [c for c in raw[hit.first].lower() if c.isalpha()]
    first = hit.first - len(letters)
    if len(letters) < 2 or first < 0:
        return False
    between = gaps[first + 1 : hit.first]
    if any(mark in gap for gap in between for mark in ",;:.()"):
        return False
    return [word[0].lower() for word in raw[first : hit.first]] == letters


def _term_keys(spec: ConceptSpec) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """Each term's word keys, and the punctuation it writes between them."""
    found = []
    for phrase in (*spec.terms, *spec.misspellings):
        written = phrase
        for slot, word in _SLOT_WORDS.items():
            written = written.replace(slot, word)
        keys = tuple(_SLOT_OF_WORD.get(k, k) for k in phrase_keys(written))
        if keys:
            found.append((keys, _written_gaps(written)))
    return found


# A slot stands in the term as a word while its keys and gaps are worked out.
_SLOT_WORDS = {slot: f"{slot.strip('<>')}slot" for slot in SLOTS}
_SLOT_OF_WORD = {word: slot for slot, word in _SLOT_WORDS.items()}


def _written_gaps(phrase: str) -> tuple[str, ...]:
    spans = [m.span() for m in TOKEN_RE.finditer(phrase)]
    between = (phrase[spans[k][1] : spans[k + 1][0]] for k in range(len(spans) - 1))
    return tuple("" if GAP_RE.fullmatch(g) else _punctuation(g) for g in between)


def _abbreviation_index(concepts: Mapping[str, ConceptSpec]) -> dict[str, _Abbreviation]:
    index: dict[str, _Abbreviation] = {}
    for name, spec in concepts.items():
        for abbreviation in spec.abbreviations:
            index[plain_apostrophes(abbreviation.text)] = _compile_abbreviation(name, abbreviation)
    return index


def _compile_abbreviation(concept: str, spec: AbbreviationSpec) -> _Abbreviation:
    return _Abbreviation(concept, frozenset(word_key(w) for w in spec.unless_near), spec.window,
                         spec.guard_across_lines, spec.guard_within_clause,
                         frozenset(word_key(w) for w in spec.guard_not_before))


def _misspelling_aliases(specs: Iterable[ConceptSpec]) -> dict[str, str]:
    """Each word of a listed misspelling that is one letter from exactly one word of the terms, mapped to it.

    So two misspelt words together are read as the term: "lerning dissability" is "learning
    disability" although only "lerning disability" and "learning dissability" are listed.
    """
    specs = list(specs)
    correct = {k for spec in specs for phrase in spec.terms for k in phrase_keys(phrase)}
    alias: dict[str, str] = {}
    for spec in specs:
        for phrase in spec.misspellings:
            for key in phrase_keys(phrase):
                if key in correct or key in alias:
                    continue
                near = [word for word in correct if within_one_edit(key, word)]
                if len(near) == 1:
                    alias[key] = near[0]
    return alias


def _abbreviation_form(token: str, index: Mapping[str, _Abbreviation]) -> str | None:
    """The abbreviation token stands for, as written, plural or possessive ("LDs", "LD's")."""
    form = plain_apostrophes(token)
    if form in index:
        return form
    for suffix in ("'s", "s"):
        if form.endswith(suffix) and form[: -len(suffix)] in index:
            return form[: -len(suffix)]
    return None
