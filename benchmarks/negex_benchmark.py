"""Measure leder_audit.text.classify on the public NegEx annotated test set.

Run from the repository root:  python benchmarks/negex_benchmark.py [DATA_DIR]
DATA_DIR defaults to tests/data/negex, the copy of the set kept in the repository.
"""

from __future__ import annotations

import csv
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from leder_audit.text import Context, classify, load_concepts

DEFAULT_DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "negex"
NEGATION_FILE = "Annotations-1-120.txt"
CONTEXT_FILE = "rsAnnotations-1-120-random.txt"
PUBLISHED = {"precision": 0.933, "recall": 0.959, "f1": 0.946, "accuracy": 0.977}


@dataclass(frozen=True, slots=True)
class Case:
    """One annotated sentence: the concept's span and the gold labels."""

    sentence: str
    start: int
    end: int
    negated: bool
    temporality: str = ""
    experiencer: str = ""


@dataclass(frozen=True, slots=True)
class Scores:
    """Negation counts and the figures derived from them."""

    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def precision(self) -> float:
        """Share of predicted negations that are negated."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        """Share of negated concepts found."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def accuracy(self) -> float:
        """Share of all cases labelled right."""
        return (self.tp + self.tn) / (self.tp + self.fp + self.fn + self.tn)


def concept_span(sentence: str, concept: str) -> tuple[int, int] | None:
    """The span of the concept in the sentence, preferring the occurrence written in capitals."""
    words = concept.split()
    if not words:
        return None
    pattern = re.compile(r"\s+".join(re.escape(w) for w in words), re.IGNORECASE)
    found = list(pattern.finditer(sentence))
    if not found:
        return None
    upper = [m for m in found if m.group() == m.group().upper()]
    return (upper or found)[0].span()


def read_rows(path: Path, label_columns: tuple[int, ...]) -> list[list[str]]:
    """The annotated rows of one of the NegEx files."""
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        rows = csv.reader(handle, delimiter="\t")
        next(rows)
        return [row for row in rows if len(row) > max(label_columns)]


def read_cases(path: Path, label_columns: tuple[int, ...]) -> Iterator[Case]:
    """Cases from one of the NegEx files; rows whose concept is not in its sentence are skipped."""
    for row in read_rows(path, label_columns):
        span = concept_span(row[2], row[1])
        if span is not None:
            labels = [row[c].strip() for c in label_columns]
            yield Case(row[2], *span, labels[0].lower() == "negated", *labels[1:])


def with_unscored(scores: Scores, rows: list[list[str]], cases: list[Case]) -> Scores:
    """Scores over every row, counting rows whose concept is not in its sentence as not negated."""
    missing = [row for row in rows if concept_span(row[2], row[1]) is None]
    negated = sum(row[3].strip().lower() == "negated" for row in missing)
    return Scores(scores.tp, scores.fp, scores.fn + negated, scores.tn + len(missing) - negated)


def microseconds_per_find(text: str, repeat: int = 20_000) -> float:
    """Average cost of ConceptSet.find for ld_or_related on text, with the result cache bypassed."""
    concepts = load_concepts()
    started = time.perf_counter()
    for i in range(repeat):
        concepts.find(f"{text} {i}", "ld_or_related")
    return (time.perf_counter() - started) / repeat * 1e6


def negation_scores(cases: list[Case], contexts: list[Context]) -> Scores:
    """Negation confusion counts; "possible" in the gold counts as not negated."""
    pairs = list(zip(cases, contexts, strict=True))
    return Scores(
        tp=sum(c.negated and x.negated for c, x in pairs),
        fp=sum(not c.negated and x.negated for c, x in pairs),
        fn=sum(c.negated and not x.negated for c, x in pairs),
        tn=sum(not c.negated and not x.negated for c, x in pairs),
    )


def temporality_accuracy(cases: list[Case], contexts: list[Context]) -> float:
    """Share of cases whose temporality matches the gold (Not particular = hypothetical)."""
    gold = {"recent": "recent", "historical": "historical", "not particular": "hypothetical"}
    right = sum(gold.get(c.temporality.lower()) == x.temporality for c, x in zip(cases, contexts))
    return right / len(cases)


def experiencer_accuracy(cases: list[Case], contexts: list[Context]) -> float:
    """Share of cases whose experiencer (patient or other) matches the gold."""
    right = sum((c.experiencer.lower() == "patient") == (x.experiencer == "patient")
                for c, x in zip(cases, contexts))
    return right / len(cases)


def run(cases: list[Case]) -> list[Context]:
    """The context of every case's span."""
    return [classify(c.sentence, c.start, c.end) for c in cases]


def main(argv: list[str]) -> int:
    """Print the figures."""
    data = Path(argv[1]) if len(argv) > 1 else DEFAULT_DATA
    load_concepts()
    negation = list(read_cases(data / NEGATION_FILE, (3,)))
    started = time.perf_counter()
    contexts = run(negation)
    elapsed = time.perf_counter() - started
    scores = negation_scores(negation, contexts)
    context_cases = list(read_cases(data / CONTEXT_FILE, (3, 4, 5)))
    context_results = run(context_cases)
    every = with_unscored(scores, read_rows(data / NEGATION_FILE, (3,)), negation)
    total = every.tp + every.fp + every.fn + every.tn
    print(f"sentences            {len(negation)} scored of {total}; the other {total - len(negation)} "
          "do not contain their concept (cut by the sentence splitter)")
    print(f"negation             TP {scores.tp}  FP {scores.fp}  FN {scores.fn}  TN {scores.tn}")
    for name in ("precision", "recall", "f1", "accuracy"):
        print(f"negation {name:<11} {getattr(scores, name):.3f}   all {total} rows: "
              f"{getattr(every, name):.3f}   (GenNegEx 1.2: {PUBLISHED[name]:.3f})")
    print(f"temporality accuracy {temporality_accuracy(context_cases, context_results):.3f}")
    print(f"experiencer accuracy {experiencer_accuracy(context_cases, context_results):.3f}")
    print(f"speed                {len(negation) / elapsed:,.0f} sentences/second (first pass, uncached)")
    rationale = ("Frail elderly man with end-stage COPD and recurrent aspiration pneumonia; "
                 "CPR would not be successful and is not in his best interests. Family aware.")
    print(f"find, {len(rationale)} chars       {microseconds_per_find(rationale):.1f} us (no mention)")
    print(f"find, {len(rationale)} chars       "
          f"{microseconds_per_find(rationale.replace('COPD', 'severe learning disability')):.1f} us "
          "(one mention, with context)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
