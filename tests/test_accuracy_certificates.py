"""A floor under the certificate corpus benchmark, so a change that misreads certificates fails CI."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import yaml

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "tests" / "data" / "death_certificates.yaml"
F1_FLOOR = 0.98  # over every label of the corpus
CLASS_F1_FLOOR = 0.95  # in each class that expects findings
CLASSES = {"syndrome", "downs-contested", "ld-as-cause", "disease-line", "codes", "correct"}


def benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("accuracy_benchmark", REPO / "benchmarks" / "accuracy_benchmark.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it runs
    spec.loader.exec_module(module)
    return module


def test_corpus_is_large_labelled_and_each_item_has_a_reason() -> None:
    items = yaml.safe_load(CORPUS.read_text(encoding="utf-8"))["certificates"]
    assert len(items) >= 150
    assert len({i["id"] for i in items}) == len(items)
    assert {i["class"] for i in items} == CLASSES
    for item in items:
        assert item["reason"].strip() and isinstance(item["expect"], dict), item["id"]
        assert all(s in {"info", "low", "medium", "high", "critical"} for s in item["expect"].values()), item["id"]


def test_certificate_f1_holds_the_floor(book) -> None:
    report = benchmark().check_certificates(CORPUS, book)
    assert report.overall.f1 >= F1_FLOOR, report.errors
    for name, scores in report.classes.items():
        if scores.tp + scores.fn:
            assert scores.f1 >= CLASS_F1_FLOOR, (name, scores)


def test_no_certificate_needing_no_finding_gets_advice(book) -> None:
    report = benchmark().check_certificates(CORPUS, book)
    wrong = [o for o in report.outcomes if not o.expected and any(not f.endswith(":info") for f in o.found)]
    assert not wrong, wrong


def test_every_message_names_its_line(book) -> None:
    report = benchmark().check_certificates(CORPUS, book)
    assert not [o for o in report.outcomes if o.problems]


def test_scores_count_labels_found_and_expected() -> None:
    bench = benchmark()
    outcome = bench.Outcome("X", "c", "r", frozenset({"A:high", "B:info"}), frozenset({"A:high", "C:medium"}))
    assert outcome.scores == bench.Scores(tp=1, fp=1, fn=1)
    report = bench.Report.of("s", [outcome, bench.Outcome("Y", "c", "r", frozenset(), frozenset())])
    assert report.classes["c"] == bench.Scores(1, 1, 1) and report.overall.f1 == 0.5
    assert [o.id for o in report.errors] == ["X"]
