from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
AS_OF = date(2024, 6, 30)


def pytest_terminal_summary(terminalreporter):
    """Whether these tests ran the compiled copies of the per-record modules or their Python source."""
    import leder_audit._compiled

    terminalreporter.write_line(f"leder-audit ran {leder_audit._compiled.status()}")


@pytest.fixture(scope="session")
def book():
    import leder_audit

    return leder_audit.load_rulebook()
