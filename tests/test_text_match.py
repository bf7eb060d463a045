"""Finding concept mentions: synonyms, spellings, abbreviations and spans."""

from __future__ import annotations

import pytest
import re

from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from leder_audit.text import load_concepts
from leder_audit.text.normalise import is_age, is_number, word_key

CONCEPTS = load_concepts()


def found(text: str, concept: str = "ld_or_related") -> list[tuple[str, str]]:
    return [(m.concept, m.text) for m in CONCEPTS.find(text, concept)]


@pytest.mark.parametrize(
    ("text", "concept", "matched"),
    [
        ("learning disability", "learning_disability", "learning disability"),
        ("Learning Disabilities", "learning_disability", "Learning Disabilities"),
        ("learning difficulty", "learning_disability", "learning difficulty"),
        ("learning difficulties", "learning_disability", "learning difficulties"),
        ("intellectual disability", "learning_disability", "intellectual disability"),
        ("mental handicap", "learning_disability", "mental handicap"),
        ("mentally handicapped", "learning_disability", "mentally handicapped"),
        ("mental retardation", "learning_disability", "mental retardation"),
        ("learning disabled", "learning_disability", "learning disabled"),
        ("severe learning disability", "learning_disability", "severe learning disability"),
        ("profound learning disabilities", "learning_disability", "profound learning disabilities"),
        ("moderate learning disability", "learning_disability", "moderate learning disability"),
        ("mild learning difficulties", "learning_disability", "mild learning difficulties"),
        ("developmental disorder of scholastic skills", "learning_disability",
         "developmental disorder of scholastic skills"),
        ("global developmental delay", "learning_disability", "global developmental delay"),
        ("LD", "learning_disability", "LD"),
        ("PMLD", "learning_disability", "PMLD"),
        ("SLD", "learning_disability", "SLD"),
        ("Down's syndrome", "downs_syndrome", "Down's syndrome"),
        ("Downs syndrome", "downs_syndrome", "Downs syndrome"),
        ("Down syndrome", "downs_syndrome", "Down syndrome"),
        ("Down’s syndrome", "downs_syndrome", "Down’s syndrome"),
        ("Down`s syndrome", "downs_syndrome", "Down`s syndrome"),
        ("DOWN'S SYNDROME", "downs_syndrome", "DOWN'S SYNDROME"),
        ("trisomy 21", "downs_syndrome", "trisomy 21"),
        ("Trisomy-21", "downs_syndrome", "Trisomy-21"),
        ("due to Down's", "downs_syndrome", "Down's"),
        ("autism", "autism", "autism"),
        ("autistic", "autism", "autistic"),
        ("ASD", "autism", "ASD"),
        ("autism spectrum disorder", "autism", "autism spectrum disorder"),
        ("autistic spectrum condition", "autism", "autistic spectrum condition"),
        ("Asperger's", "autism", "Asperger's"),
        ("Asperger syndrome", "autism", "Asperger syndrome"),
        ("fragile X syndrome", "genetic_ld_syndromes", "fragile X syndrome"),
        ("Rett syndrome", "genetic_ld_syndromes", "Rett syndrome"),
        ("Angelman syndrome", "genetic_ld_syndromes", "Angelman syndrome"),
        ("Prader-Willi syndrome", "genetic_ld_syndromes", "Prader-Willi syndrome"),
        ("Prader Willi", "genetic_ld_syndromes", "Prader Willi"),
        ("Williams syndrome", "genetic_ld_syndromes", "Williams syndrome"),
        ("cri-du-chat", "genetic_ld_syndromes", "cri-du-chat"),
        ("Edwards syndrome", "genetic_ld_syndromes", "Edwards syndrome"),
        ("Patau syndrome", "genetic_ld_syndromes", "Patau syndrome"),
        ("tuberous sclerosis", "genetic_ld_syndromes", "tuberous sclerosis"),
    ],
)
def test_synonym_is_found_with_its_exact_words(text: str, concept: str, matched: str) -> None:
    assert found(f"Known {text}, frail.", concept) == [(concept, matched)]


@pytest.mark.parametrize(
    ("text", "matched"),
    [
        ("learning dissability", "learning dissability"),
        ("learnig disability", "learnig disability"),
        ("learning disabilty", "learning disabilty"),
        ("learning disabilites", "learning disabilites"),
        ("learning difficulites", "learning difficulites"),
        ("leanring disability", "leanring disability"),
        ("downs syndrom", "downs syndrom"),
        ("Downs syndorme", "Downs syndorme"),
        ("autisim", "autisim"),
        ("autisitc", "autisitc"),
        ("intelectual disability", "intelectual disability"),
        ("Aspergers", "Aspergers"),
    ],
)
def test_misspelling_is_found(text: str, matched: str) -> None:
    assert [t for _, t in found(f"has {text} and COPD")] == [matched]


@pytest.mark.parametrize(
    ("text", "matched"),
    [
        ("learning-disability", "learning-disability"),
        ("learning   disability", "learning   disability"),
        ("learning\ndisability", "learning\ndisability"),
        ("LEARNING DISABILITY", "LEARNING DISABILITY"),
        ("Prader  Willi syndrome", "Prader  Willi syndrome"),
    ],
)
def test_spacing_case_and_hyphens_are_ignored(text: str, matched: str) -> None:
    assert [t for _, t in found(text)] == [matched]


