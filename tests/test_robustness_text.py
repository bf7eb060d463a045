"""Free text of any size or shape is matched in time proportional to its length."""

from __future__ import annotations

import pytest

from leder_audit import audit

TEN_MB = 10_000_000


def dnacpr(rationale: str) -> dict:
    return {"record_type": "dnacpr_decision", "id": "D1", "rationale": rationale}


# Dense prose costs about 1.5 s a megabyte, growing in proportion to the length (it used to grow with its
# square, and cube); the suite runs the dense cases at 1 MB to stay quick.
@pytest.mark.parametrize(("filler", "size"), [
    ("a", TEN_MB),  # one 10 MB word
    ("Frail, recurrent pneumonia; no learning disability noted. ", TEN_MB // 10),
    ("no no no no no no no no no no learning disability ", TEN_MB // 10),  # run-on text, all negated
])
def test_a_huge_free_text_field_is_checked(book, filler, size):
    text = (filler * (size // len(filler) + 1))[:size] + ". Down's syndrome"
    result = audit([dnacpr(text)], rulebook=book)
    assert result.records_checked == 1 and not result.errors
    evidence = [f.evidence for f in result.findings if f.rule_id == "LDA-DNACPR-001"]
    assert evidence and evidence[0].text == "Down's syndrome" and evidence[0].start == size + 2


def test_a_mention_far_from_its_negation_in_run_on_text_is_judged_by_the_near_triggers(book):
    from leder_audit.text import load_concepts

    concepts = load_concepts()
    text = "no " + "word " * 5_000 + "learning disability"
    (mention,) = concepts.find(text, "ld_or_related")
    assert mention.context.negated  # an open-ended trigger reaches to the end of its clause
