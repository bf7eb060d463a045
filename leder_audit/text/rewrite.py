"""Faster forms of a trigger pattern that find, in every text, what the pattern finds.

A few trigger patterns carry a look-around that scans far ahead or behind (``(?=[\\s\\S]{0,300}?...)``
after a relative's view, ``(?<=\\w[^.!?\\n]{12,})`` before a clinical reason), and the engine runs that
scan at every place the rest may match, which on some texts costs a hundred times the rest. Read
from the pattern's parse tree:

- a look-ahead ``(?=S{0,n}X)`` (S any one-character class) can hold only where X matches somewhere
  after it, so a text in which X matches nowhere from the search's start holds no match at all;
- an option that begins with a look-behind matches only where what follows the look-behind begins
  (its `starts.Starts`), so a look-ahead for those first characters put before the look-behind keeps
  the engine from reading back at every other place;
- a pattern that begins ``(?<!\\w)`` before what can only begin with a letter or digit begins ``\\b``
  instead: where a word character follows, no word character before it is a word boundary, and a
  boundary the engine finds by its own fast skip, where it tries the look-behind at every position.

Each form is written back from the tree as a pattern (`unparse`) and used only when the tree it
parses to is the tree it was written from.

Where only whether a pattern matches is asked (a sentence test), a pattern that is a choice of
options ``a|b|c`` is searched option by option (`options_of`): it matches a span exactly where one
of its options does, and each option searched alone is gated by its own literals and skips ahead
to where it can begin, which the engine cannot do for the choice as a whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import regex

from leder_audit.text.starts import Starts, starts_of_items

try:  # the parser behind re; private, so a Python without it simply runs every pattern as written
    from re import _constants as sre
    from re import _parser as sre_parse
except ImportError:  # pragma: no cover - Python 3.11 to 3.13 have both
    sre = sre_parse = None

# A look-around that reads at least this far is worth a search of its own to rule out.
FAR = 100
_ONE_CHARACTER = ("LITERAL", "NOT_LITERAL", "IN", "ANY")


class Unwritable(Exception):
    """A piece of a parse tree that `unparse` does not write back."""


class FastPattern:
    """A trigger pattern with its faster forms; `finditer` and `search` find what the pattern finds."""

    __slots__ = ("pattern", "main", "required")

    def __init__(self, pattern: regex.Pattern[str]) -> None:
        self.pattern = pattern
        # The pattern itself, or with look-aheads before its look-behinds.
        self.main = pattern
        # Patterns that must each match somewhere in a text for the pattern to match in it.
        self.required: tuple[regex.Pattern[str], ...] = ()
        try:
            self._read(pattern)
        except Exception:  # noqa: BLE001 - a tree that cannot be read or written back: the pattern runs as written
            self.main, self.required = pattern, ()

    @property
    def rewritten(self) -> bool:
        """Whether any faster form is used."""
        return self.main is not self.pattern or bool(self.required)

    @property
    def forms(self) -> tuple[regex.Pattern[str], ...]:
        """Every pattern a search may run."""
        return (self.main, *self.required)

    def finditer(self, text: str, timeout: float | None) -> Iterator[Any]:
        """What pattern.finditer(text, timeout=timeout) gives."""
        if not self._may_match(text, 0, len(text), timeout):
            return iter(())
        return self.main.finditer(text, timeout=timeout)

    def search(self, text: str, pos: int, endpos: int, timeout: float | None) -> Any:
        """What pattern.search(text, pos, endpos, timeout=timeout) gives."""
        if not self._may_match(text, pos, endpos, timeout):
            return None
        return self.main.search(text, pos, endpos, timeout=timeout)

    def _may_match(self, text: str, pos: int, endpos: int, timeout: float | None) -> bool:
        return all(needed.search(text, pos, endpos, timeout=timeout) is not None for needed in self.required)

    def _read(self, pattern: regex.Pattern[str]) -> None:
        # Heads are folded: they stand for the pattern's characters only where case is ignored.
        if sre_parse is None or not pattern.flags & regex.IGNORECASE:
            return
        flags = pattern.flags
        tree = list(sre_parse.parse(pattern.pattern, flags))
        self.required = tuple(_compiled(far, flags) for op, arg in tree if op is sre.ASSERT
                              for far in [_far_ahead(op, arg)] if far is not None)
        guarded = _behind_guarded(_boundary_first(tree))
        if _plain(guarded) != _plain(tree):
            self.main = _compiled(guarded, flags)


def options_of(pattern: regex.Pattern[str]) -> tuple[regex.Pattern[str], ...]:
    """The options of a pattern that is a choice ``a|b|c``, each as a pattern of its own, or () when it is
    not one or an option cannot be written back to its tree.

    A search of text[pos:endpos] for the pattern finds a match exactly when a search for one of its
    options does (the choice is tried at each position, option by option), so whether the pattern
    matches is whether any option matches, in any order. Options that begin by reading back (a
    look-behind, tried at every position the engine reaches) are put last, as the dearest.
    """
    if sre_parse is None:
        return ()
    try:
        tree = list(sre_parse.parse(pattern.pattern, pattern.flags))
        if len(tree) == 1 and tree[0][0] is sre.SUBPATTERN and tree[0][1][0] is None and not any(tree[0][1][1:3]):
            tree = list(tree[0][1][3])
        if len(tree) != 1 or tree[0][0] is not sre.BRANCH:
            return ()
        options = [list(option) for option in tree[0][1][1]]
        compiled = [_compiled(option, pattern.flags) for option in options]
    except Exception:  # noqa: BLE001 - a tree that cannot be read or written back: the pattern is searched whole
        return ()
    dear = [bool(o) and o[0][0] in (sre.ASSERT, sre.ASSERT_NOT) and o[0][1][0] == -1 for o in options]
    return tuple(p for _, p in sorted(zip(dear, compiled), key=lambda pair: pair[0]))


def _far_ahead(op: Any, arg: Any) -> list[tuple[Any, Any]] | None:
    """X of a look-ahead (?=S{0,n}X) with n a number at least FAR, S one character; else None."""
    if op is not sre.ASSERT or arg[0] != 1:
        return None
    body = list(arg[1])
    if not body or body[0][0] not in (sre.MAX_REPEAT, sre.MIN_REPEAT):
        return None
    low, high, inner = body[0][1]
    inner = list(inner)
    if low != 0 or len(inner) != 1 or inner[0][0].name not in _ONE_CHARACTER:
        return None
    if high is sre.MAXREPEAT or high < FAR:
        return None
    rest = body[1:]
    return rest or None


def _boundary_first(items: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """The items with a first ``(?<!\\w)`` made ``\\b`` where every match of what follows it begins with an
    ASCII letter or digit (or, ignoring case, a letter paired with one): both then hold at the same places."""
    if not items or items[0][0] is not sre.ASSERT_NOT or items[0][1][0] != -1:
        return items
    body = list(items[0][1][1])
    if len(body) != 1 or body[0][0] is not sre.IN or list(body[0][1]) != [(sre.CATEGORY, sre.CATEGORY_WORD)]:
        return items
    heads = _first_characters(items[1:])
    if not heads or not all(head.isascii() and head.isalnum() for head in heads):
        return items
    return [(sre.AT, sre.AT_BOUNDARY), *items[1:]]


def _first_characters(items: list[tuple[Any, Any]]) -> set[str] | None:
    """The folded first characters of every match of items, or None when they are not known."""
    starts = starts_of_items([(sre.AT, sre.AT_BOUNDARY), *items])
    if starts is None:
        return None
    return {head[0] for head in (*starts.words, *starts.marks)}


def _behind_guarded(items: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """The items with a look-ahead for its first characters before each option that starts with a look-behind."""
    out: list[tuple[Any, Any]] = []
    for index, (op, arg) in enumerate(items):
        if op is sre.BRANCH:
            options = [_guard_option(list(option)) for option in arg[1]]
            out.append((op, (arg[0], [_Items(o) for o in options])))
        elif op is sre.SUBPATTERN and index == 0 and len(items) == 1:
            group, add, delete, body = arg
            out.append((op, (group, add, delete, _Items(_behind_guarded(list(body))))))
        else:
            out.append((op, arg))
    return _guard_option(out)


def _guard_option(items: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """An option that starts with a look-behind reading far back, with a look-ahead for where it may start first."""
    if not items or items[0][0] not in (sre.ASSERT, sre.ASSERT_NOT) or items[0][1][0] != -1:
        return items
    if not _reads_far(list(items[0][1][1])):
        return items
    starts = starts_of_items(items)
    if starts is None:
        return items
    return [_starts_look_ahead(starts), *items]


def _reads_far(items: list[tuple[Any, Any]]) -> bool:
    """Whether a look-behind's body repeats something twelve times or more."""
    for op, arg in items:
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            if arg[1] is sre.MAXREPEAT or arg[1] >= 12 or _reads_far(list(arg[2])):
                return True
        elif op is sre.SUBPATTERN and _reads_far(list(arg[-1])):
            return True
        elif op is sre.BRANCH and any(_reads_far(list(option)) for option in arg[1]):
            return True
    return False


