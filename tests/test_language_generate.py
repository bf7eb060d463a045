"""The generated deciding functions give what the reference interpreter and the closures give, share what the
closures share, and are made of fixed templates only: no rule's text or names reach their source."""

from __future__ import annotations

import ast
import re
from dataclasses import replace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from leder_audit import load_rulebook
from leder_audit.language.check import check
from leder_audit.language.compile import CONTEXT, MEMO, RECORD, compile_shared
from leder_audit.language.functions import RunContext
from leder_audit.language.generate import generate_shared, generated_source
from leder_audit.language.interpret import Trace, interpret
from leder_audit.language.nodes import Call, Literal, Node, children, with_children
from leder_audit.language.syntax import parse
from leder_audit.records import MortalityReview

from .test_language_compile import CONCEPTS, TODAY, conditions, reviews, shared_pool
from .test_language_explain import _explained_conditions


def _record(data: dict[str, Any]) -> dict[str, Any]:
    return MortalityReview.model_validate({"id": "r", **data}).model_dump()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(shared_pool, conditions, _explained_conditions), min_size=1, max_size=6), reviews)
def test_generated_functions_decide_as_the_interpreter_and_the_closures_do(sources, data):
    nodes = [parse(source) for source in sources]
    for node, source in zip(nodes, sources):
        check(node, MortalityReview, CONCEPTS.names(), source)
    record = _record(data)
    context = RunContext(today=TODAY, concepts=CONCEPTS)
    generated_env = {RECORD: record, CONTEXT: context, MEMO: {}}  # one MEMO for the record, as the engine keeps it
    closures_env = {RECORD: record, CONTEXT: context, MEMO: {}}
    for node, generated, closure in zip(nodes, generate_shared(nodes), compile_shared(nodes)):
        expected = interpret(node, {RECORD: record, CONTEXT: context}, Trace())
        value = generated(generated_env)
        assert value is expected or value == expected
        assert type(value) is type(expected)
        closed = closure(closures_env)
        assert value is closed or value == closed


def test_a_sub_expression_several_rules_share_is_computed_once_per_record(age_at_calls):
    calls = age_at_calls
    sources = ["age_at(date_of_death) >= 14",
               "let a = age_at(date_of_death); exists(a) and a <= 25",
               "let derived = age_at(date_of_death); let teen = derived >= 13 and derived <= 19; teen",
               "any i in [1, 2]: age_at(date_of_death) > i"]
    nodes = [parse(s) for s in sources]
    record = _record({"date_of_death": "2024-01-01", "person": {"date_of_birth": "2008-06-01"}})
    env = {RECORD: record, CONTEXT: RunContext(today=TODAY, concepts=CONCEPTS), MEMO: {}}
    assert [decide(env) for decide in generate_shared(nodes)] == [True, True, True, True]
    assert len(calls) == 1


def test_a_let_that_two_rules_share_is_not_confused_with_a_different_let_of_the_same_name():
    nodes = [parse("let x = person.age; x >= 18"), parse("let x = care_grading; x >= 5"),
             parse("let x = care_grading; (any x in [1, 9]: x >= 5) and x < 5")]
    env = {RECORD: _record({"care_grading": 2, "person": {"age": 40}}),
           CONTEXT: RunContext(today=TODAY, concepts=CONCEPTS), MEMO: {}}
    assert [decide(env) for decide in generate_shared(nodes)] == [True, False, True]


def test_a_rule_that_fails_raises_and_the_next_rule_still_decides():
    nodes = [parse("care_grading + 1 > 2"), parse("care_grading >= 1")]
    decide = generate_shared(nodes)
    env = {RECORD: {"care_grading": "two"}, CONTEXT: RunContext(today=TODAY, concepts=CONCEPTS), MEMO: {}}
    try:
        decide[0](env)
    except TypeError:
        pass
    else:
        raise AssertionError("text plus a number must fail as the closures fail")
    env[RECORD] = {"care_grading": 3}
    assert decide[1](env) is True


