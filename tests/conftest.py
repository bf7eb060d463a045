from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests check what is computed, not how long it takes (speed is measured by the benchmarks):
# hypothesis's 200 ms deadline per example is off, so a loaded machine cannot fail a correct test.
settings.register_profile("leder-audit", deadline=None)
settings.load_profile("leder-audit")

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
AS_OF = date(2024, 6, 30)


@pytest.fixture
def age_at_calls(monkeypatch):
    """The arguments of every call of the language's age_at() while the test runs, to count how often a
    shared sub-expression is worked out."""
    from dataclasses import replace

    from leder_audit.language.functions import FUNCTIONS

    calls: list[tuple[object, ...]] = []
    age_at = FUNCTIONS["age_at"]

    def counted(ctx, *args):
        calls.append(args)
        return age_at.impl(ctx, *args)

    monkeypatch.setitem(FUNCTIONS, "age_at", replace(age_at, impl=counted))
    return calls


@pytest.fixture(scope="session")
def book():
    import leder_audit

    return leder_audit.load_rulebook()
