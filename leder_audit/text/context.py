"""Context of a mention, ConText style: negated, whose, and when."""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

import regex

from leder_audit import regexsafety
from leder_audit.regexsafety import compile_trigger_pattern
from leder_audit.text.normalise import TOKEN_RE, split_tokens, tokens
from leder_audit.text.prefixes import GateIndex, fixed_text, gates_of, requirement_of
from leder_audit.text.rewrite import FastPattern, options_of
from leder_audit.text.specs import MODIFIER_CATEGORIES, SentenceSpec, TriggerSpec

@dataclass(frozen=True, slots=True)
class Context:
    """What the words around a mention say about it."""

    negated: bool
    experiencer: str
    temporality: str
    triggers: tuple[str, ...] = ()
    uncertain: bool = False
    background: bool = False

    @property
    def label(self) -> str:
        """One word for messages: affirmed, negated, other_experiencer, hypothetical, background,
        uncertain or historical."""
        if self.negated:
            return "negated"
        if self.experiencer != "patient":
            return "other_experiencer"
        if self.temporality == "hypothetical":
            return "hypothetical"
        if self.background:
            return "background"
        if self.uncertain:
            return "uncertain"
        return "historical" if self.temporality == "historical" else "affirmed"

    @property
    def affirmed(self) -> bool:
        """Not negated, about the patient, not hypothetical and not written as uncertain."""
        return (not self.negated and self.experiencer == "patient" and self.temporality != "hypothetical"
                and not self.uncertain)


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

    __slots__ = ("specs", "_sizes", "_by_words", "_patterns", "_sentence_tests", "_sentence_patterns", "_steps", "_fixed",
                 "_gates", "_hits", "_indexed", "_fast", "_options", "_gated")

    def __init__(self, specs: Iterable[TriggerSpec]):
        self.specs: tuple[TriggerSpec, ...] = tuple(s for s in specs if s.enabled)
        # A phrase is looked up by its words; _sizes lists, longest first, how many words the
        # phrases beginning with a word have, so the longest phrase at a position is found first.
        self._sizes: dict[str, tuple[int, ...]] = {}
        self._by_words: dict[tuple[str, ...], list[_Phrase]] = {}
        for phrase in (_phrase(s) for s in self.specs if s.literal is not None):
            self._by_words.setdefault(phrase.words, []).append(phrase)
        for words in self._by_words:
            sizes = {*self._sizes.get(words[0], ()), len(words)}
            self._sizes[words[0]] = tuple(sorted(sizes, reverse=True))
        self._patterns = [
            (compile_trigger_pattern(s.pattern), _compile_trigger(s))
            for s in self.specs
            if s.pattern is not None
        ]
        compiled: dict[str, regex.Pattern[str]] = {}
        self._sentence_tests = [_SentenceTest(s.sentence, _compile_trigger(s), compiled) for s in self.specs
                                if s.sentence is not None]
        # The sentence tests' patterns, after the trigger patterns in the gate index.
        self._sentence_patterns = list(compiled.values())
        # A sentence test asks only whether a pattern matches, so a pattern that is a choice a|b|c is
        # searched option by option (rewrite.options_of); by id() of the pattern. The options follow
        # the sentence patterns in the gate index, each gated by its own literals.
        self._options = {id(p): options for p in self._sentence_patterns for options in [options_of(p)] if options}
        self._gated = [*self._sentence_patterns, *(o for options in self._options.values() for o in options)]
        # Most trigger patterns are word lists that a short rationale rarely holds: a pattern runs
        # only on a text its gates admit and, where it holds a choice, that meets what one of the
        # choice's options needs (prefixes.Requirement).
        gated = [*(regex for regex, _ in self._patterns), *self._gated]
        self._gates = GateIndex(list(map(gates_of, gated)), list(map(requirement_of, gated)))
        # A search that cannot run long needs no time limit, and a pattern that is one fixed string
        # (";", ":") is found as a string, never through the regex engine.
        self._fixed = [fixed_text(regex) for regex, _ in self._patterns]
        # A pattern that reads far around where it matches is searched in a faster form that finds
        # the same (leder_audit/text/rewrite.py); by id() of the pattern, trigger or sentence test's.
        self._fast = {id(p): fast for p in (*(regex for regex, _ in self._patterns), *self._gated)
                      for fast in [FastPattern(p)] if fast.rewritten}
        self._steps = [_steps(self._fast.get(id(regex)), regex) for regex, _ in self._patterns]
        self._hits = lru_cache(maxsize=2048)(self._find_hits)
        self._indexed = lru_cache(maxsize=8)(self._index)

    def hits(self, text: str) -> tuple[Hit, ...]:
        """Every trigger in text, the longest where they overlap; pseudo-triggers dropped."""
        return self._hits(text)

    def _find_hits(self, text: str) -> tuple[Hit, ...]:
        # One look at the text's words says which patterns, of triggers and of sentence tests, may match.
        admitted, passed = self._gates.admitted(text)
        count = len(self._patterns)
        split = bisect_left(admitted, count)
        candidates = [*self._literal_hits(text), *self._pattern_hits(text, admitted[:split], passed),
                      *self._sentence_hits(text, admitted[split:], passed)]
        candidates.sort(key=lambda h: (h.start, h.start - h.end))
        kept: list[Hit] = []
        reached = 0
        for hit in candidates:
            if hit.start == hit.end:  # a position hides no other trigger and none hides it
                kept.append(hit)
            elif hit.start >= reached:
                kept.append(hit)
                reached = hit.end
        return tuple(h for h in kept if h.trigger.category != "pseudo")

    def _literal_hits(self, text: str) -> list[Hit]:
        split = split_tokens(text)
        words = list(map(_plain_word, split.words))
        first = self._sizes
        if first.keys().isdisjoint(words):
            return []
        starts, ends = split.starts, split.ends
        found: list[Hit] = []
        reached = 0
        # Only the words that begin a phrase are tried; a phrase found skips the words it covers.
        for i in [i for i, word in enumerate(words) if word in first]:
            if i < reached:
                continue
            phrase = self._longest_at(i, words, split.gaps)
            if phrase is None:
                continue
            last = i + len(phrase.words) - 1
            found.append(Hit(phrase.trigger, starts[i], ends[last], text[starts[i] : ends[last]]))
            reached = last + 1
        return found

    def _longest_at(self, i: int, words: list[str], gaps: list[str]) -> _Phrase | None:
        """The longest phrase whose words and gaps are those at word i; the first listed on a tie."""
        for size in self._sizes[words[i]]:
            if i + size > len(words):
                continue
            for phrase in self._by_words.get(tuple(words[i : i + size]), ()):
                # gaps[i + k + 1] lies between word i + k and the next.
                if all(_gap(gaps[i + k + 1]) == phrase.gaps[k] for k in range(size - 1)):
                    return phrase
        return None

    def _sentence_hits(self, text: str, admitted: list[int], passed: int) -> list[Hit]:
        """A position hit at the start of each sentence that passes a sentence trigger's test; admitted
        lists the sentence patterns the text's gates admit, by their place in the gate index, and passed
        the gates the text passes (GateIndex.admitted)."""
        if not self._sentence_tests:
            return []
        reading = self._reading(text, admitted, passed)
        return [Hit(test.trigger, start, start, "")
                for test in self._sentence_tests
                for start in test.starts(reading)]

    def _reading(self, text: str, admitted: list[int] | None = None, passed: int | None = None) -> _SentenceReading:
        """The text as the sentence tests read it, given the gate index's candidates for it and the gates it
        passes."""
        if admitted is None or passed is None:
            candidates, passed = self._gates.admitted(text)
            admitted = [i for i in candidates if i >= len(self._patterns)]
        count = len(self._patterns)
        gates, gated = self._gates, self._gated
        # A pattern whose requirement the text does not meet is not admitted either; the requirement is read
        # only for a pattern a test asks about.
        unread = {id(gated[i - count]): i for i in admitted if not gates.plain(i)}
        plain = frozenset(id(gated[i - count]) for i in admitted if gates.plain(i))

        def meets(pattern: regex.Pattern[str]) -> bool:
            i = unread.get(id(pattern))
            return i is not None and gates.meets(i, passed)

        return _SentenceReading(text, plain, self._fast, self._options, meets if unread else None)

    def _pattern_hits(self, text: str, admitted: list[int] | None = None, passed: int | None = None) -> list[Hit]:
        """The hits of the trigger patterns the text's gates admit (admitted: their places in the gate index;
        passed: the gates the text passes, GateIndex.admitted) and whose requirements it meets."""
        patterns, steps, gates = self._patterns, self._steps, self._gates
        if admitted is None or passed is None:
            candidates, passed = gates.admitted(text)
            admitted = [i for i in candidates if i < len(patterns)]
        limit = regexsafety.time_limit(text)
        found = []
        for i in admitted:
            if not gates.plain(i) and not gates.meets(i, passed):
                continue
            regex, trigger = patterns[i]
            fixed = self._fixed[i]
            if fixed is not None:
                found += _occurrences(trigger, fixed, text)
                continue
            timeout = None if regexsafety.needs_no_limit(steps[i], text) else limit
            fast = self._fast.get(id(regex))
            matches = regex.finditer(text, timeout=timeout) if fast is None else fast.finditer(text, timeout)
            found += [Hit(trigger, m.start(), m.end(), m.group()) for m in matches if m.end() > m.start()]
        return found

    def classify(self, text: str, start: int, end: int) -> Context:
        """The context of the span text[start:end]."""
        index = self._indexed(text)
        if not index.deciders:
            return AFFIRMED
        deciding: dict[str, tuple[int, Hit]] = {}
        # Walk outwards from the span, nearest trigger first, so the walk can stop at the first
        # terminator that ends every scope: the work per mention stays within its clause, and a
        # long text with many mentions costs time in proportion to its length.
        first_after = bisect_left(index.starts, end)
        last_before = bisect_right(index.ends, start) - 1
        self._walk(index, range(last_before, -1, -1), start, end, "forward", deciding)
        self._walk(index, range(first_after, len(index.hits)), start, end, "backward", deciding)
        return _context_from(deciding)

    def _walk(self, index: _Indexed, order: range, start: int, end: int, direction: str,
              deciding: dict[str, tuple[int, Hit]]) -> None:
        before = direction == "forward"
        wanted = index.categories[direction]
        cut: set[str] = set()
        seen = 0
        for position in order:
            hit = index.hits[position]
            trigger = hit.trigger
            if trigger.category == "terminate":
                if trigger.direction in (direction, "bidirectional"):
                    cut |= trigger.stops
                    if wanted <= cut:
                        return
                continue
            seen += 1
            words = index.words_between(hit.end, start) if before else index.words_between(end, hit.start)
            if seen > MAX_TRIGGERS_WALKED or _settled(deciding, wanted - cut, words, before):
                return
            category = trigger.category
            if trigger.direction not in (direction, "bidirectional") or category in cut:
                continue
            if trigger.max_scope is not None and words > trigger.max_scope:
                continue
            best = deciding.get(category)
            # On equal distance the trigger that comes first in the text decides.
            if best is None or words < best[0] or (words == best[0] and hit.start < best[1].start):
                deciding[category] = (words, hit)

    def _index(self, text: str) -> _Indexed:
        hits = self._hits(text)
        if not hits:
            return _Indexed(hits, array("q"), array("q"))
        # Arrays, not lists: the index of a long text is kept in a cache.
        split = split_tokens(text)
        return _Indexed(hits, array("q", split.starts), array("q", split.ends))


