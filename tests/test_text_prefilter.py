"""The shortcuts of the matcher find exactly what the full matcher finds.

A text none of whose words can start a mention is rejected before the full scan, words are
split from their gaps in one pass, trigger phrases are looked up by their words, and a trigger
pattern runs only on the texts that hold a literal it needs. Each
shortcut is checked here against the long way round, on generated texts full of the things
that make matching hard: one-letter misspellings, apostrophe variants, abbreviations,
negations and other people.
"""

from __future__ import annotations

import re
import string
import sys
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from leder_audit.text import load_concepts
from leder_audit.text.context import _gap, _plain_word
from leder_audit.text.match import ConceptMatcher
from leder_audit.text.normalise import APOSTROPHES, TOKEN_RE, Tokens
from leder_audit.text.prefixes import CASELESS, Gate, folded, gate_of
from leder_audit.text.specs import ConceptSpec

CONCEPTS = load_concepts()
SPECS: list[ConceptSpec] = list(CONCEPTS.concepts.values())
TERMS = sorted({t for s in SPECS for t in (*s.terms, *s.misspellings)})
ABBREVIATIONS = sorted({a.text for s in SPECS for a in s.abbreviations})
CONTEXT = [
    "no", "not", "not due to", "not based on his", "denies", "without", "is not a reason",
    "not relevant", "sister has", "mother with", "family worried that", "according to family",
    "history of", "if", "ask family re", "but", "however", "due to", "because of", "Not for CPR",
    "No CPR:", "not only", "-ve for", "loading dose", "atrial septal", "specific", "nurse", "team",
]
FILLER = [
    "frail", "COPD", "patient", "the", "and", "has", "severe", "profound", "mild", "syndrome",
    "learning", "disability", "down", "Down", "Dawn", "autistic", "artistic", "Williams", "21",
    "mg", "300", "heart", "failure", "dementia", "LDL", "old", "ld", "Rett", "X",
]
SEPARATORS = [" ", " ", " ", "  ", "-", ", ", ". ", "; ", ": ", "\n", " - ", " (", ") ", "/"]
LETTERS = "abcdefghijklmnopqrstuvwxyz"


@st.composite
def misspelt(draw: st.DrawFn, phrase: str) -> str:
    """The phrase with one letter of one word substituted, inserted, deleted or swapped."""
    words = phrase.split(" ")
    k = draw(st.integers(0, len(words) - 1))
    word = words[k]
    if len(word) < 2:
        return phrase
    i = draw(st.integers(0, len(word) - 2))
    letter = draw(st.sampled_from(LETTERS))
    edit = draw(st.sampled_from(["substitute", "insert", "delete", "swap"]))
    if edit == "substitute":
        word = word[:i] + letter + word[i + 1 :]
    elif edit == "insert":
        word = word[:i] + letter + word[i:]
    elif edit == "delete":
        word = word[:i] + word[i + 1 :]
    else:
        word = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    words[k] = word
    return " ".join(words)


@st.composite
def spelt(draw: st.DrawFn, phrase: str) -> str:
    """The phrase with its apostrophes, case and plural varied the way notes vary them."""
    apostrophe = draw(st.sampled_from(["", *APOSTROPHES]))
    phrase = phrase.replace("'", apostrophe)
    if draw(st.booleans()) and "'" not in phrase and not phrase.endswith("s"):
        phrase = phrase.replace("Down ", "Down" + apostrophe + "s ") if "Down " in phrase else phrase + "s"
    case = draw(st.sampled_from(["as is", "as is", "lower", "upper", "title"]))
    return {"as is": phrase, "lower": phrase.lower(), "upper": phrase.upper(), "title": phrase.title()}[case]


TERM = st.sampled_from(TERMS).flatmap(lambda t: st.one_of(spelt(t), misspelt(t)))
ABBREVIATION = st.sampled_from(ABBREVIATIONS).flatmap(
    lambda a: st.sampled_from([a, a + "s", a + "'s", a + "’s", a.lower(), a + "L"])
)
PIECE = st.one_of(TERM, ABBREVIATION, st.sampled_from(CONTEXT), st.sampled_from(FILLER),
                  st.integers(0, 10**6).map(str))
