"""The explaining closures give what the reference interpreter gives: the outcome, every step with the values it
read, and the evidence with where it was found; and their outcome is the deciding closures' outcome."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any, Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leder_audit.errors import InputError
from leder_audit.generate import generate_records
from leder_audit.intake import record_data
from leder_audit.language.check import check
from leder_audit.language.compile import CONTEXT, MEMO, RECORD
from leder_audit.language import compile as compile_module
from leder_audit.language.compile import Compiler, compile_condition, compile_explainer, compile_shared
from leder_audit.language.functions import FUNCTIONS, RunContext
from leder_audit.language.interpret import interpret
from leder_audit.language.syntax import parse
from leder_audit.language.trace import Trace
from leder_audit.records import RECORD_MODELS, MortalityReview, parts_of

from .conftest import AS_OF
from .test_language_compile import CONCEPTS, TODAY, conditions, reviews


def traced(trace: Trace) -> tuple[list[Any], list[Any]]:
    """A trace as plain values to compare: each step, and each piece of evidence with its path."""
    return ([(s.expression, s.value, s.inputs) for s in trace.steps],
            [(s.text, s.start, s.end, s.context, s.field, path) for s, path in trace.sightings])


def reference(node: Any, record: dict[str, Any], context: RunContext) -> tuple[Any, Any]:
    trace = Trace()
    outcome = interpret(node, {RECORD: record, CONTEXT: context}, trace)
    return outcome, traced(trace)


def explained(explainer: Any, record: dict[str, Any], context: RunContext) -> tuple[Any, Any]:
    outcome, trace = explainer({RECORD: record, CONTEXT: context})
    return outcome, traced(trace)


@settings(max_examples=300, deadline=None)
@given(conditions, reviews)
def test_a_condition_is_explained_as_the_reference_interpreter_explains_it(source, data):
    node = parse(source)
    check(node, MortalityReview, CONCEPTS.names(), source)
    record = MortalityReview.model_validate({"id": "r", **data}).model_dump()
    context = RunContext(today=TODAY, concepts=CONCEPTS)
    assert explained(compile_explainer(node), record, context) == reference(node, record, context)


# Conditions whose values are read through variables: lets of parts and lists, loops over kept lines, a loop
# inside a loop over the same name, items found by position, lists that keep their items' paths.
_through_variables = st.sampled_from([
    "any l in death_certificate.part1: (any l in completed(death_certificate.part1): mentions(l.text, ld_or_related))"
    " and exists(l.text)",
    "let lines = completed(death_certificate.part1); any i in [0, 1, 2]: i < len(lines)"
    " and mentions_only(lines[i], ld_downs_autism)",
    "let c = death_certificate; let lines = c.part1; exists(lines) and mentions(lines[-1].text, ld_or_related)",
    "count(l in completed(death_certificate.part1): mentions_within(l, ld_downs_autism)) >= 1",
    "any l in completed(completed(death_certificate.part1)): coded_as(l.icd10, ld_downs_autism)",
    "let d = dnacpr; not mentions(d.rationale, ld_or_related) or d.person_has_capacity",
    "any a in care_coordination.agencies_involved: any l in death_certificate.part1: l.text != a",
    "(let l = death_certificate.part1; l)[0].text == \"Sepsis\"",
    "let l = death_certificate.part1; (any l in completed(l): mentions_as_cause(l, ld_downs_autism)) or len(l) > 2",
    "all l in completed(death_certificate.part1): not mentions(l.text, ld_or_related, negated=true)",
])
_explained_conditions = st.recursive(st.one_of(_through_variables.map(lambda c: f"({c})"), conditions), lambda c: st.one_of(
    st.builds(lambda a, b: f"({a} and {b})", c, c), st.builds(lambda a, b: f"({a} or {b})", c, c),
    st.builds(lambda a: f"not {a}", c),
    st.builds(lambda a: f"(any l in death_certificate.part1: exists(l.text) and {a})", c),
    st.builds(lambda a, b: f"(let lines = completed(death_certificate.part1); {a} or len(lines) == 1 and {b})", c, c)),
    max_leaves=4)


@settings(max_examples=300, deadline=None)
@given(_explained_conditions, reviews)
def test_conditions_read_through_variables_are_explained_and_decided_as_the_reference_does(source, data):
    node = parse(source)
    check(node, MortalityReview, CONCEPTS.names(), source)
    record = MortalityReview.model_validate({"id": "r", **data}).model_dump()
    context = RunContext(today=TODAY, concepts=CONCEPTS)
    expected = reference(node, record, context)
    assert explained(compile_explainer(node), record, context) == expected
    decided = compile_condition(node)({RECORD: record, CONTEXT: context})
    assert decided is expected[0] or decided == expected[0]
    shared = compile_shared([node])[0]({RECORD: record, CONTEXT: context, MEMO: {}})
    assert shared is expected[0] or shared == expected[0]


def _closures(function: Any) -> Iterator[Any]:
    """A closure and every closure it holds, however deep."""
    seen: set[int] = set()
    waiting = [function]
    while waiting:
        current = waiting.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        for cell in getattr(current, "__closure__", None) or ():
            held = cell.cell_contents
            items = held if isinstance(held, (list, tuple)) else [held]
            waiting += [item for item in items if callable(item) and hasattr(item, "__code__")]


# What the explaining build adds to the deciding one: none of it may be reached from what the deciding build makes.
_RECORDING = ("_noted.", "_noted_field.", "_noted_index.", "_placed.", "_value_placed.", "_items_placed.",
              "_item_placed.", "_scoped.", "_no_evidence.", "_step.", "_found_with_constants.",
              "Compiler._explained_call.")


@settings(max_examples=200, deadline=None)
@given(_explained_conditions)
def test_the_deciding_build_holds_no_recording_and_the_explaining_build_records(source):
    node = parse(source)
    check(node, MortalityReview, CONCEPTS.names(), source)

    def recording(built: Any) -> set[str]:
        return {closure.__code__.co_qualname for closure in _closures(built)
                if closure.__code__.co_filename == compile_module.__file__
                and closure.__code__.co_qualname.startswith(_RECORDING)}

    for deciding in (compile_condition(node), *compile_shared([node, node])):
        assert not recording(deciding), source
    assert "_step.<locals>.run" in recording(Compiler(explaining=True).compile(node, top=True))


def test_an_explaining_build_shares_nothing():
    with pytest.raises(ValueError):
        Compiler(shared=frozenset(), explaining=True)


@pytest.mark.parametrize("source, record, evidence", [
    # Only the items of a loop that hold are evidence, and what a negated condition found is not.
    ("any l in part1: mentions(l.text, ld_or_related)",
     {"part1": [{"text": "Sepsis"}, {"text": "Down's syndrome"}]}, [("Down's syndrome", "part1[1].text")]),
    ("mentions(part1[0].text, ld_or_related) and not mentions(part1[1].text, ld_or_related)",
     {"part1": [{"text": "Learning disability"}, {"text": "Sepsis"}]}, [("Learning disability", "part1[0].text")]),
    ("not mentions(part1[0].text, ld_or_related)", {"part1": [{"text": "Learning disability"}]}, []),
    # A line read by a certificate reader names the field it was found in.
    ("let lines = completed(part1); mentions_only(lines[-1], ld_downs_autism)",
     {"part1": [{"text": "Sepsis"}, {"text": ""}, {"text": "", "icd10": "F72"}]}, [("F72", "part1[2].icd10")]),
])
def test_evidence_is_what_held_with_the_path_it_was_found_at(source, record, evidence):
    from leder_audit.records import DeathCertificate

    node = parse(source)
    check(node, DeathCertificate, CONCEPTS.names(), source)
    data = DeathCertificate.model_validate({"id": "c", **record}).model_dump()
    context = RunContext(today=TODAY, concepts=CONCEPTS)
    outcome, (_, sightings) = explained(compile_explainer(node), data, context)
    assert [(text, path) for text, _, _, _, _, path in sightings] == evidence
    assert (outcome, (_, sightings)) == reference(node, data, context)


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The paths of every value in a record, parts and lists included, but not its id or type."""
    found = [path] if path and path[-1] not in ("id", "record_type") else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _leaves(item, (*path, index))
    return found