@pytest.mark.parametrize(
    "text",
    [
        "old age and frailty",
        "cold, world weary, bold",
        "Ld",
        # Lower-case "ld" as the second half of a word split by a typo, or a dose beside its drug.
        "he wou ld not cope",
        "a mi ld cough",
        "vanc ld given",
        "LDL cholesterol raised",
        "Dr Williams reviewed",
        "Mr Williams, age 70",
        "Downs and ups of the illness",
        "went down",
        "artistic and creative",
        "learning to walk again",
        "disability living allowance",
        "physical disability",
        "ASD repair in childhood",
        "atrial septal defect (ASD)",
        "ASD closure device",
        "DS DS 1504 discharge summary",
        "LD 300mg loading dose",
        "specific learning difficulty (dyslexia)",
        "Seen by the LD nurse",
        "referred to learning disability team",
        "Discussed with learning disabilities liaison nurse",
        "Rettig lab result",
        "frail elderly, not for CPR",
        "leaning on the rail",
        "yearning for home",
        "Kabuki theatre",
    ],
)
def test_unrelated_words_are_not_mentions(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("LD and frail", [("learning_disability", "LD")]),
        ("LDs", [("learning_disability", "LDs")]),
        ("has ASD, non-verbal", [("autism", "ASD")]),
        ("Downs syndrome and autism", [("downs_syndrome", "Downs syndrome"), ("autism", "autism")]),
        ("PMLD; epilepsy", [("learning_disability", "PMLD")]),
    ],
)
def test_abbreviations_and_several_mentions(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected


def test_group_finds_each_member_concept() -> None:
    text = "Down's syndrome, autism, learning disability and fragile X"
    assert [c for c, _ in found(text)] == [
        "downs_syndrome", "autism", "learning_disability", "genetic_ld_syndromes"]


def test_concept_filter_leaves_out_other_concepts() -> None:
    assert found("Down's syndrome and autism", "autism") == [("autism", "autism")]


def test_longest_term_wins() -> None:
    assert found("profound and multiple learning disabilities") == [
        ("learning_disability", "profound and multiple learning disabilities")]


def test_punctuation_breaks_a_term() -> None:
    assert found("learning. Disability benefit") == []


def test_empty_text_has_no_mentions() -> None:
    assert CONCEPTS.find("", "ld_or_related") == []


TERMS = ["learning disability", "Down's syndrome", "LD", "autism", "PMLD", "Prader-Willi syndrome",
         "learnig disability", "Down’s syndrome", "trisomy 21"]
SERVICE_WORDS = {word_key(w) for spec in CONCEPTS.concepts.values() for w in spec.exclude_after}
# Words that make an abbreviation mean something else nearby ("LD" beside "mg" is a loading dose).
NEAR_WORDS = {word_key(w) for spec in CONCEPTS.concepts.values() for a in spec.abbreviations for w in a.unless_near}
FILLER = st.text(alphabet=st.sampled_from(list("abcdefghijk lmnopqrstuvwxyz ,.;:-'’\n0123")), max_size=40)


@settings(max_examples=300, deadline=None)
@given(before=FILLER, term=st.sampled_from(TERMS), after=FILLER)
@example(before="", term="LD", after="mg")
def test_spans_slice_the_original_text(before: str, term: str, after: str) -> None:
    # A service word right after the term ("learning disability review") rightly makes it no mention.
    next_word = re.match(r"\s*([a-z]+)", after)
    assume(not next_word or word_key(next_word.group(1)) not in SERVICE_WORDS)
    assume(not NEAR_WORDS & {word_key(w) for w in re.findall(r"[a-z]+", f"{before} {after}")})
    text = f"{before} {term} {after}"
    for mention in CONCEPTS.find(text, "ld_or_related"):
        assert text[mention.start : mention.end] == mention.text
        assert mention.text.strip() == mention.text and mention.text
    spans = [(m.start, m.end) for m in CONCEPTS.find(text, "ld_or_related")]
    # A filler word just before may make a longer term with it ("profoun learning disability").
    assume(not any(a < len(before) + 1 < b for a, b in spans))
    assert (len(before) + 1, len(before) + 1 + len(term)) in spans


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=120))
def test_any_text_gives_spans_into_itself(text: str) -> None:
    for mention in CONCEPTS.find(text, "ld_or_related"):
        assert 0 <= mention.start < mention.end <= len(text)
        assert text[mention.start : mention.end] == mention.text


@pytest.mark.parametrize(
    ("text", "matched"),
    [
        ("Lerning dissability", "Lerning dissability"),
        ("lerning disabilty, frail", "lerning disabilty"),
        ("Learing dissability and epilepsy", "Learing dissability"),
        ("Downs syndrom", "Downs syndrom"),
    ],
)
def test_two_listed_misspellings_together_are_the_term(text: str, matched: str) -> None:
    assert found(text) == [("learning_disability" if "syndrom" not in text else "downs_syndrome", matched)]