TEXT = st.lists(st.tuples(PIECE, st.sampled_from(SEPARATORS)), max_size=14).map(
    lambda parts: "".join(piece + sep for piece, sep in parts)
)


def full_mentions(text: str) -> list[tuple]:
    """Every mention the long way: no rejection up front, context from the trigger set."""
    return [
        (s.concept, s.start, s.end, CONCEPTS.classify(text, s.start, s.end))
        for s in CONCEPTS._matcher.scan_all(text)
    ]


@settings(max_examples=600, deadline=None)
@given(text=TEXT)
def test_rejecting_texts_up_front_never_loses_a_mention(text: str) -> None:
    found = [(m.concept, m.start, m.end, m.context) for m in CONCEPTS.find_all(text)]
    assert found == full_mentions(text)
    assert CONCEPTS._matcher.scan(text) == CONCEPTS._matcher.scan_all(text)


@settings(max_examples=100, deadline=None)
@given(text=TEXT)
def test_a_fresh_matcher_rejects_and_finds_alike(text: str) -> None:
    # A new matcher has nothing cached: it rejects a text on its first look at every word.
    assert ConceptMatcher(CONCEPTS.concepts).scan(text) == CONCEPTS._matcher.scan_all(text)


def test_texts_with_only_a_misspelt_or_abbreviated_mention_are_not_rejected() -> None:
    samples = ["learnig disability", "learning dissability", "Down’s syndrome", "Down`s syndrome",
               "Downs syndrome", "Down syndrom", "PMLD", "LD's", "autisim", "Aspergers",
               "no learning disability", "sister has Down's syndrome", "learning difficulites"]
    for text in samples:
        assert CONCEPTS._matcher.scan(text), text
        assert ConceptMatcher(CONCEPTS.concepts).scan(text), text


@settings(max_examples=400, deadline=None)
@given(text=st.one_of(TEXT, st.text(max_size=80)))
def test_words_offsets_and_gaps_come_from_one_split(text: str) -> None:
    split = Tokens(text)
    spans = [m.span() for m in TOKEN_RE.finditer(text)]
    assert split.words == TOKEN_RE.findall(text)
    assert list(zip(split.starts, split.ends)) == spans
    bounds = [0, *(p for span in spans for p in span), len(text)]
    assert split.gaps == [text[bounds[k] : bounds[k + 1]] for k in range(0, len(bounds), 2)]


def literal_hits_one_phrase_at_a_time(text: str) -> list[tuple[str, int, int]]:
    """Trigger phrases found by trying every phrase, longest first, at every word."""
    triggers = CONCEPTS.triggers
    phrases = sorted((p for ps in triggers._by_words.values() for p in ps), key=lambda p: -len(p.words))
    words = [_plain_word(t) for t in TOKEN_RE.findall(text)]
    spans = [m.span() for m in TOKEN_RE.finditer(text)]
    found = []
    i = 0
    while i < len(words):
        for phrase in phrases:
            n = len(phrase.words)
            if tuple(words[i : i + n]) == phrase.words and all(
                _gap(text[spans[i + k][1] : spans[i + k + 1][0]]) == phrase.gaps[k] for k in range(n - 1)
            ):
                found.append((phrase.trigger.phrase, spans[i][0], spans[i + n - 1][1]))
                i += n
                break
        else:
            i += 1
    return found


@settings(max_examples=400, deadline=None)
@given(text=TEXT)
def test_trigger_phrases_looked_up_by_their_words_are_the_longest_at_each_word(text: str) -> None:
    hits = CONCEPTS.triggers._literal_hits(text)
    assert [(h.trigger.phrase, h.start, h.end) for h in hits] == literal_hits_one_phrase_at_a_time(text)


# --- trigger patterns run only on the texts their gates admit ---------------------------------------

def pattern_hits_every_pattern(text: str) -> list[tuple[str, int, int]]:
    """Every trigger pattern run over the text, as if no gate existed."""
    return [(trigger.phrase or regex.pattern, m.start(), m.end())
            for regex, trigger in CONCEPTS.triggers._patterns
            for m in regex.finditer(text) if m.end() > m.start()]