# What generated source may hold: the generator's own names, the language's constants, and numbers.
_OWN_NAME = re.compile(r"(?:k|t|v)\d+")
_FIXED_NAMES = {"make", "decide", "env", "rec", "ctx", "m", "type", "dict", "list", "None", "True", "False"}


def _names_and_constants(source: str) -> tuple[set[str], set[Any]]:
    tree = ast.parse(source)
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    names |= {a.arg for n in ast.walk(tree) if isinstance(n, ast.arguments) for a in n.args}
    names |= {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    names |= {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    constants = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)}
    return names, constants


def _is_template_only(source: str) -> bool:
    names, constants = _names_and_constants(source)
    return all(_OWN_NAME.fullmatch(n) or n in _FIXED_NAMES or n == "get" for n in names) \
        and all(c is None or isinstance(c, (bool, int)) for c in constants)


def test_every_built_in_rule_is_generated_from_templates_only():
    book = load_rulebook()
    for typed in book.by_type.values():
        for source, _ in generated_source([rule.condition for rule in typed]):
            assert _is_template_only(source), source


def _with_literals(node: Node, text: str, number: int, counter: list[int]) -> Node:
    """The node with each text and number literal replaced by one of its own, made from `text` and `number` and
    its place (not a function's literal argument, a regex or a code, which must be one to be loaded at all)."""
    if isinstance(node, Call):
        return with_children(node, [child if isinstance(child, Literal) else _with_literals(child, text, number, counter)
                                    for child in children(node)])
    if isinstance(node, Literal):
        value = node.value
        counter[0] += 1
        if isinstance(value, str):
            return replace(node, value=f"{text}{counter[0]}")
        if isinstance(value, int) and not isinstance(value, bool):
            return replace(node, value=number * 1000 + counter[0])
        return node
    kids = children(node)
    return with_children(node, [_with_literals(child, text, number, counter) for child in kids]) if kids else node


_odd_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(shared_pool, conditions), min_size=1, max_size=4), _odd_text, st.integers(-10**6, 10**6))
def test_no_literal_of_a_rule_changes_the_structure_of_its_generated_code(sources, text, number):
    # Each literal made unlike every other, first plainly and then from the drawn text and number: which
    # sub-expressions are equal (and so shared) is then the same in both, and only the values differ.
    nodes = [parse(source) for source in sources]
    counter = [0]
    plain = [_with_literals(node, "x", 0, counter) for node in nodes]
    counter = [0]
    drawn = [_with_literals(node, text, number, counter) for node in nodes]
    generated = generated_source(drawn)
    assert [source for source, _ in generated_source(plain)] == [source for source, _ in generated]
    assert all(_is_template_only(source) for source, _ in generated)


def test_field_and_variable_names_never_reach_the_source():
    first = parse('let quux = person.age; any zed in [1, 2]: quux > zed and exists(family.invited_to_contribute)')
    second = parse('let a = risks.dysphagia; any b in [7, 8]: a > b and exists(health.reasonable_adjustment_flag)')
    (one, _), = generated_source([first])
    (other, _), = generated_source([second])
    assert one == other
    for word in ("quux", "zed", "person", "age", "family", "invited"):
        assert word not in one


def test_a_condition_nested_deeper_than_python_nests_blocks_is_decided_by_the_closures():
    source = "".join(f"any l{i} in [1]: " for i in range(45)) + "exists(care_grading)"
    nodes = [parse(source), parse("exists(care_grading)")]
    env = {RECORD: {"care_grading": 3}, CONTEXT: RunContext(today=TODAY, concepts=CONCEPTS), MEMO: {}}
    assert [decide(env) for decide in generate_shared(nodes)] == [True, True]
    env = {RECORD: {"care_grading": None}, CONTEXT: RunContext(today=TODAY, concepts=CONCEPTS), MEMO: {}}
    assert [decide(env) for decide in generate_shared(nodes)] == [False, False]