def _starts_look_ahead(starts: Starts) -> tuple[Any, Any]:
    """A look-ahead that holds where a word begins with one of starts.words or the text holds one of
    starts.marks, as the parser reads it."""
    options = [r"\b" + "".join(map(_character, map(ord, word))) for word in sorted(starts.words)]
    options += ["".join(map(_character, map(ord, mark))) for mark in sorted(starts.marks)]
    return list(sre_parse.parse("(?=" + "|".join(options) + ")"))[0]  # type: ignore[no-any-return]


class _Items(list):  # type: ignore[type-arg]
    """A list of tree items that compares like the parser's SubPattern."""


# --- writing a parse tree back as a pattern ----------------------------------------------------------------

_AT = {"AT_BEGINNING": "^", "AT_END": "$", "AT_BOUNDARY": r"\b", "AT_NON_BOUNDARY": r"\B",
       "AT_BEGINNING_STRING": r"\A", "AT_END_STRING": r"\Z"}
_CATEGORY = {"CATEGORY_DIGIT": r"\d", "CATEGORY_NOT_DIGIT": r"\D", "CATEGORY_SPACE": r"\s",
             "CATEGORY_NOT_SPACE": r"\S", "CATEGORY_WORD": r"\w", "CATEGORY_NOT_WORD": r"\W"}


