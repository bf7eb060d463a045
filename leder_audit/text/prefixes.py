"""Which trigger patterns can match a text, from the literals every match of each must hold.

A trigger pattern such as ``\\b(?:worried|concerned)\\s+that`` can only match a text with a word
beginning "worr" or "conc" and the word "that". Looking words up among a short text's words
costs far less than running the pattern over every position, so a pattern runs only on the
texts its `Gate` admits. A gate is read from the pattern's parse tree and is a necessary
condition, never a sufficient one: a pattern in which no literal is plainly needed (``[1-9]+``)
has no gate and always runs.

Matching is case-insensitive, so texts and literals are compared folded: lower case, with the
three letters that re pairs with an ASCII letter but str.lower does not lowered to it. A
literal may hold only ASCII characters and the caseless punctuation in `CASELESS`, whose
case-insensitive matches are themselves alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, Union

from leder_audit.text.normalise import APOSTROPHES, split_tokens

try:  # the parser behind re; private, so a Python without it simply runs every pattern
    from re import _constants as sre
    from re import _parser as sre_parse
except ImportError:  # pragma: no cover - Python 3.11 to 3.13 have both
    sre = sre_parse = None

# A text longer than this has its gates worked out without remembering its words, which a pasted
# document or a hostile record would fill with words never seen again.
LONG_TEXT = 20_000
RUNS_KEPT = 50_000
# A word a match must begin with is looked up by its first letters: "worried", "worries" and
# "worry" share "worr". A shorter word is looked up whole, where the pattern ends it there.
WORD_PREFIX = 4
# Dashes, quotation marks and symbols of pasted text: no other character matches them case-insensitively.
CASELESS = "‐‑–—’‘´ʼ“”≠"

# Dotted capital I, dotless i and long s match "i", "i" and "s" case-insensitively; after this
# table every character lowers to one character, so a folded text keeps every offset.
_TO_ASCII = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s"})
_WORD_CHARS = re.compile(r"[^\W_]*")
_RUN_RE = re.compile(f"[^\\W_{APOSTROPHES}]+")
_FIRST_LETTERS = itemgetter(slice(0, WORD_PREFIX))


def folded(text: str) -> str:
    """The text as gates compare with it: every offset kept, every letter lowered as re pairs it."""
    if "\u0130" in text or "\u0131" in text or "\u017f" in text:
        text = text.translate(_TO_ASCII)
    return text.lower()


def word_runs(text: str) -> list[str]:
    """The folded runs of letters and digits of text, which is where re's \\b sees words start.

    They are the text's tokens split at their apostrophes. (An underscore is a word character to
    \\b, so a run after one is no word start; looking it up anyway only admits more.) Folding
    keeps every character's place and whether it is a letter or digit, so the runs of the folded
    text are the folded runs.
    """
    return _RUN_RE.findall(folded(text))


@dataclass(frozen=True, slots=True)
class Gate:
    """A text may match when it has one of: a word beginning with one of `starts` (each
    `WORD_PREFIX` letters long) or with one of `prefixes` (each longer), a word in `words`, or one
    of `literals` anywhere."""

    starts: frozenset[str] = frozenset()
    words: frozenset[str] = frozenset()
    literals: frozenset[str] = frozenset()
    prefixes: frozenset[str] = frozenset()


class GateIndex:
    """The gates of a list of patterns, inverted: from a text to the patterns that may match it.

    Each pattern has a gate, several gates (a text must pass every one), or none (it always runs);
    and may have a `Requirement` as well (its choices, each option with gates of its own), which a
    text must then meet too.
    """

    __slots__ = ("_needed", "_by_literal", "_by_start", "_by_word", "_by_prefix", "_in_runs", "_anywhere", "_of_run",
                 "_needed_masks", "_word_masks", "_start_masks", "_of_token", "_required")

    def __init__(self, gates: Sequence[Gate | Sequence[Gate] | None],
                 requirements: Sequence[Requirement | None] = ()):
        ids: dict[Gate, int] = {}
        # For each pattern in order, the gates a text must pass for it to run.
        self._needed: list[frozenset[int]] = []
        for gate in gates:
            each = () if gate is None else (gate,) if isinstance(gate, Gate) else tuple(gate)
            self._needed.append(frozenset(ids.setdefault(g, len(ids)) for g in each))
        # For each pattern with a requirement, by its place: the requirement with each gate as a bit.
        self._required: dict[int, _Bits] = {i: _bits(requirement, ids) for i, requirement in enumerate(requirements)
                                           if requirement is not None}
        self._by_start: dict[str, set[int]] = {}
        self._by_word: dict[str, set[int]] = {}
        self._by_literal: dict[str, set[int]] = {}
        # A prefix is looked up by its first letters, then compared whole with the words that have them.
        self._by_prefix: dict[str, list[tuple[str, int]]] = {}
        for gate, i in ids.items():
            for index, keys in ((self._by_start, gate.starts), (self._by_word, gate.words),
                                (self._by_literal, gate.literals)):
                for key in keys:
                    index.setdefault(key, set()).add(i)
            for prefix in gate.prefixes:
                self._by_prefix.setdefault(prefix[:WORD_PREFIX], []).append((prefix, i))
        # A short text's gates are worked out as bits of an int, gate i the bit 1 << i: the union and
        # subset tests of sets, at the cost of one machine operation each.
        self._needed_masks = [(i, _mask(needed)) for i, needed in enumerate(self._needed)]
        self._word_masks = {key: _mask(ids) for key, ids in self._by_word.items()}
        self._start_masks = {key: _mask(ids) for key, ids in self._by_start.items()}
        # A literal of letters and digits alone lies inside one word run wherever it occurs, so it is
        # looked up with the runs, by its first character; the others (punctuation, "-ve") are looked
        # for in the whole text.
        self._in_runs: dict[str, list[tuple[str, int]]] = {}
        for key, passing in self._by_literal.items():
            if _RUN_RE.fullmatch(key):
                self._in_runs.setdefault(key[0], []).append((key, _mask(passing)))
        self._anywhere = [(key, _mask(passing)) for key, passing in self._by_literal.items()
                          if not _RUN_RE.fullmatch(key)]
        # The gates each word run passes, kept: the words of notes repeat from text to text.
        self._of_run: dict[str, int] = {}
        self._of_token: dict[str, int] = {}

    def candidates(self, text: str) -> list[int]:
        """The positions, in order, of the patterns whose gates admit text."""
        return self.admitted(text)[0]

    def admitted(self, text: str) -> tuple[list[int], int]:
        """The positions, in order, of the patterns whose gates admit text, and the gates it passes (as
        bits), for `meets` to read the patterns' requirements from."""
        if len(text) > LONG_TEXT:
            return self._admitted_long(text)
        lowered = folded(text)
        passed = 0
        for literal, mask in self._anywhere:
            if literal in lowered:
                passed |= mask
        # The word runs are the text's tokens split at their apostrophes, and the tokens are shared
        # with the concept scan and the trigger phrases.
        of_token = self._of_token
        for token in split_tokens(text).words:
            gates = of_token.get(token)
            if gates is None:
                gates = self._gates_of_token(token)
            passed |= gates
        return [i for i, needed in self._needed_masks if needed & passed == needed], passed

    def plain(self, i: int) -> bool:
        """Whether pattern i has no requirement beyond its gates."""
        return i not in self._required

    def meets(self, i: int, passed: int) -> bool:
        """Whether a text that passes the gates `passed` (from `admitted`) meets pattern i's requirement
        (True when it has none). Asked only of a pattern about to be searched: a requirement costs more
        to read than a gate, and most admitted patterns of sentence tests are never searched."""
        required = self._required.get(i)
        return required is None or _meets(required, passed)

    def _gates_of_token(self, token: str) -> int:
        """The gates the word runs of one token pass (as bits), remembered."""
        passed = 0
        of_run = self._of_run
        for run in _RUN_RE.findall(folded(token)):
            gates = of_run.get(run)
            passed |= self._gates_of_run(run) if gates is None else gates
        if len(self._of_token) >= RUNS_KEPT:
            self._of_token.clear()
        self._of_token[token] = passed
        return passed

    def _gates_of_run(self, run: str) -> int:
        """The gates one folded word run passes by itself (as bits), remembered."""
        passed = self._word_masks.get(run, 0)
        # A literal inside the run begins with one of its characters.
        for character in set(run):
            for literal, mask in self._in_runs.get(character, ()):
                if literal in run:
                    passed |= mask
        start = run[:WORD_PREFIX]
        passed |= self._start_masks.get(start, 0)
        for prefix, gate in self._by_prefix.get(start, ()):
            if run.startswith(prefix):
                passed |= 1 << gate
        if len(self._of_run) >= RUNS_KEPT:
            self._of_run.clear()
        self._of_run[run] = passed
        return passed

    def _admitted_long(self, text: str) -> tuple[list[int], int]:
        """What admitted gives, for a text whose many words are not worth remembering one by one."""
        passed: set[int] = set()
        lowered = folded(text)
        for literal, ids in self._by_literal.items():
            if literal in lowered:
                passed |= ids
        runs = _RUN_RE.findall(lowered)
        for word in self._by_word.keys() & runs:
            passed |= self._by_word[word]
        firsts = set(map(_FIRST_LETTERS, runs))
        for start in self._by_start.keys() & firsts:
            passed |= self._by_start[start]
        starting = self._by_prefix.keys() & firsts
        if starting:
            by_first: dict[str, list[str]] = {}
            for run in runs:
                by_first.setdefault(run[:WORD_PREFIX], []).append(run)
            for start in starting:
                for prefix, gate in self._by_prefix[start]:
                    if gate not in passed and any(run.startswith(prefix) for run in by_first[start]):
                        passed.add(gate)
        return [i for i, needed in enumerate(self._needed) if needed <= passed], _mask(passed)