def gated_pattern_hits(text: str) -> list[tuple[str, int, int]]:
    return [(h.trigger.phrase or pattern_of(h), h.start, h.end) for h in CONCEPTS.triggers._pattern_hits(text)]


def pattern_of(hit: Any) -> str:
    return next(regex.pattern for regex, trigger in CONCEPTS.triggers._patterns if trigger is hit.trigger)


PATTERN_WORDS = ["because of", "due to", "given", "as he has", "his mother", "Mum's", "PMH:", "Hx", "Dx",
                 "background -", "1.", "2)", "?", "??LD", "-ve for", "does not form part", "ruled out",
                 "reason? N", "LD - N", "according to carers", "worried that", "earlier DNACPR", "not for CPR",
                 "consider", "people with", "residents", "noted, but", "this has had no influence", "—", "–",
                 "İ", "ı", "ſ", "K", "HİSTORY", "PMſ", "_pmh", "x'pmh", "pt’s mum", "’", "`"]
GATE_TEXT = st.lists(st.tuples(st.one_of(PIECE, st.sampled_from(PATTERN_WORDS)), st.sampled_from(SEPARATORS)),
                     max_size=16).map(lambda parts: "".join(piece + sep for piece, sep in parts))


@settings(max_examples=400, deadline=None)
@given(text=st.one_of(GATE_TEXT, st.text(max_size=60)))
def test_gated_trigger_patterns_find_what_every_pattern_finds(text: str) -> None:
    assert gated_pattern_hits(text) == pattern_hits_every_pattern(text)


def test_gated_trigger_patterns_find_what_every_pattern_finds_in_the_corpora() -> None:
    data = Path(__file__).parent / "data"
    texts = [i["text"] for i in yaml.safe_load((data / "dnacpr_rationales.yaml").read_text(encoding="utf-8"))["items"]]
    for certificate in yaml.safe_load((data / "death_certificates.yaml").read_text(encoding="utf-8"))["certificates"]:
        record = certificate["record"]
        texts += [line["text"] for line in [*(record.get("part1") or []), *(record.get("part2") or [])]
                  if line and line.get("text")]
    for text in [*texts, *(t.upper() for t in texts), *(t.replace("'", "’") for t in texts)]:
        assert gated_pattern_hits(text) == pattern_hits_every_pattern(text), text


def test_most_trigger_patterns_have_a_gate() -> None:
    gates = [gate_of(regex) for regex, _ in CONCEPTS.triggers._patterns]
    assert sum(g is not None for g in gates) >= len(gates) - 2
    assert gate_of(re.compile(r"\b(?:worried|concerned)\b", re.IGNORECASE)) == Gate(starts=frozenset({"worr", "conc"}))
    # Of two literals a match needs, the one fewer texts hold is used.
    assert gate_of(re.compile(r"\b(?:worried|concerned)\s+about\b", re.IGNORECASE)) == Gate(starts=frozenset({"abou"}))
    assert gate_of(re.compile(r"(?<![+\w])-ve\s+for\b", re.IGNORECASE)) == Gate(literals=frozenset({"-ve"}))
    assert gate_of(re.compile(r"[1-9]+", re.IGNORECASE)) is None


def test_folding_lowers_every_letter_as_case_insensitive_matching_pairs_it() -> None:
    # A character re matches an ASCII letter with, case-insensitively, folds to that letter.
    pairs = [chr(c) for c in range(128, sys.maxunicode + 1)
             if any(form.isascii() for form in (chr(c).lower(), chr(c).upper(), chr(c).casefold()))]
    for character in pairs:
        for letter in string.ascii_letters:
            if re.fullmatch(letter, character, re.IGNORECASE):
                assert folded(character) == letter.lower(), (hex(ord(character)), letter)
        assert len(folded(character)) == 1


def test_caseless_punctuation_matches_only_itself() -> None:
    for mark in CASELESS:
        pattern = re.compile(re.escape(mark), re.IGNORECASE)
        assert [c for c in map(chr, range(0x10000)) if pattern.fullmatch(c)] == [mark]
