"""Regular expressions from rule and concept files: refused when they nest repetition, and run with a time limit."""

from __future__ import annotations

import re

import regex

# A user's regular expression may backtrack for ever on some text; each search gets this long, plus time in
# proportion to the text (a sound pattern reads a 10 MB field in about a quarter of a second), after which
# the rule is reported as failed on that record and the run goes on.
REGEX_TIMEOUT_SECONDS = 0.25
SECONDS_PER_CHARACTER = 1e-6

NESTED_REPETITION_HINT = ("nested repetition such as (a+)+ can take exponential time on some text; "
                          "repeat the inner part only, e.g. (a+) or (ab)+")


def time_limit(text: str) -> float:
    """How long one search of text may take."""
    return REGEX_TIMEOUT_SECONDS + len(text) * SECONDS_PER_CHARACTER


def nested_repetition(source: str, verbose: bool = False) -> bool:
    """Whether a group that holds an unbounded repetition is itself repeated without bound.

    `(a+)+`, `(\\w*)*`, `((a+))+`, `((a)+)+`, `(?:x|y+){2,}`: however deep the inner repetition sits inside
    the group. `verbose` reads the pattern as re.VERBOSE does (spaces and `# comments` are not part of it).
    """
    # One entry per open group: does anything inside it repeat without bound?
    groups: list[bool] = [False]
    closed_group_repeats: bool | None = None  # the group just closed, waiting to see if a quantifier follows
    at = 0
    while at < len(source):
        char = source[at]
        if verbose and char in " \t\n\r\f\v":
            at += 1
            continue
        if verbose and char == "#":
            end = source.find("\n", at)
            at = len(source) if end < 0 else end + 1
            continue
        unbounded, width = _quantifier(source, at)
        if width:
            if unbounded:
                if closed_group_repeats:
                    return True
                groups[-1] = True
            closed_group_repeats = None
            at += width
            continue
        closed_group_repeats = None
        if char == "\\":
            at += 2
        elif char == "[":
            at = _class_end(source, at)
        elif char == "(":
            groups.append(False)
            at += 1
        elif char == ")" and len(groups) > 1:
            inner = groups.pop()
            groups[-1] = groups[-1] or inner
            closed_group_repeats = inner
            at += 1
        else:
            at += 1
    return False


def _quantifier(source: str, at: int) -> tuple[bool, int]:
    """Whether the quantifier at `at` (if any) is unbounded, and how many characters it takes (0: none)."""
    char = source[at]
    lazy_or_possessive = source[at + 1:at + 2] in ("?", "+")
    if char in "+*":
        return True, 1 + lazy_or_possessive
    if char == "?":
        return False, 1 + lazy_or_possessive
    counted = _COUNTED.match(source, at) if char == "{" else None
    if counted is None or not any(counted.groups()):
        return False, 0
    low, comma, high = counted.groups()
    return bool(comma) and not high, counted.end() - at


_COUNTED = re.compile(r"\{(\d*)(,?)(\d*)\}")


def _class_end(source: str, at: int) -> int:
    """The index just after the character class that opens at `at`."""
    at += 1
    if source[at:at + 1] == "^":
        at += 1
    if source[at:at + 1] == "]":  # a ] first in the class is a character, not its end
        at += 1
    while at < len(source):
        if source[at] == "\\":
            at += 2
        elif source[at] == "]":
            return at + 1
        else:
            at += 1
    return at


def compile_trigger_pattern(source: str) -> "regex.Pattern[str]":
    """A context trigger's pattern as concept files write it (case-insensitive, verbose); regex.error if bad."""
    return regex.compile(source, regex.IGNORECASE | regex.VERBOSE | regex.VERSION0)