def _mask(ids: frozenset[int] | set[int]) -> int:
    """The gates as the bits of an int."""
    mask = 0
    for i in ids:
        mask |= 1 << i
    return mask


# A literal a match must hold; whether the position before it is known to be no word character
# (a word starts there); whether the position after its letters is (the word ends there).
_Literal = tuple[str, bool, bool]
_Need = frozenset[_Literal]


@dataclass(frozen=True, slots=True)
class Requirement:
    """What a text must hold for a pattern to match, with its choices kept apart: a gate for each of
    `needs`, and for each of `choices` one of its options met. A match of a choice ``a|b`` is a match of
    one of its options, so it holds what that option needs; the union of every option's literals, which
    the gates keep, admits a text that holds a literal of one option and the rest of another."""

    needs: tuple[Gate, ...] = ()
    choices: tuple[tuple[Requirement, ...], ...] = ()


# A requirement with each gate a bit of an int: (the gates' bits, its choices).
_Bits = tuple[int, tuple[tuple[int, tuple["_Bits", ...]], ...]]


def _bits(requirement: Requirement, ids: dict[Gate, int]) -> _Bits:
    """The requirement as bits: its needs' gates as one mask, and for each choice the gates any one of
    which meets it (the options that need one gate alone) and its other options."""
    mask = _mask({ids.setdefault(gate, len(ids)) for gate in requirement.needs})
    choices = []
    for choice in requirement.choices:
        options = [_bits(option, ids) for option in choice]
        single = 0
        other = []
        for option in options:
            if not option[1] and option[0] and option[0] & (option[0] - 1) == 0:
                single |= option[0]
            else:
                other.append(option)
        choices.append((single, tuple(other)))
    return mask, tuple(choices)


