"""A certificate's Part I read once per record and concept gives each line the reading it gets on its own."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import given, settings, strategies as st

from leder_audit.language import functions
from leder_audit.language.functions import FUNCTIONS, RunContext
from leder_audit.text import load_concepts

CONCEPTS = load_concepts()
TODAY = date(2025, 1, 1)
READERS = ("mentions_only", "mentions_as_cause", "mentions_within")
ASKED = ("ld_downs_autism", "downs_syndrome", "genetic_ld_syndromes", "learning_disability")

WORDINGS = ["Aspiration pneumonia", "Learning disability", "Severe learning disabilities and autism", "ASD",
            "Down's syndrome", "Dementia in Down's syndrome", "Pneumonia due to learning disability",
            "Eisenmenger syndrome", "No learning disability", "Trisomy 21", "Sepsis secondary to Down syndrome",
            "Aspiration pneumonia in a man with severe learning disabilities", "", "   ", "Rett syndrome",
            "F72", "Pneumonia F70", "LD", "Cerebral palsy\nlearning disability", "Old age"]
lines = st.lists(st.fixed_dictionaries({
    "text": st.one_of(st.none(), st.sampled_from(WORDINGS)),
    "icd10": st.one_of(st.none(), st.sampled_from(["F72", "Q90.9", "J69.0", "F84.0", "Q91.3", ""])),
}), max_size=4)


def reference_reading(line: dict[str, Any], part1: list[dict[str, Any]], concept: str) -> Any:
    """One line read on its own inside the whole of Part I, as the readers are specified."""
    around = [(other.get("text") or "").replace("\n", " ") for other in part1]
    index = next(i for i, other in enumerate(part1) if other is line)
    start = sum(len(t) + 1 for t in around[:index])
    end = start + len(around[index])
    text = line.get("text")
    mentions = [] if functions._blank(text) else [
        (m, start) for m in CONCEPTS.find("\n".join(around), concept) if start <= m.start and m.end <= end]
    return functions._reading(RunContext(today=TODAY, concepts=CONCEPTS), line, concept, mentions)


def answers(context: RunContext, record: Any, line: Any, concept: str) -> list[tuple[bool, Any]]:
    found = []
    for name in READERS:
        function = FUNCTIONS[name]
        found.append((function.impl(context, record, line, concept), function.found(context, record, line, concept)))
    return found


WARM = RunContext(today=TODAY, concepts=CONCEPTS)  # kept across examples, as one run keeps it


@settings(max_examples=300, deadline=None)
@given(st.lists(lines, min_size=1, max_size=3))
def test_the_shared_reading_of_part_one_is_each_line_read_on_its_own(certificates):
    for part1 in certificates:
        record = {"record_type": "death_certificate", "part1": part1}
        for concept in ASKED:
            for line in part1:
                expected = reference_reading(line, part1, concept)
                assert functions._read_line(WARM, record, line, concept) == expected
                fresh = RunContext(today=TODAY, concepts=CONCEPTS)
                assert answers(WARM, record, line, concept) == answers(fresh, record, line, concept)


def test_a_line_read_outside_the_records_part_one_is_read_alone():
    record = {"record_type": "death_certificate", "part1": [{"text": "Eisenmenger syndrome"}, {"text": "ASD"}],
              "part2": [{"text": "ASD"}]}
    context = RunContext(today=TODAY, concepts=CONCEPTS)
    # Beneath "Eisenmenger syndrome" ASD is a septal defect; in Part II, on its own, it is autism.
    assert FUNCTIONS["mentions_only"].impl(context, record, record["part1"][1], "ld_downs_autism") is False
    assert FUNCTIONS["mentions_only"].impl(context, record, record["part2"][0], "ld_downs_autism") is True


def test_the_next_record_is_read_afresh_even_with_lines_equal_to_the_last():
    context = RunContext(today=TODAY, concepts=CONCEPTS)
    first = {"part1": [{"text": "Eisenmenger syndrome"}, {"text": "ASD"}]}
    second = {"part1": [{"text": "Pneumonia"}, {"text": "ASD"}]}
    assert FUNCTIONS["mentions_only"].impl(context, first, first["part1"][1], "ld_downs_autism") is False
    assert FUNCTIONS["mentions_only"].impl(context, second, second["part1"][1], "ld_downs_autism") is True