def _with(record: Any, path: tuple[Any, ...], value: Any) -> None:
    for step in path[:-1]:
        record = record[step]
    record[path[-1]] = value


# What a record's values may become: unknown, blank, another of the same kind, or a word a rule reads for.
_CHANGES = st.sampled_from([None, "", "   ", True, False, 0, 3, 30, "2024-02-29", "Learning disability",
                            "Down's syndrome", "Pneumonia due to learning disability", "F72", "Q90.9", "not for CPR"])


@st.composite
def generated_records(draw: Any, record_type: str) -> dict[str, Any]:
    """A generated record of the type, with some of its values changed to unknown, blank or other values."""
    seed = draw(st.integers(0, 10_000))
    rate = draw(st.sampled_from([0.0, 0.5, 1.0]))
    record = next(r for r in generate_records(40, seed=seed, problem_rate=rate) if r["record_type"] == record_type)
    for _ in range(draw(st.integers(0, 4))):
        leaves = _leaves(record)  # again after each change: a part changed to a value has no leaves left
        _with(record, leaves[draw(st.integers(0, len(leaves) - 1))], draw(_CHANGES))
    return record


@pytest.mark.parametrize("record_type", sorted(RECORD_MODELS))
def test_every_rule_explains_generated_records_as_the_reference_interpreter_does(book, record_type):
    decide = {rule.id: compiled for plan in book.plans.values() for rule, compiled in plan}
    context = RunContext(today=AS_OF, concepts=book.concepts)

    @settings(max_examples=120, deadline=None)
    @given(generated_records(record_type))
    def every_rule(raw):
        try:
            record = record_data(raw)
        except InputError:
            return  # a change that the record's model refuses: intake rejects it before any rule runs
        for part, _ in parts_of(record):
            env = {RECORD: part, CONTEXT: context, MEMO: {}}
            for rule in book.by_type[part["record_type"]]:
                expected = reference(rule.condition, part, context)
                assert explained(book.explainers[rule.id], part, context) == expected, rule.id
                outcome = decide[rule.id](env)
                assert outcome is expected[0] or outcome == expected[0], rule.id

    every_rule()


LANGUAGE = Path(__file__).resolve().parents[1] / "leder_audit" / "language"


def _imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}


def test_the_reference_interpreter_takes_nothing_from_the_compilers_it_checks():
    assert not _imported(LANGUAGE / "interpret.py") & {"compile", "generate"}


@pytest.mark.parametrize("module", ["check.py", "compile.py", "generate.py", "trace.py", "interpret.py", "semantics.py",
                                    "../engine.py", "../rulebook.py"])
def test_no_phase_knows_a_rule_function_by_its_name(module):
    source = (LANGUAGE / module).read_text(encoding="utf-8")
    named = [name for name in FUNCTIONS if f'"{name}"' in source or f"'{name}'" in source]
    assert not named, f"{module} names {named}: declare what it needs in the function registry"
