"""A floor under the NegEx benchmark, so a change that hurts negation fails CI."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data" / "negex"
F1_FLOOR = 0.97
PRECISION_FLOOR = 0.96
RECALL_FLOOR = 0.95


def benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("negex_benchmark", REPO / "benchmarks" / "negex_benchmark.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up in sys.modules while the module runs.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_negation_f1_stays_above_the_floor() -> None:
    bench = benchmark()
    path = DATA / bench.NEGATION_FILE
    assert path.is_file(), f"NegEx test set missing: {path}"
    cases = list(bench.read_cases(path, (3,)))
    assert len(cases) > 2300
    scores = bench.negation_scores(cases, bench.run(cases))
    assert scores.f1 >= F1_FLOOR, scores
    assert scores.precision >= PRECISION_FLOOR, scores
    assert scores.recall >= RECALL_FLOOR, scores
