"""Fuzzing the rule language: any text is a condition or a located RuleSyntaxError, and any condition
that parses is checked and compiled or refused with a RuleError, never with another exception."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leder_audit.errors import RuleError, RuleSyntaxError
from leder_audit.language.check import check
from leder_audit.language.compile import compile_condition
from leder_audit.language.syntax import parse
from leder_audit.records import RECORD_MODELS
from leder_audit.text import load_concepts

# The language's own tokens, and near misses of them, so the fuzzer reaches deep into the grammar.
TOKENS = [
    "let", "=", ";", "any", "all", "in", ":", "or", "and", "not", "==", "!=", "<=", ">=", "<", ">", "+", "-",
    "*", "/", ".", "[", "]", "(", ")", ",", "count", "true", "false", "null", '"text"', "'x'", '"', "'",
    "2024-02-30", "2024-01-01", "12", "0", "1.5", "3 days", "6 months", "1 year", "#c\n", "\n", "  ",
    "rationale", "part1", "text", "lines", "person", "age", "id", "l", "x", "mentions", "matches",
    "exists", "len", "days_between", "ld_or_related", "learning_disability", "code_in", "completed",
    "negated", "mention_context", "lower", "__class__", "__import__", "-1", "99999999999999999999", "&&",
    "||", "!", "\\", "\u00e9", "\x00", "\t", "\ufeff",
]
fragments = st.lists(st.sampled_from(TOKENS), max_size=25).map(" ".join)
glued = st.lists(st.sampled_from(TOKENS), max_size=25).map("".join)
conditions = st.one_of(fragments, glued, st.text(max_size=80))
FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(conditions)
def test_the_parser_raises_nothing_but_rule_syntax_error(text):
    try:
        parse(text)
    except RuleSyntaxError as error:
        assert error.line >= 1 and error.column >= 1 and error.message


CONCEPTS = frozenset(load_concepts().names())


@FUZZ
@given(fragments, st.sampled_from(sorted(RECORD_MODELS)))
def test_checking_and_compiling_raise_nothing_but_rule_error(text, record_type):
    try:
        node = parse(text)
        check(node, RECORD_MODELS[record_type], CONCEPTS, text)
        compile_condition(node)
    except RuleError as error:
        assert error.message


# Conditions built by the grammar, so most parse and the checker and compiler see every construct.
atoms = st.sampled_from([
    "rationale", "person.age", "person", "part1", "part1[0].text", "part1[-1]", "decision_date", "date_of_death",
    "id", "l", "l.text", "true", "false", "null", "3", "2.5", '"LD"', "2024-01-01", "6 months", "[1, 2]", "[]",
    "narrative", "family.concerns_text", "care_grading", "nope", "person.nope",
])
functions = st.sampled_from(["mentions", "matches", "exists", "len", "days_between", "code_in", "completed",
                             "mention_context", "lower", "missing", "any_of", "nope"])


def _expressions(inner):
    binary = st.tuples(inner, st.sampled_from(["and", "or", "==", "!=", "<", ">=", "+", "-", "*", "/", "in", "not in"]),
                       inner).map(" ".join)
    call = st.tuples(functions, st.lists(st.one_of(inner, st.sampled_from(["ld_or_related", '"(a|b)"', '"J69"',
                                                                              "negated=true"])), max_size=3))
    return st.one_of(
        binary,
        inner.map(lambda e: f"not {e}"),
        inner.map(lambda e: f"({e})"),
        inner.map(lambda e: f"-{e}"),
        st.tuples(inner, inner).map(lambda p: f"{p[0]}[{p[1]}]"),
        call.map(lambda c: f"{c[0]}({', '.join(c[1])})"),
        st.tuples(st.sampled_from(["any", "all"]), inner, inner).map(lambda q: f"{q[0]} l in {q[1]}: {q[2]}"),
        st.tuples(inner, inner).map(lambda q: f"count(l in {q[0]}: {q[1]})"),
        st.tuples(inner, inner).map(lambda q: f"let x = {q[0]}; {q[1]}"),
    )


grammatical = st.recursive(atoms, _expressions, max_leaves=12)


@FUZZ
@given(grammatical, st.sampled_from(sorted(RECORD_MODELS)))
def test_grammatical_conditions_are_compiled_or_refused_with_rule_error(text, record_type):
    try:
        node = parse(text)
    except RuleSyntaxError:
        return
    try:
        check(node, RECORD_MODELS[record_type], CONCEPTS, text)
    except RuleError as error:
        assert error.line >= 1 and error.column >= 1
        return
    compile_condition(node)
