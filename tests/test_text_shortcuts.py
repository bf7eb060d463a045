"""The shortcuts that keep a rationale's first reading fast give the answers of the long way round.

- `find(text, concept)` first proves, from the text's words alone, that it holds no span of the
  concept asked for (a word of every one of its terms is missing and none of its abbreviations is
  written), and only then scans;
- a trigger pattern runs only on texts that pass every one of its gates;
- a pattern that is one fixed string of punctuation is found as a string;
- a search whose steps are bounded by the pattern alone, over a text short enough, runs without
  the time limit.
"""

from __future__ import annotations

import re

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from leder_audit import regexsafety
from leder_audit.regexsafety import compile_trigger_pattern, needs_no_limit, steps_per_position
from leder_audit.text import load_concepts
from leder_audit.text.prefixes import Gate, GateIndex, fixed_text, folded, gate_of, gates_of, word_runs

from .test_text_prefilter import GATE_TEXT, SEPARATORS, TEXT

CONCEPTS = load_concepts()
NAMES = sorted(CONCEPTS.names())

EVERYDAY = ["has", "does", "not", "want", "year", "old", "the", "capacity", "decision", "own", "made", "his",
            "her", "wish", "mind", "of", "a", "child", "level", "mental", "age", "low", "team", "for", "people",
            "with", "function", "at", "severe", "mild", "able", "to", "make", "this", "found", "deemed"]
EVERYDAY_TEXT = st.lists(st.tuples(st.sampled_from(EVERYDAY), st.sampled_from(SEPARATORS)), max_size=20).map(
    lambda parts: "".join(word + sep for word, sep in parts))


def the_long_way(text: str, concept: str) -> list[tuple[str, int, int]]:
    members = CONCEPTS.members(concept)
    return [(s.concept, s.start, s.end) for s in CONCEPTS._matcher.scan_all(text) if s.concept in members]


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(TEXT, EVERYDAY_TEXT), concept=st.sampled_from(NAMES))
def test_a_text_proved_to_hold_no_span_of_the_concept_holds_none(text: str, concept: str) -> None:
    found = [(m.concept, m.start, m.end) for m in CONCEPTS.find(text, concept)]
    assert found == the_long_way(text, concept)
    if not CONCEPTS._matcher.may_mention(text, frozenset(CONCEPTS.members(concept))):
        assert found == []


def test_everyday_words_that_begin_terms_of_other_concepts_are_rejected_without_the_scan() -> None:
    # "has", "does" and "year" begin terms of the capacity, wish and mental-age concepts.
    matcher = CONCEPTS._matcher
    ld = frozenset(CONCEPTS.members("learning_disability"))
    for text in ["Has capacity, does not want CPR", "85 year old, frail, end-stage COPD",
                 "Does not want to be resuscitated"]:
        assert not matcher.may_mention(text, ld), text
        assert CONCEPTS.find(text, "learning_disability") == []
    for text in ["Has the mental age of a toddler", "L.D.", "learning disabilty", "functions at the level of a child",
                 "has the understanding of a 2 year old", "the understanding of an eighteen month old"]:
        assert matcher.may_mention(text, frozenset(CONCEPTS.members("ld_or_related"))), text


def test_terms_tried_by_their_second_word_find_what_trying_every_term_finds() -> None:
    from leder_audit.text.match import ConceptMatcher

    every_term = ConceptMatcher(CONCEPTS.concepts)
    # The long way round: every term that begins with the word is tried, whatever the next word is.
    every_term._by_second_key = {first: {None: terms} for first, terms in every_term._by_first_key.items()}

    @settings(max_examples=400, deadline=None)
    @given(text=st.one_of(TEXT, EVERYDAY_TEXT))
    def same(text: str) -> None:
        assert CONCEPTS._matcher.scan_all(text) == every_term.scan_all(text)

    same()


# --- gates --------------------------------------------------------------------------------------------------

def admits(gate: Gate, text: str) -> bool:
    lowered, runs = folded(text), word_runs(text)
    return (any(literal in lowered for literal in gate.literals) or bool(gate.words & set(runs))
            or bool(gate.starts & {run[:4] for run in runs})
            or any(run.startswith(prefix) for run in runs for prefix in gate.prefixes))


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(GATE_TEXT, st.text(max_size=60)))
def test_every_gate_of_a_pattern_admits_every_text_it_matches(text: str) -> None:
    for pattern, _ in CONCEPTS.triggers._patterns:
        if any(m.end() > m.start() for m in pattern.finditer(text)):
            assert all(admits(gate, text) for gate in gates_of(pattern) or ()), (pattern.pattern, text)


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(GATE_TEXT, st.text(max_size=60)))
def test_the_gate_index_admits_a_pattern_where_every_one_of_its_gates_admits_the_text(text: str) -> None:
    gates = [gates_of(pattern) for pattern, _ in CONCEPTS.triggers._patterns]
    expected = [i for i, each in enumerate(gates) if all(admits(gate, text) for gate in each or ())]
    index = GateIndex(gates)
    # Twice: the second time the words' gates are those remembered from the first.
    assert index.candidates(text) == expected
    assert index.candidates(text) == expected
    assert index._admitted_long(text)[0] == expected


def test_gates_look_words_up_whole_and_add_the_next_rarest_literals() -> None:
    pattern = re.compile(r"\b(?:worried|concerned)\s+about\s+(?:the\s+)?decision\b", re.IGNORECASE)
    assert gate_of(pattern) == Gate(starts=frozenset({"abou"}))
    gates = gates_of(pattern)
    assert gates is not None
    assert set(gates) == {Gate(prefixes=frozenset({"worried", "concerned"})), Gate(prefixes=frozenset({"about"})),
                          Gate(prefixes=frozenset({"decision"}))}
    # "disability" begins with the letters of "disagree" but is not that word.
    disagree = GateIndex([gates_of(re.compile(r"\b(?:disagree[sd]?|worried)\b", re.IGNORECASE))])
    assert disagree.candidates("severe learning disability") == []
    assert disagree.candidates("Mum disagreed") == [0]
    assert gates_of(re.compile(r"[1-9]+", re.IGNORECASE)) is None


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(GATE_TEXT, st.text(max_size=60)))
def test_word_runs_are_the_tokens_split_at_their_apostrophes(text: str) -> None:
    from leder_audit.text.normalise import APOSTROPHES, tokens

    joined = folded(" ".join(tokens(text)))
    for apostrophe in APOSTROPHES:
        joined = joined.replace(apostrophe, " ")
    # Folding one run or the whole text differs only in Greek final sigma, never in an ASCII gate key.
    assert [run.replace("ς", "σ") for run in word_runs(text)] == [run.replace("ς", "σ") for run in joined.split()]


# --- fixed strings ------------------------------------------------------------------------------------------

FIXED = [";", ":", r"\)", r"\n", "--", r"\.\.\."]


@pytest.mark.parametrize("source", FIXED)
def test_a_pattern_of_fixed_punctuation_is_read_as_its_string(source: str) -> None:
    assert fixed_text(compile_trigger_pattern(source)) == re.sub(r"\\(.)", lambda m: {"n": "\n"}.get(m[1], m[1]), source)


@pytest.mark.parametrize("source", ["a", "no", r"\.(?=\s)", "[;:]", r";\s", "x;"])
def test_a_pattern_with_a_letter_or_anything_but_fixed_characters_is_not(source: str) -> None:
    assert fixed_text(compile_trigger_pattern(source)) is None


def test_ascii_characters_other_than_letters_match_only_themselves_case_insensitively() -> None:
    for code in range(128):
        character = chr(code)
        if character.isalpha():
            continue
        pattern = regex.compile(regex.escape(character), regex.IGNORECASE | regex.VERSION0)
        assert [c for c in map(chr, range(0x10000)) if pattern.fullmatch(c)] == [character]


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list(";:)\n.-x ’İK")), max_size=60), source=st.sampled_from(FIXED))
def test_fixed_strings_are_found_where_the_regex_engine_finds_them(text: str, source: str) -> None:
    from leder_audit.text.context import Trigger, _occurrences

    pattern = compile_trigger_pattern(source)
    trigger = Trigger("", "terminate", "bidirectional", None, frozenset())
    fixed = fixed_text(pattern)
    assert fixed is not None
    assert [(h.start, h.end, h.text) for h in _occurrences(trigger, fixed, text)] == \
        [(m.start(), m.end(), m.group()) for m in pattern.finditer(text)]


# --- time limits --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("source", ["z[0-9]+q", r"\s*x", "a*", r"(\w)\1", "(?:a|b){2,}", r"[^.]{0,20000}"])
def test_a_pattern_whose_work_depends_on_the_text_keeps_its_time_limit(source: str) -> None:
    assert steps_per_position(compile_trigger_pattern(source)) is None


@pytest.mark.parametrize(("source", "at_least"), [
    (";", 1), (r"[.!?](?=\s|$)", 4), ("(?:a|a){0,20}b", 2**20), (r"[^.;\n]{0,80}?x", 80), ("(?:ab|cd)?e", 3)])