def _meets(required: _Bits, passed: int) -> bool:
    """Whether the gates passed (as bits) meet the requirement."""
    mask, choices = required
    if mask & passed != mask:
        return False
    for single, options in choices:
        if not single & passed:
            for option in options:
                if _meets(option, passed):
                    break
            else:
                return False
    return True


def requirement_of(pattern: Any) -> Requirement | None:
    """What a text must hold for pattern to match, choice by choice, or None when the pattern has no choice
    two of whose options need something (its gates then say all that is known) or cannot be read."""
    if sre_parse is None:
        return None
    try:
        tree = sre_parse.parse(pattern.pattern, pattern.flags)
    except Exception:  # noqa: BLE001 - an unreadable tree only means the gates alone decide
        return None
    requirement = _requirement(_parts(list(tree), False, False))
    return requirement if requirement is not None and requirement.choices else None


# What a sequence needs, element by element in order: a need (literals a match must hold one of), or a
# choice, the parts of each of its options.
_Part = Union[_Need, list[list["_Part"]]]


def _requirement(parts: list[_Part]) -> Requirement | None:
    """The requirement of a sequence's parts, or None when they need nothing that can be looked up."""
    usable = [part for part in parts if isinstance(part, frozenset) and _usable(part)]
    kept = []
    for choice in parts:
        if isinstance(choice, frozenset):
            continue
        options = [_requirement(option) for option in choice]
        if all(option is not None for option in options):  # an option that needs nothing meets the choice
            kept.append(tuple(option for option in options if option is not None))
    if not usable and not kept:
        return None
    return Requirement(tuple(dict.fromkeys(_gate(need, whole=True) for need in usable)), tuple(kept))


def _usable(need: _Need) -> bool:
    """Whether a need's literals can be compared folded."""
    return all(ch.isascii() or ch in CASELESS for literal, _, _ in need for ch in literal)


def gate_of(pattern: Any) -> Gate | None:
    """The gate of every text pattern matches, or None when no literal is plainly needed. `pattern` is a
    compiled pattern of the standard `re` module or of `regex` (both have `.pattern` and `.flags`)."""
    usable = _usable_needs(pattern)
    return _gate(_best(usable)) if usable else None


