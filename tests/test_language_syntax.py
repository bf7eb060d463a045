"""The rule language's parser: every construct, printing back to source, errors with positions."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings, strategies as st
from lark import Token
from lark.exceptions import UnexpectedInput

from leder_audit import load_rulebook
from leder_audit.errors import Origin, RuleSyntaxError
from leder_audit.language import syntax
from leder_audit.language.nodes import (Binary, Call, Duration, Field, Index, Let, ListExpr, Literal, Name, Quantifier, Unary,
                                        children, with_children)
from leder_audit.language.syntax import parse


@pytest.mark.parametrize("source, tree", [
    ('"text"', Literal("text")),
    ("'single'", Literal("single")),
    ("42", Literal(42)),
    ("4.5", Literal(4.5)),
    ("-3", Literal(-3)),
    ("true", Literal(True)),
    ("false", Literal(False)),
    ("null", Literal(None)),
    ("2024-02-29", Literal(date(2024, 2, 29))),
    ("6 months", Literal(Duration(months=6))),
    ("183 days", Literal(Duration(days=183))),
    ("2 weeks", Literal(Duration(days=14))),
    ("1 year", Literal(Duration(months=12))),
    ("person.age", Field(Name("person"), "age")),
    ("part1[-1].text", Field(Index(Name("part1"), Literal(-1)), "text")),
    ("a and b or c", Binary("or", Binary("and", Name("a"), Name("b")), Name("c"))),
    ("not a and b", Binary("and", Unary("not", Name("a")), Name("b"))),
    ("x in [1, 2]", Binary("in", Name("x"), ListExpr((Literal(1), Literal(2))))),
    ("x not in y", Binary("not in", Name("x"), Name("y"))),
    ("a + b * c", Binary("+", Name("a"), Binary("*", Name("b"), Name("c")))),
    ("a - b - c", Binary("-", Binary("-", Name("a"), Name("b")), Name("c"))),
    ("d > e + 6 months", Binary(">", Name("d"), Binary("+", Name("e"), Literal(Duration(months=6))))),
    ("any l in part1: l.text == 'x'", Quantifier("any", "l", Name("part1"), Binary("==", Field(Name("l"), "text"), Literal("x")))),
    ("all l in part1: exists(l.text)", Quantifier("all", "l", Name("part1"), Call("exists", (Field(Name("l"), "text"),)))),
    ("count(l in part1: exists(l.text)) >= 2", Binary(">=", Quantifier("count", "l", Name("part1"), Call("exists", (Field(Name("l"), "text"),))), Literal(2))),
    ("let x = a; x > 1", Let("x", Name("a"), Binary(">", Name("x"), Literal(1)))),
    ("mentions(t, c, negated=true)", Call("mentions", (Name("t"), Name("c")), (("negated", Literal(True)),))),
    ("today()", Call("today")),
    ('"a\\"b\\\\c"', Literal('a"b\\c')),
    ('"\\d+"', Literal("\\d+")),
    ("a # a comment\n and b", Binary("and", Name("a"), Name("b"))),
])
def test_every_construct_parses_to_its_node(source, tree):
    assert parse(source) == tree


@pytest.mark.parametrize("source, line, column, message, hint", [
    ("a && b", 1, 3, "unexpected character '&'", "use 'and'"),
    ("a and", 1, 6, "ends too early", "expected"),
    ("a = b", 1, 3, "unexpected '='", "'=='"),
    ("x > 2022-13-01", 1, 5, "2022-13-01 is not a real date", None),
    ("a and\n  b c", 2, 5, "unexpected 'c'", None),
    ("2.5 months", 1, 1, "whole numbers", None),
])
def test_syntax_errors_name_line_and_column(source, line, column, message, hint):
    with pytest.raises(RuleSyntaxError) as caught:
        parse(source)
    error = caught.value
    assert (error.line, error.column) == (line, column)
    assert message in error.message
    if hint:
        assert hint in (error.hint or "")
    assert "^" in str(error)


def test_syntax_error_positions_are_relative_to_the_rule_file():
    with pytest.raises(RuleSyntaxError) as caught:
        parse("a && b", Origin("rules/x.yaml", 12, 7))
    error = caught.value
    assert (error.file, error.line, error.column) == ("rules/x.yaml", 12, 9)
    assert str(error).startswith("rules/x.yaml:12:9:")


def test_errors_on_later_lines_keep_their_own_column():
    with pytest.raises(RuleSyntaxError) as caught:
        parse("a and\n  b c", Origin("r.yaml", 5, 9))
    assert (caught.value.line, caught.value.column) == (6, 5)


# A generator of syntax trees in the canonical form the parser builds.
names = st.sampled_from(["a", "b", "part1", "person", "rationale", "x1"])
literals = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=8).map(Literal),
    st.integers(-1000, 1000).map(Literal),
    st.floats(0.001, 1e6, allow_nan=False).map(lambda f: Literal(round(f, 3))).filter(lambda l: l.value != int(l.value)),
    st.booleans().map(Literal),
    st.just(Literal(None)),
    st.dates(date(1900, 1, 1), date(2100, 1, 1)).map(Literal),
    st.integers(0, 400).map(lambda n: Literal(Duration(days=n))),
    st.integers(1, 40).map(lambda n: Literal(Duration(months=n))),
)


def _extend(children):
    ops = ["and", "or", "==", "!=", "<", "<=", ">", ">=", "in", "not in", "+", "-", "*", "/"]
    return st.one_of(
        st.builds(Binary, st.sampled_from(ops), children, children),
        st.builds(Unary, st.just("not"), children),
        st.builds(Unary, st.just("-"), children).filter(lambda u: not (isinstance(u.operand, Literal) and isinstance(u.operand.value, (int, float)) and not isinstance(u.operand.value, bool) and u.operand.value >= 0)),
        st.builds(Field, children, names),
        st.builds(Index, children, children),
        st.builds(Call, st.sampled_from(["len", "exists", "mentions"]), st.lists(children, max_size=3).map(tuple),
                  st.lists(st.tuples(st.just("negated"), children), max_size=1).map(tuple)),
        st.builds(ListExpr, st.lists(children, max_size=3).map(tuple)),
        st.builds(Quantifier, st.sampled_from(["any", "all", "count"]), names, children, children),
        st.builds(Let, names, children, children),
    )


trees = st.recursive(st.one_of(literals, names.map(Name)), _extend, max_leaves=12)


@settings(max_examples=400, deadline=None)
@given(trees)
def test_printing_a_tree_and_parsing_it_again_gives_the_same_tree(tree):
    assert parse(str(tree)) == tree


@settings(max_examples=200, deadline=None)
@given(trees)
def test_a_tree_rebuilt_from_its_own_children_is_the_same_tree(tree):
    assert with_children(tree, children(tree)) == tree


@settings(max_examples=200, deadline=None)
@given(trees)
def test_rebuilding_a_tree_puts_each_new_child_in_the_place_of_the_old(tree):
    marks = [Name(f"new{i}") for i in range(len(children(tree)))]
    rebuilt = with_children(tree, marks)
    assert children(rebuilt) == tuple(marks) and type(rebuilt) is type(tree)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_parser_raises_only_its_own_syntax_error(text):
    try:
        parse(text)
    except RuleSyntaxError as error:
        assert error.line >= 1 and error.column >= 1


def test_the_stored_parser_tables_are_those_of_this_grammar_and_lark():
    assert syntax._stored_parser(syntax._grammar()) is not None, (
        "leder_audit/language/tables.json is out of date: "
        "run python -c 'from leder_audit.language.syntax import write_tables; write_tables()'")


def _outcome(parser, text):
    """What a lark parser makes of text: the tree with every token's place, or the error and what it expected."""
    try:
        tree = parser.parse(text)
    except UnexpectedInput as error:
        return (type(error).__name__, error.line, error.column, sorted(getattr(error, "expected", None) or ()),
                sorted(getattr(error, "allowed", None) or ()))
    tokens = [(t.type, str(t), t.line, t.column, t.end_column) for t in tree.scan_values(lambda v: isinstance(v, Token))]
    return tree, tokens


_SOURCES = [
    "a and b", "not any l in part1: l.text == 'x' and b", "count(l in part1: exists(l.text)) >= 2",
    "let x = 1; x + 2 months", "f(a, b=1)[0].c", "-x * (y - 3.5)", 'x in ["a", "b"] or 2024-02-29 < d',
    "a\n  and # comment\n  b", "a ==", "a & b", "(", "x = 1", "[1, 2", "f(a=1, b)", "a b", "'open", "2024-13-45x",
    "any in x: y", "", "let ; x",
]


@pytest.fixture(scope="module")
def parsers():
    """The parser loaded from tables.json, and one built from grammar.lark."""
    return syntax._stored_parser(syntax._grammar()), syntax.build_parser(syntax._grammar())


@pytest.mark.parametrize("text", _SOURCES)
def test_the_stored_tables_parse_as_the_grammar_does(parsers, text):
    stored, built = parsers
    assert _outcome(stored, text) == _outcome(built, text)


def test_the_stored_tables_parse_every_builtin_condition_as_the_grammar_does(parsers):
    stored, built = parsers
    conditions = [rule.spec.when for rule in load_rulebook().rules]
    assert conditions and all(_outcome(stored, c) == _outcome(built, c) for c in conditions)