def test_the_bound_counts_every_way_to_match(source: str, at_least: int) -> None:
    steps = steps_per_position(compile_trigger_pattern(source))
    assert steps is not None and steps >= at_least


def test_only_a_short_enough_text_is_searched_without_the_limit() -> None:
    assert needs_no_limit(5, "x" * 1000)
    assert not needs_no_limit(5, "x" * regexsafety.STEPS_WITHOUT_LIMIT)
    assert not needs_no_limit(2**20, "short")
    assert not needs_no_limit(None, "")


def test_a_built_in_pattern_searched_without_the_limit_never_nears_it() -> None:
    # Worst texts for the bounded built-in patterns: every position a near-miss.
    for (pattern, _), steps in zip(CONCEPTS.triggers._patterns, CONCEPTS.triggers._steps, strict=True):
        if steps is None:
            continue
        for text in ["." * 4000, " ." * 2000, "mother's " * 400, ";:)\n" * 1000]:
            text = text[: regexsafety.STEPS_WITHOUT_LIMIT // (steps + 1) - 1]
            assert needs_no_limit(steps, text)
            list(pattern.finditer(text, timeout=regexsafety.REGEX_TIMEOUT_SECONDS))  # raises TimeoutError if slow


# --- requirements: a choice's options each with their own gates ----------------------------------------------

# The words the trigger and sentence patterns are written with ("worried", "family", "reason", "PMH"), so
# that generated texts hold one option's words beside another's.
_GATED = [*(pattern for pattern, _ in CONCEPTS.triggers._patterns), *CONCEPTS.triggers._gated]
PATTERN_VOCABULARY = sorted({word for pattern in _GATED for word in re.findall(r"(?<![\\\w])[A-Za-z]{2,}", pattern.pattern)})
TRIGGER_TEXT = st.lists(st.tuples(st.one_of(st.sampled_from(PATTERN_VOCABULARY), st.sampled_from(EVERYDAY)),
                                  st.sampled_from([*SEPARATORS, "'s ", ": ", " – ", "? "])),
                        max_size=18).map(lambda parts: "".join(word + sep for word, sep in parts))
REQUIRED_TEXT = st.one_of(TRIGGER_TEXT, GATE_TEXT, TEXT, st.text(max_size=40))


@settings(max_examples=400, deadline=None)
@given(text=REQUIRED_TEXT)
def test_a_text_that_does_not_meet_a_patterns_requirement_holds_no_match_of_it(text: str) -> None:
    gates = CONCEPTS.triggers._gates
    admitted, passed = gates.admitted(text)
    for i, pattern in enumerate(_GATED):
        if pattern.search(text) is not None:
            assert i in admitted and gates.meets(i, passed), (pattern.pattern, text)


def without_requirements() -> object:
    """The built-in trigger set with every pattern run on the texts its gates alone admit."""
    from leder_audit.text.context import TriggerSet

    triggers = TriggerSet(CONCEPTS.triggers.specs)
    triggers._gates._required.clear()
    return triggers


GATES_ALONE = without_requirements()


@settings(max_examples=300, deadline=None)
@given(text=REQUIRED_TEXT)
def test_the_hits_found_with_requirements_are_those_found_with_the_gates_alone(text: str) -> None:
    assert CONCEPTS.triggers.hits(text) == GATES_ALONE.hits(text)  # type: ignore[attr-defined]


def test_a_requirement_keeps_each_options_words_together() -> None:
    from leder_audit.text.prefixes import requirement_of

    pattern = compile_trigger_pattern(r"\b(?:worried \s+ about|concerned \s+ that)\b")
    requirement = requirement_of(pattern)
    assert requirement is not None and len(requirement.choices) == 1
    index = GateIndex([gates_of(pattern)], [requirement])
    for text, may in [("worried that", False), ("concerned about", False), ("worried about it", True),
                      ("concerned that he", True), ("worried, concerned about that", True)]:
        admitted, passed = index.admitted(text)
        # The gates, which keep a literal of either option, admit every one of these texts.
        assert admitted == [0], text
        assert index.meets(0, passed) is may, text
        assert (pattern.search(text) is not None) <= may
    # A pattern with no choice two of whose options need something has no requirement beyond its gates.
    assert requirement_of(compile_trigger_pattern(r"\bworried\s+about\b")) is None
    assert requirement_of(compile_trigger_pattern(r"(?:worried|\w+)\s+about\b")) is None
