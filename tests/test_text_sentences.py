"""Sentence triggers: a test over whole sentences of a rationale that starts a context scope."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from leder_audit import load_rulebook
from leder_audit.text import load_concepts
from leder_audit.text.context import TriggerSet, _SentenceTest, _sentences
from leder_audit.text.specs import TriggerSpec

BOOK = load_rulebook()


def ld_finding(rationale: str) -> str:
    """flag, note or none: what the rationale rules say about the disability in it."""
    findings = BOOK.check({"record_type": "dnacpr_decision", "id": "S1", "rationale": rationale})
    if any("ld-dnacpr-rationale" in f.tags for f in findings):
        return "flag"
    return "note" if any("ld-dnacpr-background" in f.tags for f in findings) else "none"


@pytest.mark.parametrize(("rationale", "expected"), [
    # A sentence saying who the person is, beside a separate clinical reason: a note.
    ("Known learning disability. Advanced pancreatic cancer with liver metastases; CPR would not work.", "note"),
    ("Lives with autism.\nNot for CPR. Reason: end-stage renal failure, dialysis withdrawn.", "note"),
    ("He has Down's syndrome. Not for CPR due to end-stage cardiac failure.", "note"),
    # How capacity is lacking, beside a separate clinical reason: a note.
    ("Cannot retain or weigh information because of his severe LD, so lacks capacity. CPR would fail: "
     "metastatic bowel cancer.", "note"),
    # A decision for CPR: the disability is no reason against it.
    ("Known Down's syndrome. Remains for CPR.", "note"),
    ("Dad asked whether her Down's syndrome means no CPR. Explained it does not. For CPR.", "none"),
    # No separate clinical reason, or the sentence judges: still the reason.
    ("Severe learning disability. DNACPR.", "flag"),
    ("Profound LD. No quality of life. Not for resuscitation.", "flag"),
    ("Lacks capacity; given his autism CPR would not be in his best interests.", "flag"),
    ("Downs, frail, PEG fed. Not for CPR.", "flag"),
    # "Not appropriate for CPR" and "would have been for CPR despite" are decisions against CPR.
    ("Learning disability - not appropriate for CPR.", "flag"),
    # A treatment escalation plan with no CPR wording is a decision too: its ceiling of care is read
    # like a DNACPR decision, with or without a separate clinical reason.
    ("Autistic. Ward level care; not for ventilation as end-stage pulmonary fibrosis", "note"),
    ("Lives with moderate LD. For ward-based treatment only; irreversible multi-organ failure", "note"),
    ("Known PMLD. Level 1 care only due to end-stage heart failure, EF 10%", "note"),
    ("PMLD. Ward based care only.", "flag"),
    ("Has autism. Not for critical care as would not cope.", "flag"),
    ("Not for dialysis given her learning disability", "flag"),
    # A later sentence that says the disability is not the basis reaches back to the sentences before
    # it; "not the only reason" and a statement about another condition do not.
    ("52 year old lady with severe learning disability. Metastatic ovarian cancer, dying. "
     "Her learning disability has played no part in this decision.", "none"),
    ("Previous form said not for resus due to LD. This decision is not based on her learning disability.", "none"),
    ("Brother felt that because she has autism she would not want CPR. Autism is not relevant. Not for CPR.", "none"),
    ("Severe LD, frail, PEG fed, not for CPR. LD is not the only reason; also end-stage COPD.", "flag"),
    ("Known Down's syndrome. Not for CPR as would not cope. Dementia is not a factor.", "flag"),
])
def test_rationale_structure(rationale: str, expected: str) -> None:
    assert ld_finding(rationale) == expected


def test_a_sentence_trigger_needs_one_form_and_cannot_terminate() -> None:
    with pytest.raises(ValidationError, match="exactly one of"):
        TriggerSpec.model_validate({"literal": "x", "sentence": {"has": "x"}, "category": "background"})
    with pytest.raises(ValidationError, match="cannot be a terminator"):
        TriggerSpec.model_validate({"sentence": {"has": "x"}, "category": "terminate"})
    with pytest.raises(ValidationError, match="nested repetition"):
        TriggerSpec.model_validate({"sentence": {"lacks": "(a+)+$"}, "category": "background"})


def test_a_passing_sentence_starts_a_scope_at_its_first_word() -> None:
    spec = TriggerSpec.model_validate({"sentence": {"has": r"\bkite\b", "later": r"\bstring\b"},
                                       "category": "negated"})
    hits = TriggerSet([spec]).hits("1. A kite. 2. A string. A kite.")
    assert [(h.start, h.end, h.trigger.category) for h in hits] == [(3, 3, "negated")]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab .!?\n12)"), max_size=40))
def test_sentences_are_ordered_and_inside_the_text(text: str) -> None:
    spans = _sentences(text)
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text)
        assert not text[start].isspace()
        previous_end = end
    # Every word of the text is in some sentence.
    words = [i for i, ch in enumerate(text) if ch in "ab"]
    assert all(any(a <= i < b for a, b in spans) for i in words)


@pytest.mark.parametrize("text, sentences", [
    # A shortened hedge that opens a list item hedges the word after it: its stop ends no sentence.
    ("poss. LD and end stage COPD - DNACPR", ["poss. LD and end stage COPD - DNACPR"]),
    ("NFR: frailty, Susp. autism. CPR would fail", ["NFR: frailty, Susp. autism.", "CPR would fail"]),
    # After the word it hedges, the same stop ends the sentence.
    ("Autism poss. Not for CPR due to sepsis", ["Autism poss.", "Not for CPR due to sepsis"]),
    # A word shortened inside a name: "Learn. dis." is one name.
    ("Learn. dis. and end stage COPD", ["Learn. dis. and end stage COPD"]),
    ("Has poss LD. CPR would fail", ["Has poss LD.", "CPR would fail"]),
])
def test_a_shortened_word_s_full_stop_ends_no_sentence(text: str, sentences: list[str]) -> None:
    assert [text[a:b] for a, b in _sentences(text)] == sentences


# --- the sentence tests read lazily give what reading every sentence gives ------------------------------------

def plain_starts(test: _SentenceTest, text: str) -> list[int]:
    """The starts of the sentences that pass, every pattern searched in every sentence."""
    sentences = _sentences(text)

    def holds(pattern: object, a: int, b: int) -> bool:
        return pattern.search(text, a, b) is not None  # type: ignore[attr-defined]

    if test.text_has is not None and test.text_has.search(text) is None:
        return []
    if test.last_for is not None and test.last_against is not None:
        last_for = max((m.start() for m in test.last_for.finditer(text)), default=-1)
        if last_for <= max((m.start() for m in test.last_against.finditer(text)), default=-1):
            return []
    passing = [(a, b) for a, b in sentences
               if (test.has is None or holds(test.has, a, b)) and (test.lacks is None or not holds(test.lacks, a, b))]
    if test.elsewhere is not None:
        found = [a for a, b in sentences if holds(test.elsewhere, a, b)]
        passing = [(a, b) for a, b in passing if any(other != a for other in found)]
    if test.later is not None:
        found = [a for a, b in sentences if holds(test.later, a, b)]
        passing = [(a, b) for a, b in passing if any(other > a for other in found)]
    return [a for a, _ in passing]


BUILT_IN = load_concepts().triggers
BUILT_IN_TESTS = BUILT_IN._sentence_tests
PIECES = ["Known learning disability", "Has Down's syndrome", "Lives with autism", "lacks capacity",
          "unable to weigh information", "CPR would not work", "metastatic cancer", "not for CPR", "for CPR",
          "For full resuscitation", "DNACPR", "frail", "due to", "background", "end-stage COPD", "Reason:",
          "quality of life", "agreed", "Family worried", "explained", "he has", "would have been for CPR"]
RATIONALE = st.lists(st.tuples(st.sampled_from(PIECES), st.sampled_from([". ", ", ", "; ", "\n", " - ", " ", "? "])),
                     max_size=8).map(lambda parts: "".join(piece + sep for piece, sep in parts))


@settings(max_examples=300, deadline=None)
@given(RATIONALE)
def test_the_sentence_tests_read_lazily_and_gated_pass_the_sentences_every_search_would_pass(text: str) -> None:
    reading = BUILT_IN._reading(text)
    for test in BUILT_IN_TESTS:
        assert test.starts(reading) == plain_starts(test, text)


@pytest.mark.parametrize(("spec", "text", "expected"), [
    # elsewhere: another sentence, never the sentence itself.
    ({"has": "kite", "elsewhere": "string"}, "A kite. A string.", [0]),
    ({"has": "kite", "elsewhere": "string"}, "A kite and a string.", []),
    ({"has": "kite", "elsewhere": "string"}, "A kite and a string. A kite and a string.", [0, 21]),
    ({"has": "kite", "elsewhere": "string"}, "A kite and a string. A kite.", [21]),
    # later: a sentence after it.
    ({"has": "kite", "later": "string"}, "A kite. A string. A kite.", [0]),
    ({"has": "kite", "later": "string"}, "A string. A kite.", []),
])
def test_elsewhere_and_later_are_read_per_sentence(spec: dict[str, str], text: str, expected: list[int]) -> None:
    trigger = TriggerSpec.model_validate({"sentence": spec, "category": "negated"})
    triggers = TriggerSet([trigger])
    test = triggers._sentence_tests[0]
    assert test.starts(triggers._reading(text)) == expected == plain_starts(test, text)