# The end of a sentence, as the terminators read it (a full stop, ! or ? before a space or the end),
# or of a line, or of a form section run on with "//" or "|"; not the full stop of a list number at
# the start of a line ("2. Recommendation"), of a word shortened inside a name ("Learn. dis. - not a
# factor"), or of a shortened hedge that opens a list item before the word it hedges ("poss. LD and
# end-stage COPD"; not "Autism poss. Not for CPR ...", where it ends what it hedges): the context
# triggers read those stops as no sentence end either.
_SENTENCE_END = regex.compile(r"(?<!(?:^|\n)[ \t]*\d{1,2})"
                              r"(?<!\b(?:[Ll]earn|[Dd]is|[Dd]iffs?|[Ss]ynd|[Ss]yn|[Ss]yndr|[Dd]isab)(?=\.\s))"
                              r"(?!(?<=(?:^|[\n.;:,(\-–—])\s*(?i:poss|susp))\.\s+[^\W\d_])"
                              r"[.!?](?=\s|$)|\n|/{2,}|\|")
_LEADING = regex.compile(r"\s*(?:\d{1,2}[.)]\s+)?")
_WORD = regex.compile(r"[^\W_]")


def _sentences(text: str) -> list[tuple[int, int]]:
    """Where each sentence or line of the text starts (after spaces and a list number) and ends."""
    spans: list[tuple[int, int]] = []
    start = 0
    for end in [*(m.end() for m in _SENTENCE_END.finditer(text)), len(text)]:
        if end > start:
            lead = _LEADING.match(text, start, end)
            first = lead.end() if lead is not None else start
            # A run of marks with no word ("? LD - not for CPR": the hedge's question mark) is no
            # sentence of its own: it belongs to the words after it.
            if first < end and _WORD.search(text, first, end) is None and end < len(text):
                continue
            if first < end:
                spans.append((first, end))
        start = end
    return spans


class _SentenceReading:
    """One text as the sentence tests read it. Each search (of the whole text, or of one sentence) is
    made at most once, however many tests ask it, and only when a test needs its answer: the
    sentences are split once a test gets past its whole-text conditions, and a sentence none of
    whose words a pattern's gates admit is not searched for it.

    A pattern the gates do not admit in the whole text is not searched for at all. That holds for
    a sentence too: a search within a sentence sees the text before it but none after its end (a
    lookahead included), and a sentence begins and ends where no word does, so the words and
    literals a match there must hold are the text's own."""

    __slots__ = ("text", "limit", "_admitted", "_sentences", "_holds", "_found", "_last", "_fast", "_options",
                 "_meets", "_may")

    def __init__(self, text: str, admitted: frozenset[int], fast: dict[int, FastPattern] | None = None,
                 options: dict[int, tuple[regex.Pattern[str], ...]] | None = None,
                 meets: Callable[[regex.Pattern[str]], bool] | None = None) -> None:
        self.text = text
        self.limit = regexsafety.time_limit(text)
        # id() of each pattern the text's gates admit that has no requirement.
        self._admitted = admitted
        # Whether the text's gates admit a pattern that has a requirement and the text meets it
        # (GateIndex.meets), asked once a pattern.
        self._meets = meets
        self._may: dict[int, bool] = {}
        self._sentences: list[tuple[int, int]] | None = None
        self._holds: dict[tuple[int, int], bool] = {}
        self._found: dict[int, bool] = {}
        self._last: dict[int, int] = {}
        # id() of a pattern to the faster form it is searched in, where it has one.
        self._fast = fast or {}
        # id() of a pattern that is a choice to its options, searched one by one (each gated too).
        self._options = options or {}

    def _may_match(self, pattern: regex.Pattern[str]) -> bool:
        """Whether the text's gates admit the pattern and the text meets its requirement: else it matches
        nowhere in the text, nor in any sentence of it."""
        if id(pattern) in self._admitted:
            return True
        if self._meets is None:
            return False
        known = self._may.get(id(pattern))
        if known is None:
            known = self._may[id(pattern)] = self._meets(pattern)
        return known

    @property
    def sentences(self) -> list[tuple[int, int]]:
        if self._sentences is None:
            self._sentences = _sentences(self.text)
        return self._sentences

    def found(self, pattern: regex.Pattern[str]) -> bool:
        """Whether the pattern matches the text somewhere."""
        known = self._found.get(id(pattern))
        if known is None:
            known = self._found[id(pattern)] = self._may_match(pattern) and self._matches(pattern, 0, len(self.text))
        return known

    def last_start(self, pattern: regex.Pattern[str]) -> int:
        """Where the last of the pattern's matches in the text, left to right, starts; -1 for none."""
        known = self._last.get(id(pattern))
        if known is None:
            known = -1
            if self._may_match(pattern):
                fast = self._fast.get(id(pattern))
                matches = (pattern.finditer(self.text, timeout=self.limit) if fast is None
                           else fast.finditer(self.text, self.limit))
                known = max((m.start() for m in matches), default=-1)
            self._last[id(pattern)] = known
        return known

    def holds(self, pattern: regex.Pattern[str], k: int) -> bool:
        """Whether the pattern matches within sentence k."""
        key = (id(pattern), k)
        known = self._holds.get(key)
        if known is None:
            a, b = self.sentences[k]
            known = self._holds[key] = self._may_match(pattern) and self._matches(pattern, a, b)
        return known

    def _matches(self, pattern: regex.Pattern[str], a: int, b: int) -> bool:
        """Whether the pattern matches within text[a:b]: a choice where one of its options the gates admit does."""
        options = self._options.get(id(pattern))
        if options is None:
            return self._search(pattern, a, b) is not None
        return any(self._may_match(option) and self._search(option, a, b) is not None for option in options)

    def _search(self, pattern: regex.Pattern[str], a: int, b: int) -> regex.Match[str] | None:
        fast = self._fast.get(id(pattern))
        if fast is None:
            return pattern.search(self.text, a, b, timeout=self.limit)
        return fast.search(self.text, a, b, self.limit)  # type: ignore[no-any-return]

    def with_another(self, pattern: regex.Pattern[str], passing: list[int]) -> list[int]:
        """The sentences of passing for which another sentence matches the pattern."""
        among = set(passing)
        found: list[int] = []
        # A match outside passing, or two matches, answers for every sentence of passing.
        for j in [*(j for j in range(len(self.sentences)) if j not in among), *passing]:
            if self.holds(pattern, j):
                if j not in among or found:
                    return passing
                found.append(j)
        return [k for k in passing if found and k != found[0]]

    def before_last(self, pattern: regex.Pattern[str], passing: list[int]) -> list[int]:
        """The sentences of passing that a later sentence matching the pattern follows."""
        # The last sentence that matches decides, so the search goes backwards from the end.
        last = next((j for j in range(len(self.sentences) - 1, passing[0], -1) if self.holds(pattern, j)), -1)
        return [k for k in passing if k < last]


class _SentenceTest:
    """A sentence trigger compiled: its patterns, and which sentences of a text pass them."""

    __slots__ = ("trigger", "has", "lacks", "elsewhere", "later", "text_has", "last_for", "last_against")

    def __init__(self, spec: SentenceSpec, trigger: Trigger,
                 compiled: dict[str, regex.Pattern[str]] | None = None) -> None:
        # Tests that share a pattern share its compiled form, so a text's reading searches it once.
        known = {} if compiled is None else compiled

        def compile_once(source: str | None) -> regex.Pattern[str] | None:
            if source is None:
                return None
            if source not in known:
                known[source] = compile_trigger_pattern(source)
            return known[source]

        self.trigger = trigger
        self.has, self.lacks = compile_once(spec.has), compile_once(spec.lacks)
        self.elsewhere, self.text_has = compile_once(spec.elsewhere), compile_once(spec.text_has)
        self.later = compile_once(spec.later)
        self.last_for = compile_once(spec.last.for_) if spec.last is not None else None
        self.last_against = compile_once(spec.last.against) if spec.last is not None else None

    def starts(self, reading: _SentenceReading) -> list[int]:
        """The starts of the sentences that pass, in order."""
        if self.text_has is not None and not reading.found(self.text_has):
            return []
        if self.last_for is not None and self.last_against is not None:
            last_for = reading.last_start(self.last_for)
            if last_for < 0 or last_for <= reading.last_start(self.last_against):
                return []
        count = len(reading.sentences)
        # Another sentence, or a later one, needs two sentences; the last one has none after it.
        if (self.elsewhere is not None or self.later is not None) and count < 2:
            return []
        has, lacks = self.has, self.lacks
        passing = [k for k in range(count - 1 if self.later is not None else count)
                   if (has is None or reading.holds(has, k)) and (lacks is None or not reading.holds(lacks, k))]
        if self.elsewhere is not None and passing:
            passing = reading.with_another(self.elsewhere, passing)
        if self.later is not None and passing:
            passing = reading.before_last(self.later, passing)
        sentences = reading.sentences
        return [sentences[k][0] for k in passing]


