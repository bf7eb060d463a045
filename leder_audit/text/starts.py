"""Where in a text a match of a trigger pattern can start, read from the pattern's parse tree.

A pattern such as ``\\b(?:dying|terminal\\w*|end[\\s-]stage)\\b`` can only match at a word that begins
"dyin", "term" or "end"; one such as ``[.;,]\\s*(?:it|this)`` only at a full stop, semicolon or comma.
What a match must begin with is a head: its first `HEAD` characters, or fewer where the pattern goes
on with something other than a fixed character. A head whose first character is a letter or digit
is known only to start a word, and so only in a pattern that asserts a word starts there (``\\b``,
``(?<!\\w)``, ``(?<=\\s)``) on that path; any other head may be anywhere. Heads are folded
(`prefixes.folded`): the pattern is matched ignoring case.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from leder_audit.text.prefixes import CASELESS, _asserts_word_start, folded

try:  # the parser behind re; private, so a Python without it simply knows no starts
    from re import _constants as sre
except ImportError:  # pragma: no cover - Python 3.11 to 3.13 have both
    sre = None

HEAD = 4


@dataclass(frozen=True, slots=True)
class Starts:
    """A match starts at a word that begins with one of `words`, or where the text holds one of `marks`."""

    words: frozenset[str]
    marks: frozenset[str]


# A head being read: the folded characters so far, and whether a word is known to start where it does.
_Open = frozenset[tuple[str, bool]]


class _Unknown(Exception):
    """A path on which nothing is known of how a match begins."""


def starts_of_items(items: list[tuple[Any, Any]]) -> Starts | None:
    """The Starts of every match of a parse tree's items, or None when they are not known."""
    if sre is None:
        return None
    try:
        done, still = _sequence(items, frozenset({("", False)}))
    except _Unknown:
        return None
    words, marks = set(), set()
    for head, word_start in done | still:
        if not head:
            return None
        if head[0].isascii() and head[0].isalnum():
            if not word_start:
                return None
            words.add(head)
        else:
            marks.add(head)
    return Starts(frozenset(words), frozenset(marks))


def _sequence(items: list[tuple[Any, Any]], open_: _Open) -> tuple[set[tuple[str, bool]], _Open]:
    """(heads finished, heads still open after the sequence) for a match of items after open_."""
    done: set[tuple[str, bool]] = set()
    current = open_
    for op, arg in items:
        if not current:
            break
        if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
            # Zero width: a word start it asserts counts for a head not yet begun.
            if _asserts_word_start(op, arg):
                current = frozenset((head, word or not head) for head, word in current)
            continue
        finished, current = _element(op, arg, current)
        done |= finished
    return done, current


def _element(op: Any, arg: Any, open_: _Open) -> tuple[set[tuple[str, bool]], _Open]:
    if op is sre.LITERAL:
        return _extend(open_, [_fold(arg)])
    if op is sre.IN:
        if not all(member is sre.LITERAL for member, _ in arg):
            return _stop(open_)
        return _extend(open_, [_fold(value) for _, value in arg])
    if op is sre.SUBPATTERN:
        return _sequence(list(arg[-1]), open_)
    if op is sre.BRANCH:
        done: set[tuple[str, bool]] = set()
        still: set[tuple[str, bool]] = set()
        for option in arg[1]:
            finished, going = _sequence(list(option), open_)
            done |= finished
            still |= going
        return done, frozenset(still)
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        low, high, body = arg
        finished, going = _sequence(list(body), open_)
        if high == 1:
            return finished, (going | open_ if low == 0 else going)
        # After one time round the body, what comes next is not known.
        done = finished | set(going)
        return (done | set(open_) if low == 0 else done), frozenset()
    return _stop(open_)


def _stop(open_: _Open) -> tuple[set[tuple[str, bool]], _Open]:
    """An element of no known characters: each open head ends here (an empty one is no head)."""
    if any(not head for head, _ in open_):
        raise _Unknown
    return set(open_), frozenset()


def _extend(open_: _Open, characters: list[str | None]) -> tuple[set[tuple[str, bool]], _Open]:
    if None in characters:
        return _stop(open_)
    done: set[tuple[str, bool]] = set()
    still: set[tuple[str, bool]] = set()
    for head, word in open_:
        for character in characters:
            assert character is not None
            longer = head + character
            (done if len(longer) >= HEAD else still).add((longer, word))
    return done, frozenset(still)


def _fold(code: int) -> str | None:
    """The character as heads compare it; None for one whose case partners are not known."""
    character = chr(code)
    if not (character.isascii() or character in CASELESS):
        return None
    return folded(character)