@pytest.mark.parametrize(
    ("text", "matched"),
    [
        ("has the understanding of a 2 year old", "understanding of a 2 year old"),
        ("the mind of an eighteen-month-old", "mind of an eighteen-month-old"),
        ("functions like a 4-year-old", "functions like a 4-year-old"),
        ("LEVEL OF A THREE YR OLD", "LEVEL OF A THREE YR OLD"),
    ],
)
def test_a_number_slot_in_a_term_matches_any_number(text: str, matched: str) -> None:
    assert found(text) == [("learning_disability", matched)]


@pytest.mark.parametrize(
    "text",
    ["understanding of a DNACPR decision", "level of a bus stop", "her 2 year old grandson",
     "understanding of a many year old problem"],
)
def test_a_number_slot_needs_a_number(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize(
    ("text", "matched"),
    [
        ("has the understanding of a 5yr old", "understanding of a 5yr"),
        ("the mind of a 2yo", "mind of a 2yo"),
        ("at the level of an 18mth old", "level of an 18mth"),
        ("behaves like a 3 yo", "behaves like a 3 yo"),
        ("INTELLECT OF AN 8YRS OLD", "INTELLECT OF AN 8YRS"),
    ],
)
def test_an_age_slot_matches_an_age_with_its_unit_run_on(text: str, matched: str) -> None:
    assert found(text) == [("learning_disability", matched)]


@given(st.integers(min_value=0, max_value=99),
       st.sampled_from(["y", "yo", "yr", "yrs", "year", "years", "m", "mo", "mos", "mth", "mths", "month", "months"]),
       st.booleans())
def test_an_age_is_a_number_with_a_unit_of_years_or_months(number: int, unit: str, old: bool) -> None:
    token = f"{number}{unit}{'old' if old else ''}"
    assert is_age(token) and is_age(token.upper())
    assert not is_age(str(number)) and is_number(str(number))
    assert not is_age(f"{number}{unit}s2") and not is_age(f"x{number}{unit}")


@pytest.mark.parametrize(
    "text",
    ["understanding of a 5mg dose", "her 2yo grandson", "level of a 3cm lesion", "mind of a 2nd opinion"],
)
def test_an_age_slot_needs_an_age(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pt has downs + dementia", [("downs_syndrome", "downs")]),
        ("known down's, frail", [("downs_syndrome", "down's")]),
        ("pt w/ asd, anxious", [("autism", "asd")]),
        ("pmld, PEG fed", [("learning_disability", "pmld")]),
        ("MR, epilepsy, PEG fed", [("learning_disability", "MR")]),
        ("ups and downs", []),
        ("step downs from ITU", []),
        ("secundum asd on echo", []),
        ("moderate MR, severe AS", []),
        ("MR head: infarct", []),
        ("morphine MR 10mg", []),
        # "downs" as a verb, with its object after it; "per ID" cites the team.
        ("Downs his medication with juice", []),
        ("patient downs tools at meal times", []),
        ("he downs a pint of water", []),
        ("Has Downs, frail", [("downs_syndrome", "Downs")]),
        ("as per ID advice", []),
        ("Per ID: disseminated TB", []),
        ("severe ID per GP letter", [("learning_disability", "ID")]),
    ],
)
def test_shorthand_names_and_their_lookalikes(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A guard word on another line or in another sentence does not reach the abbreviation.
        ("Choking on food bolus\nSevere LD", [("learning_disability", "LD")]),
        ("Severe LD. Phenytoin loading given", [("learning_disability", "LD")]),
        ("LD phenytoin given", []),
        # LD's guard words stay within its clause: a comma starts another item of the list.
        ("Choking on food bolus, severe LD", [("learning_disability", "LD")]),
        ("Severe LD, epilepsy on phenytoin", [("learning_disability", "LD")]),
        ("Moderate ID, recurrent chest infections", [("learning_disability", "ID")]),
        ("LD + epilepsy on levetiracetam", [("learning_disability", "LD")]),
        ("vanc LD given, then 1 g bd", []),
        ("Reviewed by ID team", []),
        # A drug named as a kind of epilepsy is not a dose: the list's LD stays the disability.
        ("LD and keppra-resistant epilepsy", [("learning_disability", "LD")]),
        ("Severe LD and levetiracetam resistant epilepsy", [("learning_disability", "LD")]),
        ("LD + phenytoin-refractory seizures", [("learning_disability", "LD")]),
        ("Keppra LD given 14:00", []),
        ("LD of levetiracetam given", []),
        # ASD is read from the cardiac chain over its lines.
        # Lower-case "ld" has the same guards, and those of a word split by a typo.
        ("pt has severe ld", [("learning_disability", "ld")]),
        ("mod ld, epilepsy on phenytoin", [("learning_disability", "ld")]),
        ("gent ld then 5mg/kg", []),
        ("Eisenmenger syndrome\nASD", []),
        ("Choking on food\nASD", [("autism", "ASD")]),
    ],
)
def test_guard_words_stay_within_their_line_unless_the_abbreviation_says(text: str,
                                                                         expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected
