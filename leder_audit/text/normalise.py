"""Words as the matcher sees them: tokens, normalised keys and one-letter misspellings."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import accumulate

# Straight, curly, back-tick and acute apostrophes all occur in typed and pasted notes.
APOSTROPHES = "'’‘`´ʼ"
_APOSTROPHE_CLASS = "['’‘`´ʼ]"

TOKEN_RE = re.compile(rf"[^\W_]+(?:{_APOSTROPHE_CLASS}[^\W_]+)*")
_APOSTROPHE_RE = re.compile(_APOSTROPHE_CLASS)
# Between the words of one term: spaces, line breaks and hyphens ("learning-disability").
GAP_RE = re.compile(r"[\s\-‐‑–]+")

FUZZY_MIN_LENGTH = 8


def tokens(text: str) -> list[str]:
    """The word tokens of text, apostrophes inside words kept."""
    return TOKEN_RE.findall(text)


# Splitting on the token pattern in a group keeps the tokens and the text between them, so one
# pass of the regex engine gives the words, their offsets and their gaps without a Python loop.
_TOKEN_SPLIT_RE = re.compile(f"({TOKEN_RE.pattern})")


class Tokens:
    """The words of a text, where each starts and ends, and what lies between them (read only)."""

    __slots__ = ("words", "starts", "ends", "gaps")

    def __init__(self, text: str):
        parts = _TOKEN_SPLIT_RE.split(text)
        offsets = list(accumulate(map(len, parts), initial=0))
        self.words: list[str] = parts[1::2]
        self.starts: list[int] = offsets[1:-1:2]
        self.ends: list[int] = offsets[2::2]
        # gaps[k] is the text before words[k]; the last one is the text after the last word.
        self.gaps: list[str] = parts[0::2]


@lru_cache(maxsize=2)
def split_tokens(text: str) -> Tokens:
    """The Tokens of text; the matcher and the context rules of one text share them."""
    return Tokens(text)


def plain_apostrophes(token: str) -> str:
    """The token with every kind of apostrophe written as a straight one."""
    return _APOSTROPHE_RE.sub("'", token)


@lru_cache(maxsize=65536)
def word_key(token: str) -> str:
    """Lower case, no apostrophes, singular: the form two spellings of one word share."""
    return singular(bare(token))


def bare(token: str) -> str:
    """Lower case, no apostrophes."""
    return _APOSTROPHE_RE.sub("", token).lower()


def plurals(key: str) -> tuple[str, ...]:
    """The word key and the plural spellings that reduce to it."""
    if key.endswith("y"):
        return (key, key + "s", key[:-1] + "ies")
    return (key, key + "s", key + "es")


def singular(word: str) -> str:
    """A light plural strip, applied alike to terms and text, so only consistency matters."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


# A term word written <number> matches any number, in digits or words: "understanding of a
# <number> year old" reads "understanding of a 2 year old" and "understanding of a two-year-old".
NUMBER_SLOT = "<number>"
_NUMBER_WORDS = frozenset(
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen"
    " seventeen eighteen nineteen twenty".split()
)


def is_number(token: str) -> bool:
    """A whole number written in digits or as a word up to twenty."""
    return token.isdigit() or token.lower() in _NUMBER_WORDS


# A term word written <age> matches an age with its unit run on, as notes write it: "2yo", "5yr",
# "3yrs", "18mth", "18mths", "18m", "4y", "5yrold". "understanding of a <age>" reads "has the
# understanding of a 5yr old" and "the mind of a 2yo".
AGE_SLOT = "<age>"
_AGE_RE = re.compile(r"\d{1,2}(?:y|yo|yr|yrs|years?|m|mo|mos|mth|mths|months?)(?:old)?", re.IGNORECASE)


def is_age(token: str) -> bool:
    """A number of years or months with its unit run on ("2yo", "18mth")."""
    return _AGE_RE.fullmatch(token) is not None


# Each slot a term word may be, and the tokens that fill it.
SLOTS = {NUMBER_SLOT: is_number, AGE_SLOT: is_age}


def phrase_keys(phrase: str) -> tuple[str, ...]:
    """The word keys of a phrase from the data."""
    return tuple(word_key(t) for t in tokens(phrase))


def deletions(word: str) -> Iterator[str]:
    """Every string made by deleting one letter of word."""
    return (word[:i] + word[i + 1 :] for i in range(len(word)))


def within_one_edit(a: str, b: str) -> bool:
    """True when a and b differ by at most one substitution, insertion, deletion or swap."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diffs = [i for i in range(la) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        i = diffs[0]
        return len(diffs) == 2 and diffs[1] == i + 1 and a[i] == b[i + 1] and a[i + 1] == b[i]
    short, long_ = (a, b) if la < lb else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1 :]


class FuzzyIndex:
    """Finds the vocabulary word a misspelt word stands for (symmetric-delete lookup)."""

    __slots__ = ("_by_deletion", "_key_of", "_known", "_blocked", "_cache", "_longest")

    def __init__(self, vocabulary: Iterable[str], known: Iterable[str], blocked: Iterable[str]):
        # Plural spellings are indexed too, so "difficulites" is one swap from "difficulties".
        self._by_deletion: dict[str, set[str]] = {}
        self._key_of: dict[str, str] = {}
        for key in vocabulary:
            if len(key) >= FUZZY_MIN_LENGTH and key.isalpha():
                for surface in plurals(key):
                    self._key_of[surface] = key
                    for variant in (surface, *deletions(surface)):
                        self._by_deletion.setdefault(variant, set()).add(surface)
        # A word that is itself in the vocabulary, or listed as a real word, is never a typo.
        self._known = frozenset(known)
        self._blocked = frozenset(word_key(w) for w in blocked)
        self._cache: dict[str, str | None] = {}
        self._longest = max(map(len, self._key_of), default=0)

    def correct(self, key: str) -> str | None:
        """The key of the one vocabulary word this lower-case word misspells, or None."""
        if key in self._cache:
            return self._cache[key]
        found = self._lookup(key)
        if len(self._cache) > 50_000:
            self._cache.clear()
        self._cache[key] = found
        return found

    def _lookup(self, key: str) -> str | None:
        # A word longer than any vocabulary word by two letters is no misspelling of one; checking
        # it anyway would cost time in the square of its length (a 10 MB "word" in a free-text field).
        if not FUZZY_MIN_LENGTH - 1 <= len(key) <= self._longest + 1 or key in self._known or key in self._blocked:
            return None
        if not key.isalpha():
            return None
        candidates: set[str] = set(self._by_deletion.get(key, ()))
        for variant in deletions(key):
            candidates |= self._by_deletion.get(variant, set())
        matches = sorted({self._key_of[c] for c in candidates if within_one_edit(key, c)})
        # Two equally close vocabulary words: the text is ambiguous, so match neither.
        return matches[0] if len(matches) == 1 else None