def _steps(fast: FastPattern | None, pattern: regex.Pattern[str]) -> int | None:
    """The most steps per position of any search made for the pattern, or None when one has no bound."""
    forms = (pattern,) if fast is None else fast.forms
    steps = [regexsafety.steps_per_position(form) for form in forms]
    return None if None in steps else max(s for s in steps if s is not None)


def _occurrences(trigger: Trigger, fixed: str, text: str) -> list[Hit]:
    """Hits where text holds fixed, left to right, none overlapping: what a search for it finds."""
    found = []
    at = text.find(fixed)
    while at >= 0:
        end = at + len(fixed)
        found.append(Hit(trigger, at, end, fixed))
        at = text.find(fixed, end)
    return found


def _settled(deciding: dict[str, tuple[int, Hit]], wanted: set[str], words: int, before: bool) -> bool:
    """True when no trigger this far away or farther could change the decision."""
    if not wanted <= deciding.keys():
        return False
    # Before the span a farther trigger at the same distance still wins a tie (it comes first).
    return all(deciding[c][0] < words if before else deciding[c][0] <= words for c in wanted)


# A mention is judged by at most this many triggers on each side; only a run-on text with no
# punctuation (a pasted dump, or a hostile record) ever reaches the bound.
MAX_TRIGGERS_WALKED = 64


