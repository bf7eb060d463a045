"""Regular expressions from rule and concept files: refused when they nest repetition, and run with a time limit."""

from __future__ import annotations

import re
from typing import Any

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


AMBIGUOUS_ALTERNATION_HINT = ("alternatives that can match the same text, repeated as in (a|a)*, (a|aa)+ or (\\w|\\d)+, "
                              "can take exponential time on some text; make the alternatives exclusive, e.g. a+ or \\w+")


def backtracking_problem(source: str, verbose: bool = False) -> str | None:
    """Why a user's pattern could backtrack catastrophically (nested repetition, or ambiguous alternation under
    repetition), or None when these cheap checks find nothing; the time limit remains the backstop."""
    if nested_repetition(source, verbose):
        return NESTED_REPETITION_HINT
    found = ambiguous_alternation(source, verbose)
    if found is None:
        return None
    at, group = found
    shown = group if len(group) <= 60 else group[:57] + "..."
    return f"the group `{shown}` at character {at + 1} of the pattern: {AMBIGUOUS_ALTERNATION_HINT}"


# A piece of a pattern that matches one character is kept as the set of these sample characters it matches
# (a bit mask), so two pieces may match the same character when their masks share a bit. A pair that shares
# only characters outside the sample is missed, never refused wrongly.
_SAMPLE = "".join(chr(c) for c in range(256)) + "ſKΩéßğİıﬀ٣०中\u00a0\u2028\u200b’‘“”–—€≠"
_MAX_WORDS = 64
_MAX_LENGTH = 32
_Word = tuple[int, ...]


def ambiguous_alternation(source: str, verbose: bool = False) -> tuple[int, str] | None:
    """The first group repeated without bound whose alternatives can split some text in two ways, as
    (where it starts, its source), or None.

    `(a|a)*`, `(a|aa)+`, `(\\w|\\d)+`, `(?:ab|a[bc])*`, `(a|b|ab)*`: failing on a long run of such text tries every
    split, which doubles with each character. Each group's text is worked out as a finite set of words (one
    character set per position); groups holding lookarounds, anchors, back-references or unbounded parts are
    not judged. The words are tested with the Sardinas-Patterson test for a uniquely decodable code.
    """
    if not _REPEATED_GROUP.search(source):
        return None
    try:
        return _Parser(source, verbose).run()
    except _GiveUp:
        return None


# Only a group repeated without bound is judged; most patterns have none, and are not parsed.
_REPEATED_GROUP = re.compile(r"\)\s*(?:#[^\n]*\n\s*)*(?:[*+]|\{\d*,\})")


class _GiveUp(Exception):
    """A construct these checks do not judge; the pattern is left to the time limit."""


