"""Condition text -> syntax tree, with syntax errors that point at the line and column."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any, Callable, TypedDict

import lark
from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError
from lark.grammar import Rule
from lark.lexer import TerminalDef
from lark.tree import Meta

from .._private import lark_parser_from_tables
from ..errors import Origin, RuleSyntaxError
from .nodes import Binary, Call, Duration, Field, Index, Let, ListExpr, Literal, Name, Node, Quantifier, Unary

TABLES = "tables.json"  # the parser's LALR tables, built by write_tables from grammar.lark
_ESCAPES = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "t": "\t"}
_UNITS = {"day": (1, 0), "week": (7, 0), "month": (0, 1), "year": (0, 12)}
# Conditions nest a handful of levels; checking, compiling and running a condition recurse once or a few
# times per level, so this stays far below Python's recursion limit (1,000) in every phase.
MAX_DEPTH = 100
MAX_DIGITS = 30  # more than any date, count or score a rule compares with

# Friendly names for the tokens lark reports as expected.
_TOKEN_NAMES = {
    "NAME": "a name", "STRING": "a string", "NUMBER": "a number", "DATE": "a date", "UNIT": "a unit (days, months...)",
    "LPAR": "'('", "RPAR": "')'", "LSQB": "'['", "RSQB": "']'", "COMMA": "','", "COLON": "':'", "SEMICOLON": "';'",
    "DOT": "'.'", "EQUAL": "'='", "COMP_OP": "a comparison", "ADD_OP": "'+' or '-'", "MUL_OP": "'*' or '/'",
    "IN": "'in'", "AND": "'and'", "OR": "'or'", "NOT": "'not'", "$END": "the end of the condition",
}


@lru_cache(maxsize=1)
def _parser() -> Lark:
    grammar = _grammar()
    return _stored_parser(grammar) or build_parser(grammar)


def _grammar() -> str:
    return files("leder_audit.language").joinpath("grammar.lark").read_text(encoding="utf-8")


def build_parser(grammar: str) -> Lark:
    """The parser lark builds from the grammar (tens of milliseconds: it computes the LALR tables)."""
    return Lark(grammar, parser="lalr", propagate_positions=True, maybe_placeholders=False)


def _stored_parser(grammar: str) -> Lark | None:
    """The parser from the tables in tables.json, if this grammar and this version of lark made them."""
    try:
        text = files("leder_audit.language").joinpath(TABLES).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    stored = json.loads(text, object_pairs_hook=_int_keys)
    if (stored["grammar_sha256"], stored["lark_version"]) != (_sha256(grammar), lark.__version__):
        return None
    return lark_parser_from_tables(stored["data"], stored["memo"])


def _int_keys(pairs: list[tuple[str, Any]]) -> dict[Any, Any]:
    # JSON keys are strings, but lark numbers its parser states and shared objects with ints.
    return {int(key) if key.isdigit() else key: value for key, value in pairs}


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def write_tables(path: Path = Path(__file__).with_name(TABLES)) -> None:
    """Store the built parser's tables, so that runs load them instead of building them.

    Run `python -c 'from leder_audit.language.syntax import write_tables; write_tables()'` after changing
    grammar.lark or upgrading lark; until then each run builds the parser from the grammar (slower, same results).
    """
    grammar = _grammar()
    data, memo = build_parser(grammar).memo_serialize([TerminalDef, Rule])
    stored = {"grammar_sha256": _sha256(grammar), "lark_version": lark.__version__, "data": data, "memo": memo}
    path.write_text(json.dumps(stored, indent=1) + "\n", encoding="utf-8")


def _unescape(quoted: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), quoted[1:-1])


class _Place(TypedDict):
    line: int
    column: int


def _at(meta_or_token: Meta | Token) -> _Place:
    # The meta of a rule that matched nothing has no line; a token may have None.
    return {"line": getattr(meta_or_token, "line", 0) or 0, "column": getattr(meta_or_token, "column", 0) or 0}


def _number(token: Token) -> int | float:
    if len(token) > MAX_DIGITS:
        raise _BadLiteral(f"a number of more than {MAX_DIGITS} digits", token)
    return float(token) if "." in token else int(token)


def _binary(op: str) -> Callable[[_ToNodes, Meta, Node, Node], Binary]:
    def build(self: _ToNodes, meta: Meta, left: Node, right: Node) -> Binary:
        return Binary(op, left, right, **_at(meta))

    return build


# An argument of a call: an expression, or a keyword's name and value.
_Argument = Node | tuple[str, Node]


@v_args(meta=True, inline=True)
class _ToNodes(Transformer[Token, Node]):
    """Turns lark's parse tree into our nodes; method names follow the grammar's aliases."""

    def string(self, meta: Meta, text: Token) -> Literal:
        return Literal(_unescape(text), **_at(meta))

    def number(self, meta: Meta, digits: Token) -> Literal:
        return Literal(_number(digits), **_at(meta))

    def date(self, meta: Meta, text: Token) -> Literal:
        try:
            return Literal(date.fromisoformat(text), **_at(meta))
        except ValueError:
            raise _BadLiteral(f"{text} is not a real date", text) from None

    def duration(self, meta: Meta, digits: Token, unit: Token) -> Literal:
        days, months = _UNITS[unit.rstrip("s")]
        count = _number(digits)
        if isinstance(count, float):
            raise _BadLiteral("durations are whole numbers of days, weeks, months or years", digits)
        return Literal(Duration(days=days * count, months=months * count), **_at(meta))

    def true(self, meta: Meta) -> Literal:
        return Literal(True, **_at(meta))

    def false(self, meta: Meta) -> Literal:
        return Literal(False, **_at(meta))

    def null(self, meta: Meta) -> Literal:
        return Literal(None, **_at(meta))

    def name(self, meta: Meta, name: Token) -> Name:
        return Name(str(name), **_at(meta))

    def field(self, meta: Meta, target: Node, name: Token) -> Field:
        # Placed at the field's own name, so errors point at the word that is wrong.
        return Field(target, str(name), **_at(name))

    def index(self, meta: Meta, target: Node, index: Node) -> Index:
        return Index(target, index, **_at(meta))

    def call(self, meta: Meta, function: Token, arguments: lark.Tree[_Argument] | None = None) -> Call:
        args = arguments.children if arguments is not None else []
        positional = tuple(a for a in args if isinstance(a, Node))
        keywords = tuple(a for a in args if isinstance(a, tuple))
        return Call(str(function), positional, keywords, **_at(meta))

    def keyword(self, meta: Meta, name: Token, value: Node) -> tuple[str, Node]:
        return (str(name), value)

    def list_expr(self, meta: Meta, *items: Node) -> ListExpr:
        return ListExpr(items, **_at(meta))

    def negate(self, meta: Meta, operand: Node) -> Node:
        value = operand.value if isinstance(operand, Literal) else None
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
            return Literal(-value, **_at(meta))
        return Unary("-", operand, **_at(meta))

    def not_op(self, meta: Meta, operand: Node) -> Unary:
        return Unary("not", operand, **_at(meta))

    or_op = _binary("or")
    and_op = _binary("and")
    in_op = _binary("in")
    not_in_op = _binary("not in")

    def compare(self, meta: Meta, left: Node, op: Token, right: Node) -> Binary:
        return Binary(str(op), left, right, **_at(meta))

    def arith(self, meta: Meta, left: Node, op: Token, right: Node) -> Binary:
        return Binary(str(op), left, right, **_at(meta))

    def any_expr(self, meta: Meta, keyword: Token, variable: Token, source: Node, body: Node) -> Quantifier:
        return Quantifier("any", str(variable), source, body, **_at(meta))

    def all_expr(self, meta: Meta, keyword: Token, variable: Token, source: Node, body: Node) -> Quantifier:
        return Quantifier("all", str(variable), source, body, **_at(meta))

    def count_expr(self, meta: Meta, keyword: Token, variable: Token, source: Node, body: Node) -> Quantifier:
        return Quantifier("count", str(variable), source, body, **_at(meta))

    def let_expr(self, meta: Meta, name: Token, value: Node, body: Node) -> Let:
        return Let(str(name), value, body, **_at(meta))


class _BadLiteral(Exception):
    def __init__(self, message: str, token: Token) -> None:
        super().__init__(message)
        self.token = token


def parse(text: str, origin: Origin = Origin()) -> Node:
    """Parse one condition; raise RuleSyntaxError naming file, line and column."""
    try:
        tree = _parser().parse(text)
        deepest = _too_deep(tree)
        if deepest is not None:
            raise _located(text, f"the condition is nested too deeply (more than {MAX_DEPTH} levels)", origin,
                           *deepest, "split it with `let`, or into several rules") from None
        return _ToNodes().transform(tree)
    except RecursionError:  # the depth check above is meant to make this unreachable
        raise _located(text, "the condition is nested too deeply", origin, 1, 1,
                       "split it with `let`, or into several rules") from None
    except UnexpectedInput as error:
        raise _syntax_error(text, error, origin) from None
    except VisitError as error:
        bad = error.orig_exc
        if isinstance(bad, _BadLiteral):
            token = bad.token
            raise _located(text, str(bad), origin, token.line or 0, token.column or 0, None) from None
        raise


def _too_deep(tree: lark.Tree[Token]) -> tuple[int, int] | None:
    """The line and column of the first part of the tree nested more than MAX_DEPTH levels down, if any.

    lark parses without recursing, but its transformer and every later phase recurse once per level.
    """
    stack: list[tuple[lark.Tree[Token], int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            meta = node.meta
            return (getattr(meta, "line", 1) or 1, getattr(meta, "column", 1) or 1)
        stack.extend((child, depth + 1) for child in node.children if isinstance(child, lark.Tree))
    return None


def _syntax_error(text: str, error: UnexpectedInput, origin: Origin) -> RuleSyntaxError:
    line, column = error.line, error.column
    if isinstance(error, UnexpectedEOF) or (isinstance(error, UnexpectedToken) and error.token.type == "$END"):
        lines = text.rstrip().splitlines() or [""]
        line, column = len(lines), len(lines[-1]) + 1
        return _located(text, "the condition ends too early", origin, line, column, _expected(error))
    if isinstance(error, UnexpectedCharacters):
        char: str = error.char  # the character at the error's position in the text
        hint = "use 'and', 'or', 'not' for logic and '==' for equality" if char in "&|!=" else _expected(error)
        return _located(text, f"unexpected character {char!r}", origin, line, column, hint)
    token = error.token if isinstance(error, UnexpectedToken) else ""
    hint = "use '==' to compare values" if str(token) == "=" else _expected(error)
    return _located(text, f"unexpected {str(token)!r}", origin, line, column, hint)


def _expected(error: UnexpectedInput) -> str | None:
    expected = getattr(error, "expected", None) or getattr(error, "allowed", None) or ()
    names = sorted({_TOKEN_NAMES.get(t, t.lower().strip("_")) for t in expected if not t.startswith("__")})
    return f"expected {', '.join(names[:8])}" if names else None


def _located(text: str, message: str, origin: Origin, line: int, column: int, hint: str | None) -> RuleSyntaxError:
    lines = text.splitlines() or [""]
    source_line = lines[line - 1] if 0 < line <= len(lines) else ""
    return RuleSyntaxError(message, origin, line=max(line, 1), column=max(column, 1), source_line=source_line, hint=hint)