def unparse(items: list[tuple[Any, Any]]) -> str:
    """A pattern whose parse tree is items (Unwritable for a piece it does not write)."""
    if len(items) == 1 and items[0][0] is sre.BRANCH:
        # A choice alone in its sequence is how the parser reads a|b, in a group or not.
        return "|".join(unparse(list(option)) for option in items[0][1][1])
    return "".join(_write(op, arg) for op, arg in items)


def _character(code: int) -> str:
    character = chr(code)
    if character.isascii() and character.isalnum():
        return character
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _write(op: Any, arg: Any) -> str:
    name = op.name
    if name == "LITERAL":
        return _character(arg)
    if name == "NOT_LITERAL":
        return f"[^{_character(arg)}]"
    if name == "ANY":
        return "."
    if name == "IN":
        if len(arg) == 1 and arg[0][0].name == "CATEGORY":
            return _member(*arg[0])
        return "[" + "".join(_member(member_op, value) for member_op, value in arg) + "]"
    if name == "AT":
        if arg.name not in _AT:
            raise Unwritable(arg.name)
        return _AT[arg.name]
    if name == "BRANCH":
        return "(?:" + "|".join(unparse(list(option)) for option in arg[1]) + ")"
    if name == "SUBPATTERN":
        group, add, delete, body = arg
        if add or delete:
            raise Unwritable("inline flags")
        return ("(" if group is not None else "(?:") + unparse(list(body)) + ")"
    if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        low, high, body = arg
        quantifier = "{%d,%s}" % (low, "" if high is sre.MAXREPEAT else str(high))
        suffix = {"MAX_REPEAT": "", "MIN_REPEAT": "?", "POSSESSIVE_REPEAT": "+"}[name]
        body = list(body)
        if len(body) == 1 and body[0][0].name in _ONE_CHARACTER:
            return _write(*body[0]) + quantifier + suffix
        return "(?:" + unparse(body) + ")" + quantifier + suffix
    if name in ("ASSERT", "ASSERT_NOT"):
        direction, body = arg
        head = {("ASSERT", 1): "(?=", ("ASSERT", -1): "(?<=", ("ASSERT_NOT", 1): "(?!",
                ("ASSERT_NOT", -1): "(?<!"}[(name, direction)]
        return head + unparse(list(body)) + ")"
    if name == "ATOMIC_GROUP":
        return "(?>" + unparse(list(arg)) + ")"
    raise Unwritable(name)


def _member(op: Any, value: Any) -> str:
    name = op.name
    if name == "NEGATE":
        return "^"
    if name == "LITERAL":
        return _character(value)
    if name == "RANGE":
        return _character(value[0]) + "-" + _character(value[1])
    if name == "CATEGORY" and value.name in _CATEGORY:
        return _CATEGORY[value.name]
    raise Unwritable(name)


def _plain(items: Any) -> Any:
    """A tree as nested tuples, to compare two trees."""
    if isinstance(items, (list, sre_parse.SubPattern)):
        return tuple(_plain(item) for item in items)
    if isinstance(items, tuple):
        return tuple(_plain(item) for item in items)
    return items


def _compiled(items: list[tuple[Any, Any]], flags: int) -> regex.Pattern[str]:
    """The pattern of items, compiled as trigger patterns are; Unwritable unless it parses back to items."""
    source = unparse(items)
    if _plain(list(sre_parse.parse(source, flags))) != _plain(items):
        raise Unwritable("does not read back")
    return regex.compile(source, flags)
