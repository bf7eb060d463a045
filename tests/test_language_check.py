"""Load-time checks: field paths against the record models, functions, concepts and types."""

from __future__ import annotations

import pytest

from leder_audit.errors import Origin, RuleTypeError
from leder_audit.language.check import check
from leder_audit.language.syntax import parse
from leder_audit.records import DeathCertificate, DnacprDecision, MortalityReview
from leder_audit.text import load_concepts

NAMES = load_concepts().names()


def problem(source: str, model=DeathCertificate) -> RuleTypeError:
    with pytest.raises(RuleTypeError) as caught:
        check(parse(source), model, NAMES, source, Origin("r.yaml", 3, 7))
    return caught.value


@pytest.mark.parametrize("source, model, message, hint", [
    ("mentions(part_1[0].text, ld_or_related)", DeathCertificate, "unknown field `part_1`", "did you mean `part1`?"),
    ("person.agee > 3", DeathCertificate, "unknown field `agee`", "did you mean `age`?"),
    ("transition.ehc_plna", MortalityReview, "unknown field `ehc_plna`", "did you mean `ehc_plan`?"),
    ("rationale.text == 'x'", DnacprDecision, "has no field `text`", None),
    ("part1.text == 'x'", DeathCertificate, "has no field `text`", "any x in list"),
    ("mentoins(rationale, ld_or_related)", DnacprDecision, "unknown function `mentoins`", "did you mean `mentions`?"),
    ("mentions(rationale, ld_or_relatd)", DnacprDecision, "unknown concept `ld_or_relatd`", "did you mean `ld_or_related`?"),
    ("mentions(rationale)", DnacprDecision, "takes 2 arguments, not 1", "for example"),
    ("len(rationale, rationale) > 1", DnacprDecision, "takes 1 argument, not 2", None),
    ("code_in(underlying_cause_icd10)", DeathCertificate, "at least", None),
    ('code_in(underlying_cause_icd10, "learning")', DeathCertificate, "not an ICD-10 code", None),
    ('matches(rationale, "(unclosed")', DnacprDecision, "does not compile", None),
    ("matches(rationale, rationale)", DnacprDecision, "string literal", None),
    ("mentions(rationale, ld_or_related, negate=true)", DnacprDecision, "no option `negate`", "did you mean `negated`?"),
    ("person.age > '14'", DeathCertificate, "cannot compare a number with a string", None),
    ("date_of_death > 6 months", DeathCertificate, "cannot compare a date with a duration", None),
    ("person.age and true", DeathCertificate, "`and` needs true or false", None),
    ("person.age + 1", DeathCertificate, "must be true or false", None),
    ("referred_to_coroner == null", DeathCertificate, "always unknown", "missing"),
    ("any l in person: true", DeathCertificate, "goes over a list", None),
    ("ld_or_related", DeathCertificate, "is a concept", None),
    ("date_of_death + date_of_death > date_of_death", DeathCertificate, "cannot compute date + date", None),
])
def test_errors_name_the_problem_and_suggest_a_fix(source, model, message, hint):
    error = problem(source, model)
    assert message in error.message
    if hint:
        assert hint in (error.hint or "")
    assert error.file == "r.yaml" and error.line == 3


def test_error_points_at_the_offending_node():
    error = problem("exists(part1) and person.agee > 3")
    assert error.column == 7 + len("exists(part1) and person.")
    assert str(error).splitlines()[2].index("^") == 4 + len("exists(part1) and person.")


@pytest.mark.parametrize("source, model", [
    ("mentions(completed(part1)[-1].text, ld_or_related)", DeathCertificate),
    ("count(l in part1: mentions(l.text, ld_or_related)) >= 1", DeathCertificate),
    ("let lines = completed(part1); len(lines) == 1 and mentions(lines[0].text, downs_syndrome)", DeathCertificate),
    ("person_has_capacity == false and missing(capacity_assessment_documented)", DnacprDecision),
    ("age_at(date_of_death) >= 14 and age_at(date_of_death) <= 25", MortalityReview),
    ("review_completed_date - notification_date > 6 months", MortalityReview),
    ('"GP" in care_coordination.agencies_involved', MortalityReview),
    ("mentions(death_certificate.part1[0].text, autism)", MortalityReview),
])
def test_valid_conditions_pass(source, model):
    assert check(parse(source), model, NAMES, source).kind == "bool"


def test_fields_outside_the_model_cannot_be_used_in_rules():
    error = problem("local_extra_field == 1")
    assert "unknown field `local_extra_field`" in error.message
    assert "part1" in error.hint


def test_a_function_declares_how_its_literals_are_prepared_and_the_checker_uses_that(monkeypatch):
    from dataclasses import replace

    from leder_audit.language import functions
    from leder_audit.language.functions import FUNCTIONS, Param
    from leder_audit.language.types import BOOL, STRING

    def ward_code(text: str) -> str:
        if not text.isupper():
            raise ValueError(f"{text!r} is not a ward code in capitals")
        return text

    ward = replace(FUNCTIONS["code_in"], name="on_ward", params=(Param("text", STRING), Param("ward", STRING, literal=True)),
                   variadic=None, impl=lambda ctx, text, ward: ward in text, prepare=ward_code, returns=BOOL)
    monkeypatch.setitem(FUNCTIONS, "on_ward", ward)
    assert check(parse('on_ward(rationale, "W1")'), DnacprDecision, NAMES).kind == "bool"
    with pytest.raises(RuleTypeError, match="is not a ward code in capitals"):
        check(parse('on_ward(rationale, "w1")'), DnacprDecision, NAMES, 'on_ward(rationale, "w1")')
    assert functions.prepare_literal(ward, "W2") == "W2"
