"""The faster forms of trigger patterns find, in every text, what the patterns themselves find."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import regex
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from leder_audit.regexsafety import compile_trigger_pattern
from leder_audit.text import load_concepts
from leder_audit.text.context import _sentences
from leder_audit.text.rewrite import FastPattern, Unwritable, _plain, options_of, unparse

from .test_text_prefilter import GATE_TEXT, PIECE, SEPARATORS

CONCEPTS = load_concepts()
TRIGGERS = CONCEPTS.triggers
PATTERNS = [pattern for pattern, _ in TRIGGERS._patterns] + TRIGGERS._sentence_patterns
FAST = [FastPattern(pattern) for pattern in PATTERNS]
REWRITTEN = [fast for fast in FAST if fast.rewritten]

# Words the rewritten built-in patterns turn on: a relative's view answered, a clinical reason late
# in a sentence, a best interests decision.
REWRITE_WORDS = ["Mum felt", "his family feel that", "because of", "not a valid reason", "is not the reason",
                 "CPR would not be successful", "it is unlikely to work", "attempts would fail", "this",
                 "made in his best interests", "best interests meeting", "not for CPR", "resus", "ReSPECT",
                 "explained it is solely due to", "declined", "disagreed", "ITU", "İT", "CPR.", "x" * 14]
TEXT = st.lists(st.tuples(st.one_of(PIECE, st.sampled_from(REWRITE_WORDS)), st.sampled_from(SEPARATORS)),
                max_size=18).map(lambda parts: "".join(piece + sep for piece, sep in parts))


def corpus_texts() -> list[str]:
    data = Path(__file__).parent / "data"
    return [i["text"] for i in yaml.safe_load((data / "dnacpr_rationales.yaml").read_text(encoding="utf-8"))["items"]]


def same_as_the_pattern(fast: FastPattern, text: str) -> None:
    pattern = fast.pattern
    assert [m.span() for m in fast.finditer(text, None)] == [m.span() for m in pattern.finditer(text)]
    for a, b in [(0, len(text)), *_sentences(text)]:
        found, expected = fast.search(text, a, b, None), pattern.search(text, a, b)
        assert (found and found.span()) == (expected and expected.span()), (pattern.pattern, text, a, b)


def test_some_built_in_patterns_have_a_faster_form() -> None:
    # The relative's-view patterns need a not-the-reason statement ahead; the clinical reason and
    # best interests patterns start options with a look-behind.
    assert len(REWRITTEN) >= 3
    assert any(fast.required for fast in REWRITTEN)
    assert any(fast.main is not fast.pattern for fast in REWRITTEN)


@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda p: p.pattern[:40])
def test_every_built_in_pattern_is_written_back_to_the_same_tree(pattern: regex.Pattern[str]) -> None:
    tree = list(re._parser.parse(pattern.pattern, pattern.flags))  # type: ignore[attr-defined]
    source = unparse(tree)
    assert _plain(list(re._parser.parse(source, pattern.flags))) == _plain(tree)  # type: ignore[attr-defined]
    written = regex.compile(source, pattern.flags)
    for text in corpus_texts()[:200]:
        assert [m.span() for m in written.finditer(text)] == [m.span() for m in pattern.finditer(text)]


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(TEXT, GATE_TEXT, st.text(max_size=60)))
def test_a_faster_form_finds_what_its_pattern_finds(text: str) -> None:
    for fast in REWRITTEN:
        same_as_the_pattern(fast, text)


def test_a_faster_form_finds_what_its_pattern_finds_in_the_corpus() -> None:
    for text in corpus_texts():
        for variant in (text, text.upper()):
            for fast in REWRITTEN:
                same_as_the_pattern(fast, variant)


def test_a_far_look_ahead_is_needed_before_the_pattern_runs() -> None:
    fast = FastPattern(compile_trigger_pattern(r"\bmum\s+felt\b(?=[\s\S]{0,300}?\bnot\s+the\s+reason\b)"))
    assert len(fast.required) == 1 and fast.main is fast.pattern
    assert list(fast.finditer("Mum felt he would not cope", None)) == []
    assert [m.group() for m in fast.finditer("Mum felt he would not cope. LD is not the reason", None)] == ["Mum felt"]
    # A look-ahead that reads only a little way is left as it is.
    assert not FastPattern(compile_trigger_pattern(r"\bmum(?=[^.]{0,30}\bfelt)")).rewritten


def test_an_option_that_reads_far_back_first_looks_ahead_for_where_it_starts() -> None:
    fast = FastPattern(compile_trigger_pattern(r"(?<=\w[^.!?\n]{12,})\b(?:CPR|it)\b\s+(?:would|will)\s+fail|\bdying\b"))
    assert fast.main is not fast.pattern and fast.main.pattern.startswith("(?=")
    for text in ["Frail with advanced COPD, CPR would fail", "CPR would fail", "It will fail. Dying.", "x" * 40 + " it will fail"]:
        same_as_the_pattern(fast, text)


def test_only_a_pattern_that_ignores_case_is_given_a_look_ahead_for_its_first_letters() -> None:
    source = r"(?<=\w[^.!?\n]{12,})\bCPR\b"
    assert FastPattern(regex.compile(source, regex.VERSION0)).main.pattern == source
    assert FastPattern(compile_trigger_pattern(source)).main.pattern != source


@pytest.mark.parametrize("source", [r"a|b", r"(?:ab|cd)+?x", r"[^\W\d_]{2,5}", r"(?<!\w)it(?=\s)", r"\bx\B.\Z",
                                    r"(a)(?:b|c)*", r"[-\]^]", r"\u2019s", r"(?>a+)b", r"x{3}", r"[\s\S]{0,300}?y"])
def test_a_tree_is_written_back_to_a_pattern_of_the_same_tree(source: str) -> None:
    tree = list(re._parser.parse(source, re.IGNORECASE))  # type: ignore[attr-defined]
    written = unparse(tree)
    assert _plain(list(re._parser.parse(written, re.IGNORECASE))) == _plain(tree)  # type: ignore[attr-defined]


def test_a_piece_it_cannot_write_is_said_so() -> None:
    with pytest.raises(Unwritable):
        unparse(list(re._parser.parse(r"(a)\1")))  # type: ignore[attr-defined]


@pytest.mark.parametrize("source", [r"(?<=\w{12,})\p{Lu}\w+", r"(?<=\w[^.]{12,})\bcpr(?=[\s\S]{0,300}?\X)", r"(?<=\w{12,})\bcpr\b(?r)"])
def test_a_pattern_the_parser_cannot_read_runs_as_written(source: str) -> None:
    pattern = compile_trigger_pattern(source)
    fast = FastPattern(pattern)
    assert fast.main is pattern and not fast.required


# --- a choice searched option by option ----------------------------------------------------------------------

CHOICES = [(pattern, options) for pattern in TRIGGERS._sentence_patterns for options in [options_of(pattern)] if options]


def any_option_matches(options: tuple[regex.Pattern[str], ...], text: str, a: int, b: int) -> bool:
    return any(option.search(text, a, b) is not None for option in options)


def same_answer_as_the_choice(pattern: regex.Pattern[str], options: tuple[regex.Pattern[str], ...], text: str) -> None:
    for a, b in [(0, len(text)), *_sentences(text)]:
        expected = pattern.search(text, a, b) is not None
        assert any_option_matches(options, text, a, b) == expected, (pattern.pattern[:60], text, a, b)


def test_the_built_in_sentence_patterns_that_are_choices_are_split_into_their_options() -> None:
    # The clinical-reason pattern is the dearest to search whole; the plain-statement and reason-marker
    # patterns are choices too.
    assert len(CHOICES) >= 3
    assert max(len(options) for _, options in CHOICES) >= 8


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(TEXT, GATE_TEXT, st.text(max_size=60)))
def test_a_choice_matches_a_span_where_one_of_its_options_does(text: str) -> None:
    for pattern, options in CHOICES:
        same_answer_as_the_choice(pattern, options, text)


def test_a_choice_matches_a_span_where_one_of_its_options_does_in_the_corpus() -> None:
    for text in corpus_texts():
        for variant in (text, text.upper()):
            for pattern, options in CHOICES:
                same_answer_as_the_choice(pattern, options, variant)


def test_the_options_of_a_choice_read_back_first_go_last() -> None:
    options = options_of(compile_trigger_pattern(r"(?<=\w{3}\s)\bcpr\b | \bdying\b | (?<!not\s)\bfutile\b | end\s+stage"))
    assert [o.search("dying") is not None for o in options] == [True, False, False, False]
    assert [o.search("end  stage") is not None for o in options] == [False, True, False, False]
    # Those that begin with a look-behind keep their written order after the others.
    assert [o.search("abc cpr") is not None for o in options] == [False, False, True, False]
    assert [o.search("x futile") is not None for o in options] == [False, False, False, True]
    # A group around the whole choice is no part of it.
    assert len(options_of(compile_trigger_pattern(r"(?:\bcpr\b|dying)"))) == 2


@pytest.mark.parametrize("source", [r"\bcpr\b", r"(?:a|b)c", r"(a)|(b)", r"(?i:a|b)", r"\p{Lu}|x"])
def test_a_pattern_that_is_no_choice_or_cannot_be_split_is_searched_whole(source: str) -> None:
    assert options_of(compile_trigger_pattern(source)) == ()


# --- a first (?<!\w) before a word written \b ---------------------------------------------------------------

def test_a_first_no_word_character_before_letters_is_a_word_boundary() -> None:
    fast = FastPattern(compile_trigger_pattern(r"(?<![\w]) (?:PMH|past \s+ history|Hx) \s* :"))
    assert fast.main.pattern.startswith(r"\b") and not fast.required
    # Not where a match may begin with a mark, nor for a look-behind of other characters.
    for source in [r"(?<!\w)(?:-ve|PMH)", r"(?<![\w.])PMH", r"(?<!\w)\s*PMH", r"x(?<!\w)PMH"]:
        assert not FastPattern(compile_trigger_pattern(source)).main.pattern.startswith(r"\b"), source


def test_no_word_character_before_a_word_character_is_a_word_boundary_after_any_character() -> None:
    boundary, no_word = compile_trigger_pattern(r"\b"), compile_trigger_pattern(r"(?<!\w)")
    for code in range(0x10000):
        for after in "aZ5ſKİ":
            text = chr(code) + after
            assert (boundary.match(text, 1) is None) == (no_word.match(text, 1) is None), hex(code)
    # A letter or digit matched ignoring case is a word character whatever it is written as.
    word = compile_trigger_pattern(r"\w")
    for code in range(0x10000):
        if any(re.fullmatch(c, chr(code), re.IGNORECASE) for c in "aeiksz09"):
            assert word.fullmatch(chr(code)), hex(code)


LABEL_WORDS = ["PMH", "pmhx", "Hx", "Dx", "B/G", "Bkgd", "history", "known", "diagnoses", "background",
               "_pmh", "x'pmh", "éPMH", "2PMH", "İPMH", "ſummary", "KNOWN", "pt’s", "of", ":", " - ", "Reason:"]
LABEL_TEXT = st.lists(st.tuples(st.one_of(PIECE, st.sampled_from(LABEL_WORDS)), st.sampled_from(SEPARATORS)),
                      max_size=14).map(lambda parts: "".join(piece + sep for piece, sep in parts))
BOUNDARY_FIRST = [fast for fast in FAST if fast.main.pattern.startswith(r"\b")
                  and not fast.pattern.pattern.lstrip().startswith(r"\b")]


def test_the_background_label_is_searched_from_a_word_boundary() -> None:
    assert any("PMH" in fast.pattern.pattern for fast in BOUNDARY_FIRST)


@settings(max_examples=300, deadline=None)
@given(text=LABEL_TEXT)
def test_a_pattern_begun_at_a_word_boundary_finds_what_it_finds(text: str) -> None:
    for fast in BOUNDARY_FIRST:
        same_as_the_pattern(fast, text)
