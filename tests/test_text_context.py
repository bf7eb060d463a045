"""Context of mentions: negation, other people, hypothetical, history and scope."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leder_audit.text import Context, classify, load_concepts

CONCEPTS = load_concepts()


def labels(text: str, concept: str = "ld_or_related") -> list[str]:
    return [m.context.label for m in CONCEPTS.find(text, concept)]


AFFIRMED = [
    "Severe learning disabilities, poor quality of life",
    "Downs syndrome and frailty",
    "Down’s syndrome, dementia",
    "PMLD; bed bound",
    "LD and frail",
    "Not for CPR due to learning disability",
    "No CPR: learning disability",
    "Has autism and is non-verbal",
    "DNACPR because of his LD",
    "not for resuscitation - profound learning disability",
    "Frailty; also has learning disability",
    "No escalation. Learning disability and poor quality of life",
    "not only his learning disability but also his frailty",
    "CPR would not be successful because of his Down's syndrome",
    "Does not understand, has severe learning disability",
    "Unable to consent due to learning disability",
    "No to CPR - learning disabilities",
    "Do not attempt CPR: Down's syndrome",
    "DNACPR - Downs syndrome, not able to communicate",
    "learning disability and not for escalation",
    "Lacks capacity, learning disability",
    "Patient has autism",
    "History of learning disability",
    "Not appropriate for resuscitation given learning disability",
]


@pytest.mark.parametrize("text", AFFIRMED)
def test_affirmed_mentions(text: str) -> None:
    mentions = CONCEPTS.find(text, "ld_or_related")
    assert mentions and all(m.affirmed for m in mentions), [m.context for m in mentions]


NEGATED = [
    ("Decision not based on his learning disability; end-stage COPD", "not based on"),
    ("not due to his learning disability", "not due to"),
    ("LD is not a reason for this decision", "is not a reason"),
    ("Learning disability should never be a reason", "should never be a reason"),
    ("learning disability not relevant to this decision", "not relevant"),
    ("no learning disability", "no"),
    ("The decision is not due to her Down's syndrome but to end-stage heart failure", "not due to"),
    ("DNACPR not because of his autism", "not because of"),
    ("Decision made irrespective of learning disability", "irrespective of"),
    ("regardless of his Down's syndrome", "regardless of"),
    ("frailty, unrelated to learning disability", "unrelated to"),
    ("not related to his LD", "not related to"),
    ("No evidence of learning disability", "no evidence of"),
    ("Denies autism", "denies"),
    ("without learning disability", "without"),
    ("His learning disability is not the reason", "is not the reason"),
    ("Learning disability: not applicable", "not applicable"),
]


@pytest.mark.parametrize(("text", "trigger"), NEGATED)
def test_negated_mentions(text: str, trigger: str) -> None:
    mentions = CONCEPTS.find(text, "ld_or_related")
    assert [m.context.label for m in mentions] == ["negated"]
    assert trigger in mentions[0].context.triggers
    assert not mentions[0].affirmed


OTHER_OR_HYPOTHETICAL = [
    ("family worried the DNACPR was because of his learning disability", "other_experiencer"),
    ("Mother concerned that the decision was due to his autism", "other_experiencer"),
    ("Sister has Down's syndrome", "other_experiencer"),
    ("Family history of autism", "other_experiencer"),
    ("According to family, the decision was made because of his learning disability",
     "other_experiencer"),
    ("Carers said it was because of his LD", "other_experiencer"),
    ("His brother has learning disabilities", "other_experiencer"),
    ("ask family re learning disability", "hypothetical"),
    ("If autism is confirmed, refer on", "hypothetical"),
    ("Consider assessment for learning disability", "hypothetical"),
    ("Worried that the decision was based on his Down's syndrome", "hypothetical"),
    ("Awaiting autism assessment", "hypothetical"),
]


@pytest.mark.parametrize(("text", "label"), OTHER_OR_HYPOTHETICAL)
def test_other_person_and_hypothetical_are_not_affirmed(text: str, label: str) -> None:
    mentions = CONCEPTS.find(text, "ld_or_related")
    assert [m.context.label for m in mentions] == [label]
    assert not mentions[0].affirmed


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Scope of a negation ends at the sentence, a semicolon, "but" and a colon.
        ("No CPR. Learning disability", ["affirmed"]),
        ("Not for escalation; learning disability", ["affirmed"]),
        ("Not COPD but learning disability", ["affirmed"]),
        ("No escalation: learning disability", ["affirmed"]),
        ("no pneumonia, however learning disability", ["affirmed"]),
        ("Not due to his LD; due to frailty and autism", ["negated", "affirmed"]),
        ("No learning disability or autism", ["negated", "negated"]),
        ("Family worried. Learning disability noted", ["affirmed"]),
        ("Mother well. He has Down's syndrome", ["affirmed"]),
        ("Sister is a nurse and the patient has autism", ["affirmed"]),
    ],
)
def test_scope_ends_at_terminators(text: str, expected: list[str]) -> None:
    assert labels(text) == expected


def test_history_is_historical_but_affirmed() -> None:
    [mention] = CONCEPTS.find("Past history of learning disability", "learning_disability")
    assert mention.context.temporality == "historical"
    assert mention.context.label == "historical"
    assert mention.affirmed


def test_classify_alone_reads_a_span() -> None:
    text = "The chest x-ray showed no pneumonia."
    start = text.index("pneumonia")
    context = classify(text, start, start + len("pneumonia"))
    assert context == Context(negated=True, experiencer="patient", temporality="recent", triggers=("no",))


def test_classify_without_triggers_is_affirmed() -> None:
    assert classify("pneumonia", 0, 9).label == "affirmed"


def test_classify_rejects_a_span_outside_the_text() -> None:
    with pytest.raises(ValueError):
        classify("short", 2, 40)


@pytest.mark.parametrize(
    ("context", "label", "affirmed"),
    [
        (Context(False, "patient", "recent"), "affirmed", True),
        (Context(True, "patient", "recent"), "negated", False),
        (Context(False, "other", "recent"), "other_experiencer", False),
        (Context(False, "patient", "hypothetical"), "hypothetical", False),
        (Context(False, "patient", "historical"), "historical", True),
    ],
)
def test_context_label_and_affirmed(context: Context, label: str, affirmed: bool) -> None:
    assert (context.label, context.affirmed) == (label, affirmed)


# Not "ward" or "seen": "Downs Ward" is a ward and "seen by ID" the infectious diseases team.
NEUTRAL_WORDS = ["frail", "elderly", "COPD", "dementia", "bed", "bound", "with", "and", "severe",
                 "heart", "failure", "poor", "mobility", "weak", "today", "chair", "the", "in"]


@settings(max_examples=300, deadline=None)
@given(
    text=st.sampled_from(AFFIRMED),
    before=st.lists(st.sampled_from(NEUTRAL_WORDS), max_size=6),
    after=st.lists(st.sampled_from(NEUTRAL_WORDS), max_size=6),
)
def test_unrelated_words_never_remove_an_affirmed_mention(
    text: str, before: list[str], after: list[str]
) -> None:
    padded = " ".join([*before, text, *after])
    shift = len(" ".join(before)) + (1 if before else 0)
    original = [(m.start + shift, m.end + shift) for m in CONCEPTS.find(text, "ld_or_related") if m.affirmed]
    kept = [(m.start, m.end) for m in CONCEPTS.find(padded, "ld_or_related") if m.affirmed]
    # A neutral word may widen a mention ("severe" + "learning disability"), never remove it.
    assert all(any(s <= start and end <= e for s, e in kept) for start, end in original)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A condition written as uncertain, then named again with nothing of its own: still queried.
        ("Presumed ID. Not for CPR in view of ID.", ["background", "uncertain"]),
        ("Possible ASD. DNACPR - autism, frailty.", ["uncertain", "uncertain"]),
        ("? LD - not for CPR given LD.", ["uncertain", "uncertain"]),
        # Another condition queried, or the same one stated by its own words, is left as it is.
        ("Possible autism in addition to his known severe LD. Not for CPR because of his LD.",
         ["uncertain", "affirmed", "affirmed"]),
        ("Presumed sepsis. Not for CPR due to severe LD.", ["affirmed"]),
        # A queried condition that is someone else's carries nothing.
        ("Sister has possible autism. Not for CPR due to his autism.", ["other_experiencer", "affirmed"]),
    ],
)
def test_a_queried_condition_named_again_stays_queried(text: str, expected: list[str]) -> None:
    assert labels(text) == expected


def test_a_mention_named_again_after_a_query_says_why_it_is_uncertain() -> None:
    first, second = CONCEPTS.find("Query autism. Not for ITU due to autism.", "ld_or_related")
    assert first.context.uncertain and second.context.uncertain
    assert second.context.triggers == ("written as uncertain before",)
    assert second.affirmed is False


def test_a_question_mark_with_no_words_is_no_sentence_of_its_own() -> None:
    # The hedge's question mark is followed by a space, as a sentence end is; it opens the words after it.
    assert labels("? LD - not for CPR.") == ["uncertain"]
    assert labels("?LD. Not for CPR.") == ["uncertain"]
    assert labels("Autism? Yes - would not tolerate CPR") == ["affirmed"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A query answered no further on: both mentions are negated.
        ("?LD - assessed, no learning disability.", [True, True]),
        ("Possible autism; psychology review: not autistic.", [True, True]),
        # Another concept said to be absent answers nothing; a negation before the query neither.
        ("?LD, no autism. Not for CPR due to LD.", [False, True, False]),
        ("No autism. ?LD.", [True, False]),
    ],
)
def test_a_query_answered_no_later_is_negated(text: str, expected: list[bool]) -> None:
    assert [m.context.negated for m in CONCEPTS.find(text, "ld_or_related")] == expected


def test_someone_elses_condition_said_to_be_absent_answers_no_query() -> None:
    first, second = CONCEPTS.find("?LD. Sister has no learning disability.", "ld_or_related")
    assert first.context.uncertain and not first.context.negated
    assert second.context.experiencer != "patient"


def test_an_answered_query_says_why_it_is_negated() -> None:
    first, _ = CONCEPTS.find("Query Down's syndrome - karyotype normal, no Down's syndrome.", "ld_or_related")
    assert first.context.negated and first.context.triggers[-1] == "queried, then said to be absent"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A predicate with no subject of its own goes on about the same subject: a not-the-basis phrase
        # after it reaches back.
        ("Autism is not life-limiting and is not the reason for this decision", ["negated"]),
        ("Moderate LD, which is stable and has no bearing on this decision", ["negated"]),
        # It still ends a negation before it.
        ("Does not eat, has severe LD", ["affirmed"]),
        ("No epilepsy and has Down's syndrome", ["affirmed"]),
    ],
)
def test_a_second_predicate_of_the_same_subject(text: str, expected: list[str]) -> None:
    assert labels(text) == expected
