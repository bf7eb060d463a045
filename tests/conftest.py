from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
AS_OF = date(2024, 6, 30)


@pytest.fixture(scope="session")
def book():
    import leder_audit

    return leder_audit.load_rulebook()
