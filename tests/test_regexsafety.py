"""The static check for ambiguous alternation under repetition agrees with counting the splits of texts."""

from __future__ import annotations

from functools import lru_cache
from itertools import product

from hypothesis import given, settings, strategies as st

from leder_audit.regexsafety import ambiguous_alternation

LONGEST = 10  # texts up to this length are split every way


def splits(text: str, words: tuple[str, ...]) -> int:
    """In how many ways text is a sequence of the words (a word given twice counts as two alternatives)."""
    @lru_cache(maxsize=None)
    def ways(at: int) -> int:
        if at == len(text):
            return 1
        return sum(ways(at + len(word)) for word in words if text.startswith(word, at))
    return ways(0)


def some_text_splits_twice(words: tuple[str, ...], longest: int = LONGEST) -> bool:
    return any(splits("".join(letters), words) > 1
               for length in range(1, longest + 1) for letters in product("ab", repeat=length))


words_st = st.lists(st.text(alphabet="ab", min_size=1, max_size=3), min_size=1, max_size=4).map(tuple)
short_words_st = st.lists(st.text(alphabet="ab", min_size=1, max_size=2), min_size=1, max_size=4).map(tuple)


@settings(max_examples=150, deadline=None)
@given(words_st)
def test_a_text_that_splits_two_ways_is_always_found(words):
    if some_text_splits_twice(words):
        assert ambiguous_alternation("(?:" + "|".join(words) + ")*$") is not None


@settings(max_examples=150, deadline=None)
@given(short_words_st)
def test_what_is_found_is_a_real_second_split(words):
    if ambiguous_alternation("(?:" + "|".join(words) + ")+$") is not None:
        assert some_text_splits_twice(words, 12)


@settings(max_examples=100, deadline=None)
@given(words_st)
def test_without_repetition_nothing_is_judged(words):
    assert ambiguous_alternation("(?:" + "|".join(words) + ")$") is None
    assert ambiguous_alternation("(?:" + "|".join(words) + "){1,3}$") is None