class _Parser:
    def __init__(self, source: str, verbose: bool) -> None:
        self.source, self.verbose, self.at = source, verbose, 0
        self.found: tuple[int, str] | None = None

    def run(self) -> tuple[int, str] | None:
        self.alternation()
        return self.found

    def skip_space(self) -> None:
        while self.verbose and self.at < len(self.source):
            char = self.source[self.at]
            if char in " \t\n\r\f\v":
                self.at += 1
            elif char == "#":
                end = self.source.find("\n", self.at)
                self.at = len(self.source) if end < 0 else end + 1
            else:
                return

    def alternation(self) -> list[_Word] | None:
        """Alternatives up to a `)` or the end: their words (duplicates kept), or None when not judged."""
        words: list[_Word] | None = []
        while True:
            branch = self.sequence()
            words = None if words is None or branch is None else _capped(words + branch)
            if self.at < len(self.source) and self.source[self.at] == "|":
                self.at += 1
                continue
            return words

    def sequence(self) -> list[_Word] | None:
        words: list[_Word] | None = [()]
        while True:
            self.skip_space()
            if self.at >= len(self.source) or self.source[self.at] in "|)":
                return words
            item = self.quantified()
            words = None if words is None or item is None else _capped([a + b for a in words for b in item])

    def quantified(self) -> list[_Word] | None:
        start = self.at
        item = self.item()
        self.skip_space()
        if self.at >= len(self.source):
            return item
        unbounded, width = _quantifier(self.source, self.at)
        if not width:
            return item
        quantifier = self.source[self.at:self.at + width]
        self.at += width
        if unbounded:
            possessive = len(quantifier) > 1 and quantifier.endswith("+")  # *+ ++ {2,}+ never backtrack
            if item is not None and not possessive:
                self._judge(start, item)
            return None
        counted = _COUNTED.fullmatch(quantifier.rstrip("?+"))
        low, high = (0, 1) if counted is None else (int(counted.group(1) or 0),
                                                     int(counted.group(3) or counted.group(1) or 0))
        if item is None or high > _MAX_LENGTH:
            return None
        words: list[_Word] = []
        for times in range(low, high + 1):
            power: list[_Word] | None = [()]
            for _ in range(times):
                power = None if power is None else _capped([a + b for a in power for b in item])
            if power is None:
                return None
            words.extend(power)
        return _capped(words)

    def _judge(self, start: int, words: list[_Word]) -> None:
        if self.found is None and self.source[start] == "(" and _ambiguous([w for w in words if w]):
            self.found = (start, self.source[start:self.at])

    def item(self) -> list[_Word] | None:
        source, char = self.source, self.source[self.at]
        if char == "(":
            return self.group()
        if char == "[":
            end = _class_end(source, self.at)
            piece, self.at = source[self.at:end], end
            return [(_mask(piece),)]
        if char == "\\":
            return self.escape()
        self.at += 1
        if char in "^$":
            return None
        if char in "*+?":
            raise _GiveUp  # a quantifier with nothing before it: the pattern does not compile anyway
        return [(_mask(re.escape(char) if char != "." else "."),)]

    def escape(self) -> list[_Word] | None:
        source = self.source
        match = _ESCAPE.match(source, self.at)
        if match is None:
            raise _GiveUp
        piece, self.at = match.group(), match.end()
        letter = piece[1:2]
        if letter.isdigit() and letter != "0" or letter in "bBAZzGmMKXgRL":
            return None  # back-references and zero-width or variable-width escapes are not judged
        return [(_mask(piece),)]

    def group(self) -> list[_Word] | None:
        source = self.source
        head = _GROUP_HEAD.match(source, self.at)
        if head is None:
            raise _GiveUp
        kind, self.at = head.group(), head.end()
        if kind == "(?#":
            end = source.find(")", self.at)
            self.at = len(source) if end < 0 else end + 1
            return [()]
        if kind == "(?(":
            raise _GiveUp  # a conditional group
        if kind.startswith("(?P="):
            return None  # a back-reference by name
        if kind.startswith("(?") and kind.endswith(")"):  # inline flags such as (?i) for the whole pattern
            if "x" in kind or "-" in kind:
                raise _GiveUp
            return [()]
        words = self.alternation()
        if self.at < len(source) and source[self.at] == ")":
            self.at += 1
        if kind in ("(?=", "(?!", "(?<=", "(?<!", "(?>"):
            return None  # lookarounds, atomic groups and conditionals are not judged
        if "x" in kind:
            raise _GiveUp
        return words


_ESCAPE = re.compile(r"\\(?:x[0-9a-fA-F]{2}|x\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|N\{[^}]*\}|[pP]\{[^}]*\}"
                     r"|[pP]\w|0[0-7]{0,2}|[1-9]\d?|g<[^>]*>|.)", re.DOTALL)
_GROUP_HEAD = re.compile(r"\((?:\?(?::|P?<\w+>|P'\w+'|'\w+'|=|!|<=|<!|>|\||#|\(|[a-zA-Z-]+:|[a-zA-Z-]+\)|P=\w+\)))?")


def _capped(words: list[_Word]) -> list[_Word] | None:
    if len(words) > _MAX_WORDS or any(len(word) > _MAX_LENGTH for word in words):
        return None
    return words


_MASKS: dict[str, int] = {}


def _mask(piece: str) -> int:
    """The sample characters one piece of a pattern (a character, a class, an escape) matches, ignoring case."""
    known = _MASKS.get(piece)
    if known is None:
        try:
            compiled = regex.compile(piece, regex.IGNORECASE | regex.VERSION0)
        except regex.error:
            raise _GiveUp from None
        known = sum(1 << n for n, char in enumerate(_SAMPLE) if compiled.fullmatch(char))
        _MASKS[piece] = known
    return known


def _prefix_rest(prefix: _Word, word: _Word) -> _Word | None:
    """What is left of word after prefix, when some text can match both (position by position); else None."""
    if len(prefix) > len(word) or any(not a & b for a, b in zip(prefix, word)):
        return None
    return word[len(prefix):]


def _ambiguous(words: list[_Word]) -> bool:
    """Whether some text splits into these words in two ways (the Sardinas-Patterson test, per character set)."""
    dangling: set[_Word] = set()
    for i, first in enumerate(words):
        for j, second in enumerate(words):
            rest = _prefix_rest(first, second) if i != j else None
            if rest == ():
                return True
            if rest is not None:
                dangling.add(rest)
    seen = set(dangling)
    while dangling:
        after: set[_Word] = set()
        for suffix in dangling:
            for word in words:
                for rest in (_prefix_rest(word, suffix), _prefix_rest(suffix, word)):
                    if rest == ():
                        return True
                    if rest is not None and rest not in seen:
                        seen.add(rest)
                        after.add(rest)
        dangling = after
    return False


def compile_trigger_pattern(source: str) -> "regex.Pattern[str]":
    """A context trigger's pattern as concept files write it (case-insensitive, verbose); regex.error if bad."""
    return regex.compile(source, regex.IGNORECASE | regex.VERBOSE | regex.VERSION0)


# --- a bound on the work of a pattern with no unbounded repetition ------------------------------------------
#
# Without unbounded repetition or back-references a backtracking search does at most a fixed number of steps
# at each position of the text, read from the pattern's parse tree. A search of a text short enough that this
# bound times its length is small cannot run long, so it needs no time limit (whose clock checks cost more
# than such a search: a colon or a full stop looked for in a rationale).

try:  # the parser behind re; private, so a Python without it simply keeps every time limit
    from re import _constants as _sre
    from re import _parser as _sre_parse
except ImportError:  # pragma: no cover - Python 3.11 to 3.13 have both
    _sre = _sre_parse = None

# About a millisecond of matching: far inside the time limit however slow the machine.
STEPS_WITHOUT_LIMIT = 100_000
_UNBOUNDED = 10**12


def steps_per_position(pattern: Any) -> int | None:
    """At most how many steps a search for `pattern` (compiled by re or regex) takes at one position of a
    text, or None when that depends on the text (unbounded repetition, back-references) or is not known."""
    if _sre_parse is None:
        return None
    try:
        tree = _sre_parse.parse(pattern.pattern, pattern.flags)
    except Exception:  # noqa: BLE001 - an unreadable tree only means the time limit is kept
        return None
    work, _ = _sequence(list(tree))
    return work if work < _UNBOUNDED else None


def needs_no_limit(steps: int | None, text: str) -> bool:
    """Whether a search with at most `steps` per position is over long before any time limit, on text."""
    return steps is not None and steps * (len(text) + 1) <= STEPS_WITHOUT_LIMIT


def _sequence(items: list[tuple[Any, Any]]) -> tuple[int, int]:
    """(work, ways) of a sequence: the steps spent in it from one position, and how many ways it can match
    (each of which the rest of the pattern is tried after)."""
    work, ways = 0, 1
    for op, arg in items:
        step_work, step_ways = _element(op, arg)
        work, ways = work + ways * step_work, ways * step_ways
        if work >= _UNBOUNDED:
            return _UNBOUNDED, _UNBOUNDED
    return work, ways


def _element(op: Any, arg: Any) -> tuple[int, int]:
    if op in (_sre.LITERAL, _sre.NOT_LITERAL, _sre.ANY, _sre.AT):
        return 1, 1
    if op is _sre.IN:
        return len(arg), 1
    if op is _sre.SUBPATTERN:
        return _sequence(list(arg[-1]))
    if op is _sre.ATOMIC_GROUP:
        return _sequence(list(arg))[0], 1
    if op is _sre.BRANCH:
        options = [_sequence(list(option)) for option in arg[1]]
        return sum(w for w, _ in options), sum(n for _, n in options)
    if op in (_sre.ASSERT, _sre.ASSERT_NOT):
        # A look-around is tried once and never backtracked into.
        return _sequence(list(arg[1]))[0], 1
    if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
        low, high, body = arg
        if high is _sre.MAXREPEAT or high > 10_000:
            return _UNBOUNDED, _UNBOUNDED
        once = _sequence(list(body))
        # body{low,high} is low bodies, then up to high - low more, each optional.
        work, ways = 0, 1
        for _ in range(high - low):
            work, ways = once[0] + once[1] * work, once[1] * ways + 1
            if work >= _UNBOUNDED:
                return _UNBOUNDED, _UNBOUNDED
        for _ in range(low):
            work, ways = once[0] + once[1] * work, once[1] * ways
            if work >= _UNBOUNDED:
                return _UNBOUNDED, _UNBOUNDED
        return work, (1 if op is _sre.POSSESSIVE_REPEAT else ways)
    return _UNBOUNDED, _UNBOUNDED