class _Indexed:
    """The triggers of one text and where its words are, for counting words between two points."""

    __slots__ = ("hits", "starts", "ends", "deciders", "categories", "_word_starts", "_word_ends")

    def __init__(self, hits: tuple[Hit, ...], word_starts: array[int], word_ends: array[int]) -> None:
        self.hits = hits
        self.starts = [h.start for h in hits]
        self.ends = [h.end for h in hits]
        self.deciders = any(h.trigger.category != "terminate" for h in hits)
        self.categories = {
            direction: {h.trigger.category for h in hits if h.trigger.category != "terminate"
                        and h.trigger.direction in (direction, "bidirectional")}
            for direction in ("forward", "backward")
        }
        self._word_starts = word_starts
        self._word_ends = word_ends

    def words_between(self, start: int, end: int) -> int:
        """How many whole words lie in text[start:end]."""
        return max(0, bisect_right(self._word_ends, end) - bisect_left(self._word_starts, start))


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
        uncertain="uncertain" in deciding,
        background="background" in deciding,
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


@lru_cache(maxsize=4096)
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


# A terminator that names no categories ends them all but a background label, which reads on
# through the lists and clauses of its section until a terminator names it (a sentence end, a line
# break, a "Reason:" label).
ENDED_BY_DEFAULT = frozenset(MODIFIER_CATEGORIES) - {"background"}


def _compile_trigger(spec: TriggerSpec) -> Trigger:
    return Trigger(
        phrase=spec.literal or "",
        category=spec.category,
        direction=spec.scope_direction,
        max_scope=spec.max_scope,
        stops=frozenset(spec.stops) or ENDED_BY_DEFAULT,
    )


__all__ = ["AFFIRMED", "Context", "Hit", "Trigger", "TriggerSet", "MODIFIER_CATEGORIES"]
