"""An Auditor that has checked many records explains a finding as a fresh one would."""

from __future__ import annotations

from leder_audit.engine import Auditor

from .conftest import AS_OF


def test_a_null_part_and_a_null_field_in_it_are_explained_apart(book):
    no_family = {"record_type": "mortality_review", "id": "R1"}
    family_unsaid = {"record_type": "mortality_review", "id": "R2", "family": {"invited_to_contribute": None}}
    warm = Auditor(book, as_of=AS_OF)
    warm.check(no_family)
    for record in (family_unsaid, no_family):
        fresh = Auditor(book, as_of=AS_OF).check(record)
        assert [(f.path, f.explanation) for f in warm.check(record)] == [(f.path, f.explanation) for f in fresh]