def fixed_text(pattern: Any) -> str | None:
    """The one string every match of pattern is, when it is a run of ASCII characters that are no letters
    (";", ":", ")", a line break), which case-insensitive matching pairs with no other character; else None.
    Its matches are then its occurrences, each search going on from the end of the last."""
    if sre_parse is None:
        return None
    try:
        tree = list(sre_parse.parse(pattern.pattern, pattern.flags))
    except Exception:  # noqa: BLE001 - an unreadable tree only means the pattern is searched for
        return None
    if not tree or any(op is not sre.LITERAL or not chr(arg).isascii() or chr(arg).isalpha() for op, arg in tree):
        return None
    return "".join(chr(arg) for _, arg in tree)


# More gates than this cost more to look up than the rare extra text they keep a pattern off.
MAX_GATES = 3


def gates_of(pattern: Any) -> tuple[Gate, ...] | None:
    """Gates a text must pass every one of for pattern to match it, rarest first (at most
    `MAX_GATES`, the first the one `gate_of` gives), or None when no literal is plainly needed."""
    usable = _usable_needs(pattern)
    if not usable:
        return None
    ranked = sorted(set(usable), key=lambda need: (_rank(need), sorted(need)), reverse=True)
    kept = [_best(usable), *(need for need in ranked if min(map(_rarity, need)) > 0)]
    gates = list(dict.fromkeys(_gate(need, whole=True) for need in kept))
    return tuple(gates[:MAX_GATES])


def _usable_needs(pattern: Any) -> list[_Need]:
    """The needs of pattern's parse tree whose literals can be compared folded; none if it cannot be read."""
    if sre_parse is None:
        return []
    try:
        tree = sre_parse.parse(pattern.pattern, pattern.flags)
    except Exception:  # noqa: BLE001 - an unreadable tree only means the pattern always runs
        return []
    return [need for need in _needs(list(tree), False, False) if _usable(need)]


def _gate(need: _Need, whole: bool = False) -> Gate:
    """The gate of one need; `whole` looks a word start up by the whole of the word the literal begins,
    not only its first letters."""
    keys: dict[str, set[str]] = {"starts": set(), "words": set(), "literals": set(), "prefixes": set()}
    for literal in need:
        kind, key = _lookup(literal)
        prefix = _word_begun(literal) if whole and kind == "starts" else None
        if prefix is not None and len(prefix) > WORD_PREFIX:
            kind, key = "prefixes", prefix
        keys[kind].add(key)
    # A word that begins with a prefix also begins with any prefix of it.
    keys["prefixes"] = {p for p in keys["prefixes"] if not any(p != q and p.startswith(q) for q in keys["prefixes"])}
    return Gate(**{kind: frozenset(found) for kind, found in keys.items()})


def _word_begun(literal: _Literal) -> str | None:
    """The letters and digits a word of the text begins with where the literal matches at a word start,
    up to its first apostrophe (where the text's words are split)."""
    word = _WORD_CHARS.match(folded(literal[0])).group()  # type: ignore[union-attr]
    return _RUN_RE.match(word).group() if _RUN_RE.match(word) else None  # type: ignore[union-attr]


def _lookup(literal: _Literal) -> tuple[str, str]:
    """How a text is searched for the literal: a word start, a whole word, or a substring."""
    text, word_start, word_end = literal
    lowered = folded(text)
    word = _WORD_CHARS.match(lowered).group()  # type: ignore[union-attr]
    if word_start and word:
        if len(word) >= WORD_PREFIX:
            return "starts", word[:WORD_PREFIX]
        if word_end or len(word) < len(lowered):
            return "words", word
    return "literals", lowered


def _needs(items: list[tuple[Any, Any]], word_start: bool, word_end: bool) -> list[_Need]:
    """Sets of literals, each of which a match of the sequence must hold one of.

    Every element that must match gives one (a literal, a class of literal characters, a group,
    a choice all of whose options give one, a repeat that must happen); optional elements and
    classes such as ``\\s`` give none. word_start says the sequence starts where a word does,
    word_end that what follows it starts with no word character.
    """
    return _flat(_parts(items, word_start, word_end))


def _flat(parts: list[_Part]) -> list[_Need]:
    """The needs of a sequence's parts, a choice giving one when each of its options gives one: the union of
    each option's best."""
    needs: list[_Need] = []
    for part in parts:
        if isinstance(part, frozenset):
            needs.append(part)
            continue
        options = [_flat(option) for option in part]
        if all(options):
            needs.append(frozenset().union(*(_best(option) for option in options)))
    return needs


def _parts(items: list[tuple[Any, Any]], word_start: bool, word_end: bool) -> list[_Part]:
    """What a match of the sequence must hold, element by element (see `_needs`), each choice's options kept
    apart for `requirement_of`."""
    parts: list[_Part] = []
    index = 0
    while index < len(items):
        op, arg = items[index]
        index += 1
        if op is sre.ASSERT and arg[0] == 1:
            parts.extend(_parts(list(arg[1]), word_start, False))  # what a lookahead needs is in the text too
        if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
            word_start = word_start or _asserts_word_start(op, arg)
            continue
        if op is sre.LITERAL:
            run = [chr(arg)]
            while index < len(items) and items[index][0] is sre.LITERAL:
                run.append(chr(items[index][1]))
                index += 1
            parts.append(frozenset({("".join(run), word_start, _starts_no_word(items[index:], word_end))}))
            word_start = _no_word_char(sre.LITERAL, ord(run[-1]))
            continue
        if op is sre.IN:
            if all(member_op is sre.LITERAL for member_op, _ in arg):
                parts.append(frozenset((chr(value), word_start, False) for _, value in arg))
        elif op is sre.SUBPATTERN:
            parts.extend(_parts(list(arg[-1]), word_start, _starts_no_word(items[index:], word_end)))
        elif op is sre.BRANCH:
            after = _starts_no_word(items[index:], word_end)
            parts.append([_parts(list(alternative), word_start, after) for alternative in arg[1]])
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            low, _, body = arg
            if low > 0:
                # A body that may repeat is followed by itself, so only a single one is followed by what follows.
                after = arg[1] == 1 and _starts_no_word(items[index:], word_end)
                parts.extend(_parts(list(body), word_start, after))
            else:
                # Skipped, the position is where it was; taken, it is after the body's last character.
                word_start = word_start and _ends_in_no_word(list(body))
                continue
        word_start = _ends_in_no_word([(op, arg)])
    return parts


def _best(needs: list[_Need]) -> _Need:
    """The need a text is least likely to meet: its commonest literal rarest, then the fewest."""
    return max(needs, key=_rank)


def _rank(need: _Need) -> tuple[int, int]:
    return min(map(_rarity, need)), -len(need)


def _rarity(literal: _Literal) -> int:
    """How rarely a text holds the literal, roughly: the longer, the rarer."""
    kind, key = _lookup(literal)
    if kind == "literals" and len(key) == 1 and key.isalnum():
        return 0  # a lone letter or digit is in nearly every text
    return len(key)


def _asserts_word_start(op: Any, arg: Any) -> bool:
    """True for \\b, (?<!\\w...) and (?<=\\s): before a letter or digit, each means a word starts."""
    if op is sre.AT:
        return bool(arg is sre.AT_BOUNDARY)
    direction, body = arg
    if direction != -1 or len(body) != 1 or body[0][0] is not sre.IN:
        return False
    members = body[0][1]
    if op is sre.ASSERT_NOT:
        return (sre.CATEGORY, sre.CATEGORY_WORD) in members
    return list(members) == [(sre.CATEGORY, sre.CATEGORY_SPACE)]


def _no_word_char(op: Any, arg: Any) -> bool:
    """True for an element that matches one character, never a word character (\\s, ",", [;:])."""
    if op is sre.LITERAL:
        return not _WORD_CHARS.match(chr(arg)).group() and chr(arg) != "_"  # type: ignore[union-attr]
    if op is sre.IN:
        return all(m == (sre.CATEGORY, sre.CATEGORY_SPACE)
                   or (m[0] is sre.LITERAL and _no_word_char(sre.LITERAL, m[1])) for m in arg)
    return False


def _ends_in_no_word(items: list[tuple[Any, Any]]) -> bool:
    """True when whatever the sequence matches ends with a character that is no word character."""
    if not items:
        return False
    op, arg = items[-1]
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
        low, _, body = arg
        return low > 0 and _ends_in_no_word(list(body))
    if op is sre.SUBPATTERN:
        return _ends_in_no_word(list(arg[-1]))
    if op is sre.BRANCH:
        return all(_ends_in_no_word(list(alternative)) for alternative in arg[1])
    return _no_word_char(op, arg)


def _starts_no_word(items: list[tuple[Any, Any]], word_end: bool) -> bool:
    """True when what follows must begin with a character that is no word character, or a \\b."""
    for op, arg in items:
        if op is sre.AT:
            return bool(arg is sre.AT_BOUNDARY)
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            low, _, body = arg
            return low > 0 and len(body) == 1 and _no_word_char(*body[0])
        return _no_word_char(op, arg)
    return word_end
