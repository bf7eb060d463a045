"""The tracing interpreter: the paths it gives list items, and what each step records."""

from __future__ import annotations

from datetime import date

import pytest

from leder_audit.language.compile import CONTEXT, RECORD
from leder_audit.language.functions import RunContext
from leder_audit.language.interpret import Trace, interpret
from leder_audit.language.syntax import parse
from leder_audit.records import MortalityReview
from leder_audit.text import load_concepts

CONCEPTS = load_concepts()
TODAY = date(2024, 6, 30)
REVIEW = {"id": "r", "person": {"age": 19}, "transition": {"transition_plan_documented": False},
          "death_certificate": {"id": "c", "part1": [{"text": "Sepsis"}, {"text": "Down's syndrome"}, {"text": ""}]}}


def trace_of(source: str, record: dict = REVIEW) -> tuple[object, Trace]:
    instance = MortalityReview.model_validate(record).model_dump()
    trace = Trace()
    outcome = interpret(parse(source), {RECORD: instance, CONTEXT: RunContext(today=TODAY, concepts=CONCEPTS)}, trace)
    return outcome, trace


@pytest.mark.parametrize("source, path", [
    ("any line in death_certificate.part1: mentions(line.text, ld_or_related)", "death_certificate.part1[1].text"),
    ("mentions(death_certificate.part1[1].text, ld_or_related)", "death_certificate.part1[1].text"),
    ("mentions(death_certificate.part1[-2].text, ld_or_related)", "death_certificate.part1[1].text"),
    ("mentions(death_certificate.part1[1.0].text, ld_or_related)", "death_certificate.part1[1].text"),
    ("let lines = completed(death_certificate.part1); mentions(lines[-1].text, ld_or_related)",
     "death_certificate.part1[1].text"),
    ("any line in completed(completed(death_certificate.part1)): mentions(line.text, ld_or_related)",
     "death_certificate.part1[1].text"),
    ('any word in ["Sepsis", "Down\'s syndrome"]: mentions(word, ld_or_related)', None),
])
def test_evidence_in_a_list_item_is_located_by_its_index(source, path):
    outcome, trace = trace_of(source)
    assert outcome is True
    sighting, where = trace.sightings[0]
    assert (sighting.text, where) == ("Down's syndrome", path)


def test_an_item_read_from_a_list_is_an_input_of_its_step():
    outcome, trace = trace_of("death_certificate.part1[-1].text == \"\"")
    assert outcome is True
    assert trace.steps[0].inputs == {"death_certificate.part1[2].text": ""}


def test_values_bound_between_steps_are_not_inputs_of_the_step_before():
    outcome, trace = trace_of("person.age >= 14 and (let plan = transition.transition_plan_documented; plan == false)")
    assert outcome is True
    assert [(s.expression, s.value, s.inputs) for s in trace.steps] == [
        ("person.age >= 14", True, {"person.age": 19}), ("plan == false", True, {})]


@pytest.mark.parametrize("source, paths", [
    ("health.hospital_passport == false", (("health", "hospital_passport"),)),
    ("let age = age_at(date_of_death); exists(person.age) and person.age < 14 or missing(person.age) and age < 14",
     (("person", "date_of_birth"), ("date_of_death",), ("person", "age"))),
    ('mentions(rationale, ld_or_related) and code_in(underlying_cause_icd10, "F70-F79")',
     (("rationale",), ("underlying_cause_icd10",))),
    ("len(completed(part1)) >= 2", (("part1",),)),
    ("any line in part1: mentions(line.text, ld_or_related)", (("part1",),)),
    ("let lines = completed(part1); any i in [0, 1]: i < len(lines) and mentions_only(lines[i], downs_syndrome)",
     (("part1",),)),
    ("medical_examiner.scrutiny_completed == true and (any line in completed(part1): mentions_within(line, ld_downs_autism))",
     (("medical_examiner", "scrutiny_completed"), ("part1",))),
    ("len(distinct(part2)) >= 2", (("part2",),)),
])
def test_trace_inputs_lists_every_field_path_a_trace_can_read(source, paths):
    """Rule constants (concept names, code ranges) are not fields; a loop reads the whole list it loops over, and
    a certificate line is read inside the record's Part I; a function that declares no reads gives no list."""
    from leder_audit.language.trace import trace_inputs

    assert trace_inputs(parse(source)) == paths


def test_a_function_that_declares_neither_purity_nor_its_reads_gives_no_list(monkeypatch):
    from dataclasses import replace

    from leder_audit.language.trace import trace_inputs
    from leder_audit.language.functions import FUNCTIONS

    monkeypatch.setitem(FUNCTIONS, "distinct", replace(FUNCTIONS["distinct"], pure=False))
    assert trace_inputs(parse("len(distinct(part2)) >= 2")) is None
