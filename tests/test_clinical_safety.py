"""The hazard log names only tests that exist, so no control points at a test that is gone."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOG = ROOT / "docs" / "clinical-safety.md"


def named_tests() -> list[tuple[str, str]]:
    return re.findall(r"`(tests/test_\w+\.py)::(test_\w+)`", LOG.read_text(encoding="utf-8"))


def functions_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")}


def test_every_test_the_hazard_log_names_exists():
    named = named_tests()
    assert len(named) >= 40
    missing = [f"{file}::{name}" for file, name in named
               if not (ROOT / file).is_file() or name not in functions_in(ROOT / file)]
    assert not missing, f"docs/clinical-safety.md names tests that do not exist: {missing}"


def test_every_hazard_states_its_cause_effect_risks_and_controls():
    text = LOG.read_text(encoding="utf-8")
    hazards = re.split(r"\n## HAZ-\d+", text)[1:]
    assert len(hazards) >= 7
    for hazard in hazards:
        for part in ("**Hazard.**", "**Causes.**", "**Effect.**", "**Initial risk.**", "**Controls and the tests",
                     "**Residual risk.**"):
            assert part in hazard, (hazard.splitlines()[0], part)
        assert "`tests/" in hazard, hazard.splitlines()[0]
