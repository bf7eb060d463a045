"""Compiled closures: three-valued logic, every operator, and agreement with the reference interpreter."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings, strategies as st

from leder_audit.language.check import check
from leder_audit.language.compile import CONTEXT, MEMO, RECORD, compile_condition, compile_shared
from leder_audit.language.functions import FUNCTIONS, predicate
from leder_audit.language.functions import RunContext
from leder_audit.language.interpret import Trace, interpret
from leder_audit.language.syntax import parse
from leder_audit.records import MortalityReview
from leder_audit.text import load_concepts

CONCEPTS = load_concepts()
TODAY = date(2024, 6, 30)


def evaluate(source: str, record: dict, model=MortalityReview):
    node = parse(source)
    check(node, model, CONCEPTS.names(), source)
    instance = model.model_validate({"id": "r", **record}).model_dump()
    context = RunContext(today=TODAY, concepts=CONCEPTS)
    env = {RECORD: instance, CONTEXT: context}
    compiled = compile_condition(node)(env)
    assert interpret(node, dict(env)) == compiled
    return compiled


T, F, U = {"transition_plan_documented": True}, {"transition_plan_documented": False}, {}


@pytest.mark.parametrize("left, right, expected_and, expected_or", [
    (True, True, True, True), (True, False, False, True), (True, None, None, True),
    (False, True, False, True), (False, False, False, False), (False, None, False, None),
    (None, True, None, True), (None, False, False, None), (None, None, None, None),
])
def test_and_or_follow_kleene_three_valued_logic(left, right, expected_and, expected_or):
    record = {"transition": {"transition_plan_documented": left, "transition_lead_named": right}}
    assert evaluate("transition.transition_plan_documented and transition.transition_lead_named", record) is expected_and
    assert evaluate("transition.transition_plan_documented or transition.transition_lead_named", record) is expected_or


TRANSITION_FIELDS = ["ehc_plan", "preparation_for_adulthood_from_14", "transition_plan_documented",
                     "transition_lead_named", "information_shared_with_adult_services"]
_RANK = {False: 0, None: 1, True: 2}


@pytest.mark.parametrize("size", [3, 4, 5])
def test_chains_of_and_and_or_follow_kleene_logic_for_every_mix_of_values(size):
    import itertools

    fields = TRANSITION_FIELDS[:size]
    for values in itertools.product([True, False, None], repeat=size):
        record = {"transition": dict(zip(fields, values))}
        weakest = min(values, key=_RANK.__getitem__)
        strongest = max(values, key=_RANK.__getitem__)
        assert evaluate(" and ".join(f"transition.{f}" for f in fields), record) is weakest, values
        assert evaluate(" or ".join(f"transition.{f}" for f in fields), record) is strongest, values


@pytest.mark.parametrize("value, expected", [(True, False), (False, True), (None, None)])
def test_not_keeps_unknown_unknown(value, expected):
    assert evaluate("not transition.ehc_plan", {"transition": {"ehc_plan": value}}) is expected


@pytest.mark.parametrize("source, record, expected", [
    ("person.age >= 14", {"person": {"age": 19}}, True),
    ("person.age >= 14", {"person": {"age": 9}}, False),
    ("person.age >= 14", {"person": {}}, None),
    ("person.age >= 14", {}, None),
    ("care_grading in [5, 6]", {"care_grading": 5}, True),
    ("care_grading not in [5, 6]", {"care_grading": 5}, False),
    ("care_grading in [5, 6]", {}, None),
    ('"GP" in care_coordination.agencies_involved', {"care_coordination": {"agencies_involved": ["GP"]}}, True),
    ("len(care_coordination.agencies_involved) >= 2", {"care_coordination": {"agencies_involved": ["a", "b"]}}, True),
    ("review_completed_date > notification_date + 6 months",
     {"notification_date": "2023-01-31", "review_completed_date": "2023-07-31"}, False),
    ("review_completed_date > notification_date + 6 months",
     {"notification_date": "2023-01-31", "review_completed_date": "2023-08-01"}, True),
    ("review_completed_date - notification_date > 183 days",
     {"notification_date": "2023-01-01", "review_completed_date": "2023-07-04"}, True),
    ("review_completed_date - notification_date > 6 months",
     {"notification_date": "2023-01-01", "review_completed_date": "2023-06-01"}, False),
    ("days_between(notification_date, review_completed_date) == 31",
     {"notification_date": "2023-01-01", "review_completed_date": "2023-02-01"}, True),
    ("today() - 6 months > notification_date", {"notification_date": "2023-12-29"}, True),
    ("age_at(date_of_death) == 20", {"date_of_death": "2024-06-01", "person": {"date_of_birth": "2004-06-01"}}, True),
    ("age_at(date_of_death) == 20", {"date_of_death": "2024-05-31", "person": {"date_of_birth": "2004-06-01"}}, False),
    ("age_at(date_of_death) == 20", {"date_of_death": "2024-05-31"}, None),
    ("exists(narrative)", {"narrative": "  "}, False),
    ("missing(narrative)", {}, True),
    ("missing(care_coordination.agencies_involved)", {"care_coordination": {"agencies_involved": []}}, True),
    ('lower(area.ics) == "qwe"', {"area": {"ics": "QWE"}}, True),
    ('matches(narrative, "chok(ed|ing)")', {"narrative": "He was CHOKING at meals"}, True),
    ('code_in(death_certificate.underlying_cause_icd10, "F70-F79", "F81.9")',
     {"death_certificate": {"id": "c", "underlying_cause_icd10": "f72.1"}}, True),
    ('code_in(death_certificate.underlying_cause_icd10, "F70-F79", "F81.9")',
     {"death_certificate": {"id": "c", "underlying_cause_icd10": "F81.0"}}, False),
    ('code_in(death_certificate.underlying_cause_icd10, "F84")',
     {"death_certificate": {"id": "c", "underlying_cause_icd10": "F840"}}, True),
    ("any l in death_certificate.part1: mentions(l.text, ld_or_related)",
     {"death_certificate": {"id": "c", "part1": [{"text": "Sepsis"}, {"text": "learning disability"}]}}, True),
    ("all l in death_certificate.part1: exists(l.icd10)",
     {"death_certificate": {"id": "c", "part1": [{"icd10": "A41.9"}, {}]}}, False),
    ("any l in death_certificate.part1: l.icd10 == \"A41.9\"",
     {"death_certificate": {"id": "c", "part1": [{}, {}]}}, None),
    ("count(l in death_certificate.part1: exists(l.text)) == 2",
     {"death_certificate": {"id": "c", "part1": [{"text": "a"}, {"text": ""}, {"text": "b"}]}}, True),
    ("len(completed(death_certificate.part1)) == 2",
     {"death_certificate": {"id": "c", "part1": [{"text": "a"}, {"text": " "}, {"text": "b"}]}}, True),
    ("death_certificate.part1[5].text == \"x\"", {"death_certificate": {"id": "c", "part1": []}}, None),
    ("let age = person.age; age >= 14 and age <= 25", {"person": {"age": 25}}, True),
    ("mentions(narrative, learning_disability)", {"narrative": "not due to his learning disability"}, False),
    ("mentions(narrative, learning_disability, negated=true)", {"narrative": "not due to his learning disability"}, True),
    ('mention_context(narrative, learning_disability) == "negated"', {"narrative": "no learning disability"}, True),
    ("care_grading / 0 > 1", {"care_grading": 3}, None),
    ("len(distinct(care_coordination.agencies_involved)) == 1",
     {"care_coordination": {"agencies_involved": ["GP practice", " gp  Practice", ""]}}, True),
    ("len(distinct(care_coordination.agencies_involved)) == 2",
     {"care_coordination": {"agencies_involved": ["GP", "CLDT", "gp"]}}, True),
    ("len(distinct(care_coordination.agencies_involved)) >= 2", {}, None),
])
def test_operators_and_functions(source, record, expected):
    assert evaluate(source, record) is expected or evaluate(source, record) == expected


def test_trace_records_each_sub_condition_with_the_values_it_read():
    node = parse("person.age >= 14 and missing(transition.transition_plan_documented)")
    record = MortalityReview.model_validate({"id": "r", "person": {"age": 19}, "transition": {}}).model_dump()
    env = {RECORD: record, CONTEXT: RunContext(today=TODAY, concepts=CONCEPTS)}
    trace = Trace()
    assert interpret(node, env, trace) is True
    assert [(s.expression, s.value) for s in trace.steps] == [
        ("person.age >= 14", True), ("missing(transition.transition_plan_documented)", True)]
    assert trace.steps[0].inputs == {"person.age": 19}


def test_trace_locates_evidence_through_completed_lines():
    node = parse("mentions(completed(death_certificate.part1)[-1].text, ld_or_related)")
    record = MortalityReview.model_validate({"id": "r", "death_certificate": {"id": "c", "part1": [
        {"text": "Sepsis"}, {"text": "Down's syndrome"}, {"text": ""}]}}).model_dump()
    env = {RECORD: record, CONTEXT: RunContext(today=TODAY, concepts=CONCEPTS)}
    trace = Trace()
    assert interpret(node, env, trace) is True
    sighting, path = trace.sightings[0]
    assert path == "death_certificate.part1[1].text"
    assert (sighting.text, sighting.start, sighting.end) == ("Down's syndrome", 0, 15)


# Well-typed conditions over a mortality review, for comparing the compiler with the interpreter.
bool_fields = st.sampled_from([
    "transition.ehc_plan", "transition.transition_plan_documented", "family.invited_to_contribute",
    "dnacpr.person_has_capacity", "risks.dysphagia", "health.reasonable_adjustment_flag"])
number_leaves = st.one_of(st.sampled_from(["care_grading", "person.age", "len(care_coordination.agencies_involved)",
                                           "days_between(notification_date, review_completed_date)",
                                           "count(l in death_certificate.part1: exists(l.text))"]),
                          st.integers(-5, 40).map(str))
date_leaves = st.sampled_from(["notification_date", "review_completed_date", "date_of_death", "today()",
                               "2023-06-01", "notification_date + 6 months", "date_of_death - 2 weeks"])
numbers = st.recursive(number_leaves, lambda n: st.builds(lambda a, op, b: f"({a} {op} {b})", n,
                                                          st.sampled_from("+-*/"), n), max_leaves=4)
comparisons = st.one_of(
    st.builds(lambda a, op, b: f"{a} {op} {b}", numbers, st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), numbers),
    st.builds(lambda a, op, b: f"{a} {op} {b}", date_leaves, st.sampled_from(["<", ">=", "=="]), date_leaves),
    st.builds(lambda f: f"exists({f})", bool_fields), st.builds(lambda f: f"missing({f})", bool_fields),
    st.just("mentions(dnacpr.rationale, ld_or_related)"),
    st.just("any l in death_certificate.part1: mentions(l.text, ld_or_related)"),
    st.just('all l in death_certificate.part1: code_in(l.icd10, "F70-F79")'),
    st.builds(lambda n: f"care_grading in [{n}, 6]", st.integers(1, 6)),
    bool_fields,
)
conditions = st.recursive(comparisons, lambda c: st.one_of(
    st.builds(lambda a, b: f"({a} and {b})", c, c), st.builds(lambda a, b: f"({a} or {b})", c, c),
    st.builds(lambda a: f"not {a}", c), st.builds(lambda a, b: f"(let v = {a}; v or {b})", c, c)), max_leaves=6)

maybe_bool = st.one_of(st.none(), st.booleans())
maybe_date = st.one_of(st.none(), st.dates(date(2019, 1, 1), date(2025, 1, 1)).map(str))
lines = st.lists(st.fixed_dictionaries({"text": st.sampled_from(["Sepsis", "", "learning disability", "no LD", "Down's syndrome"]),
                                        "icd10": st.one_of(st.none(), st.sampled_from(["F72", "J69.0"]))}), max_size=4)
reviews = st.fixed_dictionaries({
    "notification_date": maybe_date, "review_completed_date": maybe_date, "date_of_death": maybe_date,
    "care_grading": st.one_of(st.none(), st.integers(1, 6)),
    "person": st.fixed_dictionaries({"age": st.one_of(st.none(), st.integers(0, 100))}),
    "transition": st.fixed_dictionaries({"ehc_plan": maybe_bool, "transition_plan_documented": maybe_bool}),
    "family": st.one_of(st.none(), st.fixed_dictionaries({"invited_to_contribute": maybe_bool})),
    "risks": st.fixed_dictionaries({"dysphagia": maybe_bool}),
    "health": st.fixed_dictionaries({"reasonable_adjustment_flag": maybe_bool}),
    "care_coordination": st.one_of(st.none(), st.fixed_dictionaries({"agencies_involved": st.lists(st.sampled_from(["GP", "SALT"]), max_size=3)})),
    "death_certificate": st.one_of(st.none(), st.fixed_dictionaries({"id": st.just("c"), "part1": st.one_of(st.none(), lines)})),
    "dnacpr": st.one_of(st.none(), st.fixed_dictionaries({"id": st.just("d"), "person_has_capacity": maybe_bool,
                                                          "rationale": st.sampled_from(["frail", "LD", "not due to LD"])})),
})


@settings(max_examples=300, deadline=None)
@given(conditions, reviews)
def test_compiled_evaluation_equals_the_reference_interpreter(source, data):
    node = parse(source)
    check(node, MortalityReview, CONCEPTS.names(), source)
    record = MortalityReview.model_validate({"id": "r", **data}).model_dump()
    context = RunContext(today=TODAY, concepts=CONCEPTS)
    compiled = compile_condition(node)({RECORD: record, CONTEXT: context})
    interpreted = interpret(node, {RECORD: record, CONTEXT: context}, Trace())
    assert compiled is interpreted or compiled == interpreted
    assert compiled in (True, False, None)


# Rules of one record type compiled together share their common sub-expressions through MEMO.
shared_pool = st.sampled_from([
    "age_at(date_of_death) >= 14", "age_at(date_of_death) < 14",
    "exists(notification_date) and today() > notification_date + 6 months",
    "review_completed_date > notification_date + 6 months",
    "let a = age_at(date_of_death); exists(a) and a >= 14 and a <= 25",
    "let a = age_at(date_of_death); let young = exists(a) and a < 18; young or care_grading >= 5",
    "let young = exists(person.age) and person.age < 18; young and transition.ehc_plan == false",
    "let lines = completed(death_certificate.part1); len(lines) >= 1 and mentions(lines[-1].text, ld_or_related)",
    "let lines = completed(death_certificate.part1); len(lines) >= 2 and not mentions(lines[-1].text, ld_or_related)",
    "mentions(dnacpr.rationale, ld_or_related) or missing(dnacpr.rationale)",
    # Quantifiers are shared whole: their own variable is read item by item inside them.
    "any l in death_certificate.part1: mentions(l.text, ld_or_related)",
    "exists(death_certificate.part1) and (any l in death_certificate.part1: mentions(l.text, ld_or_related))",
    "let lines = completed(death_certificate.part1); any i in [0, 1, 2]: i < len(lines) and mentions(lines[i].text, ld_or_related)",
    "let lines = completed(death_certificate.part1); any i in [0, 1, 2]: i + 1 < len(lines) and mentions(lines[i + 1].text, ld_or_related)",
    "let lines = death_certificate.part1; any i in [0, 1, 2]: i < len(lines) and mentions(lines[i].text, ld_or_related)",
    "any a in care_coordination.agencies_involved: any l in death_certificate.part1: l.text == a",
    "any a in care_coordination.agencies_involved: a == \"GP\"",
    "all a in care_coordination.agencies_involved: any l in death_certificate.part1: l.text != a",
    "count(l in death_certificate.part1: exists(l.text)) >= 2",
])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(shared_pool, conditions), min_size=1, max_size=6), reviews)
def test_conditions_compiled_together_agree_with_the_interpreter_one_by_one(sources, data):
    nodes = [parse(source) for source in sources]
    for node, source in zip(nodes, sources):
        check(node, MortalityReview, CONCEPTS.names(), source)
    record = MortalityReview.model_validate({"id": "r", **data}).model_dump()
    context = RunContext(today=TODAY, concepts=CONCEPTS)
    env = {RECORD: record, CONTEXT: context, MEMO: {}}  # one MEMO for the record, as the engine keeps it
    for node, compiled in zip(nodes, compile_shared(nodes)):
        expected = interpret(node, {RECORD: record, CONTEXT: context}, Trace())
        value = compiled(env)
        assert value is expected or value == expected


def test_a_sub_expression_several_rules_share_is_computed_once_per_record(age_at_calls):
    calls = age_at_calls
    sources = ["age_at(date_of_death) >= 14",
               "let a = age_at(date_of_death); exists(a) and a <= 25",
               "let derived = age_at(date_of_death); let teen = derived >= 13 and derived <= 19; teen"]
    nodes = [parse(s) for s in sources]
    record = MortalityReview.model_validate({"id": "r", "date_of_death": "2024-01-01",
                                             "person": {"date_of_birth": "2008-06-01"}}).model_dump()
    context = RunContext(today=TODAY, concepts=CONCEPTS)
    env = {RECORD: record, CONTEXT: context, MEMO: {}}
    assert [compiled(env) for compiled in compile_shared(nodes)] == [True, True, True]
    assert len(calls) == 1
    calls.clear()
    assert [compile_condition(node)({RECORD: record, CONTEXT: context}) for node in nodes] == [True, True, True]
    assert len(calls) == 3  # compiled one by one, each rule computes it itself


def test_a_let_that_two_rules_share_is_not_confused_with_a_different_let_of_the_same_name():
    nodes = [parse("let x = person.age; x >= 18"), parse("let x = care_grading; x >= 5")]
    record = MortalityReview.model_validate({"id": "r", "care_grading": 2, "person": {"age": 40}}).model_dump()
    context = RunContext(today=TODAY, concepts=CONCEPTS)
    env = {RECORD: record, CONTEXT: context, MEMO: {}}
    assert [compiled(env) for compiled in compile_shared(nodes)] == [True, False]


def test_a_quantifier_several_rules_share_is_computed_once_per_record(monkeypatch):
    calls = []
    mentions = FUNCTIONS["mentions"]

    def counted(ctx, *args, **keywords):
        calls.append(args)
        return mentions.found(ctx, *args, **keywords)

    monkeypatch.setitem(FUNCTIONS, "mentions", predicate(mentions.name, mentions.params, mentions.doc, counted,
                                                         keywords=mentions.keywords, pure=mentions.pure))
    loop = "any l in completed(death_certificate.part1): mentions(l.text, ld_or_related)"
    sources = [loop, f"exists(dnacpr.rationale) and ({loop})", f"let named = {loop}; named or care_grading >= 5"]
    nodes = [parse(s) for s in sources]
    record = MortalityReview.model_validate({"id": "r", "care_grading": 2, "dnacpr": {"id": "d", "rationale": "frail"},
                                             "death_certificate": {"id": "c", "part1": [
                                                 {"text": "Pneumonia"}, {"text": "Sepsis"}]}}).model_dump()
    context = RunContext(today=TODAY, concepts=CONCEPTS)
    env = {RECORD: record, CONTEXT: context, MEMO: {}}
    assert [compiled(env) for compiled in compile_shared(nodes)] == [False, False, False]
    assert len(calls) == 2  # one call a line, once for the three rules
    calls.clear()
    assert [compile_condition(node)({RECORD: record, CONTEXT: context}) for node in nodes] == [False, False, False]
    assert len(calls) == 6


def test_a_quantifier_that_reads_the_variable_of_a_loop_around_it_is_not_shared_outside_that_loop():
    inner = "any l in death_certificate.part1: l.text == a"
    nodes = [parse(f"any a in care_coordination.agencies_involved: {inner}"),
             parse(f"all a in care_coordination.agencies_involved: {inner}")]
    record = MortalityReview.model_validate({"id": "r", "care_coordination": {"agencies_involved": ["GP", "SALT"]},
                                             "death_certificate": {"id": "c", "part1": [{"text": "GP"}]}}).model_dump()
    context = RunContext(today=TODAY, concepts=CONCEPTS)
    env = {RECORD: record, CONTEXT: context, MEMO: {}}
    assert [compiled(env) for compiled in compile_shared(nodes)] == [True, False]
