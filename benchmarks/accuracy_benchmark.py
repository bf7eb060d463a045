"""Score the built-in rules on the labelled corpora under tests/data, through the real rule path.

Run from the repository root:

    python benchmarks/accuracy_benchmark.py                      # every set
    python benchmarks/accuracy_benchmark.py --set rationales     # DNACPR / ReSPECT / TEP rationales
    python benchmarks/accuracy_benchmark.py --set certificates   # death certificates (MCCD)
    python benchmarks/accuracy_benchmark.py --set rationales --speed --baseline ../main

Each item of a set is turned into a record, checked with `book.check`, and the findings are
turned back into one label, which is compared with the item's label. Figures per class:

- reported: precision, recall and F1 of "a finding under the set's theme was raised" (for
  rationales: the critical or the uncertain ld-dnacpr-rationale finding);
- label accuracy: the share of items whose predicted label is exactly the expected one.

Death certificates are scored label by label instead (see the certificates section below): a
certificate may rightly raise several findings.

--speed times `ConceptSet.find(text, "ld_or_related")` per item, each text seen for the first
time; with --baseline DIR the same texts are timed, round by round in turn, with the package
found in DIR (another checkout), and the ratios are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"
AS_OF = date(2024, 6, 30)


@dataclass(frozen=True)
class Item:
    """One labelled case."""

    text: str
    label: str
    kind: str
    why: str
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class CorpusSet:
    """A labelled corpus: where it is, how an item becomes a record, how findings become a label."""

    name: str
    path: Path
    record: Callable[[Item, int], dict[str, Any]]
    predict: Callable[[list[Any]], str]
    reported: frozenset[str]


def rationale_record(item: Item, number: int) -> dict[str, Any]:
    """A DNACPR decision whose rationale is the item's text."""
    return {"record_type": "dnacpr_decision", "id": f"R{number}", "rationale": item.text}


def rationale_label(findings: list[Any]) -> str:
    """flag, uncertain, note or none, from the findings on one decision."""
    themed = [f for f in findings if "ld-dnacpr-rationale" in f.tags]
    if any(f.severity == "critical" for f in themed):
        return "flag"
    if themed:
        return "uncertain"
    if any("ld-dnacpr-background" in f.tags for f in findings):
        return "note"
    return "none"


SETS: dict[str, CorpusSet] = {
    "rationales": CorpusSet("rationales", DATA / "dnacpr_rationales.yaml", rationale_record, rationale_label,
                            frozenset({"flag", "uncertain"})),
}



# --- death certificates: several findings per item, scored label by label ------------------------------
#
# A certificate may rightly raise more than one finding (the text and the code of the underlying cause),
# so each item expects a set of "RULE-ID:severity" labels. A label found and expected is a true positive,
# found and not expected a false positive, expected and not found a false negative. A message that does not
# name the line it is about, or misquotes it, is listed as an error too.

class PrecisionRecall:
    """Precision, recall and F1 from the true positive, false positive and false negative counts."""

    __slots__ = ()
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        """Share of the labels found that were expected (1.0 when nothing was found)."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        """Share of the expected labels that were found (1.0 when nothing was expected)."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True, slots=True)
class Scores(PrecisionRecall):
    """Label counts and the figures derived from them."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def __add__(self, other: Scores) -> Scores:
        return Scores(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)


@dataclass(frozen=True, slots=True)
class Outcome:
    """One corpus item checked: what was expected, what was found, and any other problem."""

    id: str
    cls: str
    reason: str
    expected: frozenset[str]
    found: frozenset[str]
    problems: tuple[str, ...] = ()

    @property
    def scores(self) -> Scores:
        """This item's label counts."""
        return Scores(len(self.expected & self.found), len(self.found - self.expected),
                      len(self.expected - self.found))

    @property
    def right(self) -> bool:
        """True when the labels agree and nothing else is wrong."""
        return self.expected == self.found and not self.problems


@dataclass(frozen=True, slots=True)
class Report:
    """A set's outcomes, with scores by class and overall."""

    name: str
    outcomes: tuple[Outcome, ...]
    classes: dict[str, Scores] = field(default_factory=dict)

    @classmethod
    def of(cls, name: str, outcomes: Iterable[Outcome]) -> Report:
        """Outcomes gathered into per-class scores, classes in the order they first appear."""
        kept = tuple(outcomes)
        classes: dict[str, Scores] = {}
        for outcome in kept:
            classes[outcome.cls] = classes.get(outcome.cls, Scores()) + outcome.scores
        return cls(name, kept, classes)

    @property
    def overall(self) -> Scores:
        """Label counts over every class."""
        return sum(self.classes.values(), Scores())

    @property
    def errors(self) -> list[Outcome]:
        """The outcomes that are not right."""
        return [o for o in self.outcomes if not o.right]

    def count(self, cls: str) -> int:
        """How many items the class has."""
        return sum(o.cls == cls for o in self.outcomes)


# --- certificates -----------------------------------------------------------------------------------------

CERTIFICATES = REPO / "tests" / "data" / "death_certificates.yaml"
CERTIFICATE_THEME = "ld-cause-of-death"


def certificate_record(item: dict[str, Any]) -> dict[str, Any]:
    """The corpus item's certificate as a record."""
    return {"record_type": "death_certificate", "id": item["id"], **item["record"]}


def certificate_labels(findings: Iterable[Any]) -> frozenset[str]:
    """The findings that speak about a disability written as a cause, as "RULE-ID:severity" labels."""
    return frozenset(f"{f.rule_id}:{f.severity}" for f in findings
                     if CERTIFICATE_THEME in f.tags and "not-recorded" not in f.tags)


def message_problems(item: dict[str, Any], findings: Iterable[Any]) -> tuple[str, ...]:
    """Words the item says each expected finding's message must contain, and are missing."""
    wanted = item.get("message") or []
    expected = set(item.get("expect") or {})
    problems = []
    for finding in findings:
        if finding.rule_id not in expected:
            continue
        missing = [w for w in wanted if w not in finding.message]
        if missing:
            problems.append(f"{finding.rule_id} message lacks {missing}: {finding.message}")
    return tuple(problems)


def read_certificates(path: Path) -> list[dict[str, Any]]:
    """The labelled certificates of a corpus file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return list(data["certificates"])


def check_certificates(path: Path, book: Any = None) -> Report:
    """Every certificate of the corpus through the rulebook, scored against its labels."""
    if book is None:
        import leder_audit

        book = leder_audit.load_rulebook()
    outcomes = []
    for item in read_certificates(path):
        findings = book.check(certificate_record(item), as_of=AS_OF)
        expected = frozenset(f"{rule}:{severity}" for rule, severity in (item.get("expect") or {}).items())
        outcomes.append(Outcome(item["id"], item["class"], item["reason"], expected, certificate_labels(findings),
                                message_problems(item, findings)))
    return Report.of("certificates", outcomes)


def print_report(report: Report, out: Any = sys.stdout) -> None:
    """The per-class table and the list of errors."""
    print(f"\n== {report.name}: {len(report.outcomes)} items", file=out)
    print(f"{'class':<18} {'items':>5} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>9} {'recall':>7} {'F1':>6}",
          file=out)
    rows = [*report.classes.items(), ("all", report.overall)]
    for name, s in rows:
        items = len(report.outcomes) if name == "all" else report.count(name)
        print(f"{name:<18} {items:>5} {s.tp:>4} {s.fp:>4} {s.fn:>4} {s.precision:>9.3f} {s.recall:>7.3f} {s.f1:>6.3f}",
              file=out)
    errors = report.errors
    print(f"\nerrors: {len(errors)}", file=out)
    for outcome in errors:
        print(f"  {outcome.id} [{outcome.cls}] expected {sorted(outcome.expected) or 'nothing'}, "
              f"found {sorted(outcome.found) or 'nothing'} - {outcome.reason}", file=out)
        for problem in outcome.problems:
            print(f"      {problem}", file=out)


LABEL_SETS: dict[str, tuple[Path, Callable[..., Report]]] = {
    "certificates": (CERTIFICATES, check_certificates),
}


def read_items(path: Path) -> list[Item]:
    """The items of a corpus file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [Item(i["text"], i["label"], i["class"], i.get("why", ""), i) for i in data["items"]]


@dataclass
class Counts(PrecisionRecall):
    """Confusion counts for "reported" and exact-label agreement."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    exact: int = 0

    def add(self, expected: bool, predicted: bool, same_label: bool) -> None:
        self.tp += expected and predicted
        self.fp += predicted and not expected
        self.fn += expected and not predicted
        self.tn += not expected and not predicted
        self.exact += same_label

    @property
    def total(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    @property
    def accuracy(self) -> float:
        return self.exact / self.total if self.total else 1.0


@dataclass
class Result:
    """The figures of one set: overall, per class, and the items labelled wrongly."""

    overall: Counts
    by_class: dict[str, Counts]
    errors: list[tuple[Item, str]]


def predictions(corpus: CorpusSet, items: list[Item], book: Any = None) -> list[str]:
    """The label the built-in rules give each item."""
    if book is None:
        import leder_audit

        book = leder_audit.load_rulebook()
    return [corpus.predict(book.check(corpus.record(item, n), as_of=AS_OF)) for n, item in enumerate(items)]


def score(corpus: CorpusSet, items: list[Item], predicted: list[str]) -> Result:
    """Counts overall and per class."""
    overall = Counts()
    by_class: dict[str, Counts] = {}
    errors: list[tuple[Item, str]] = []
    for item, label in zip(items, predicted, strict=True):
        args = (item.label in corpus.reported, label in corpus.reported, item.label == label)
        overall.add(*args)
        by_class.setdefault(item.kind, Counts()).add(*args)
        if label != item.label:
            errors.append((item, label))
    return Result(overall, dict(sorted(by_class.items())), errors)


def evaluate(name: str, book: Any = None, path: Path | None = None) -> Result:
    """Score one named set, or a corpus file in its format, with the built-in rules (or the rulebook given)."""
    corpus = SETS[name]
    items = read_items(path or corpus.path)
    return score(corpus, items, predictions(corpus, items, book))


def print_result(name: str, result: Result) -> None:
    """The table of figures and the list of errors."""
    print(f"\n== {name}: {result.overall.total} items")
    print(f"{'class':<14} {'n':>4} {'TP':>4} {'FP':>4} {'FN':>4} {'TN':>4}  {'prec':>6} {'recall':>6} {'F1':>6}  label-acc")
    rows: Iterable[tuple[str, Counts]] = [*result.by_class.items(), ("overall", result.overall)]
    for kind, c in rows:
        print(f"{kind:<14} {c.total:>4} {c.tp:>4} {c.fp:>4} {c.fn:>4} {c.tn:>4}  "
              f"{c.precision:>6.3f} {c.recall:>6.3f} {c.f1:>6.3f}  {c.accuracy:>8.3f}")
    if result.errors:
        print(f"\nerrors ({len(result.errors)}): expected -> got | class | text")
        for item, got in result.errors:
            print(f"  {item.label:>9} -> {got:<9} | {item.kind:<11} | {item.text!r}")


# --- speed --------------------------------------------------------------------------------------

# The package's built-in rules are the subpackage leder_audit.builtin_rules, which lives in the folder
# rules/ of a checkout; an editable install elsewhere maps that name to its own checkout, so the timer
# binds it to the timed checkout's rules/ before leder_audit is imported. The timer reads one request a
# line (a round number and a slice of the texts) and answers each with the CPU time per find, so that two
# timers, one per checkout, can take turns a few texts at a time.
_TIMER = """
import importlib.util, json, sys, time
from pathlib import Path
rules = Path.cwd() / "rules"
spec = importlib.util.spec_from_file_location("leder_audit.builtin_rules", rules / "__init__.py",
                                              submodule_search_locations=[str(rules)])
module = importlib.util.module_from_spec(spec)
sys.modules["leder_audit.builtin_rules"] = module
spec.loader.exec_module(module)
import leder_audit
from leder_audit.text import load_concepts
assert Path(leder_audit.__file__).resolve().parent == Path.cwd().resolve() / "leder_audit", leder_audit.__file__
concepts = load_concepts()
texts = json.loads(sys.stdin.readline())
repeat = int(sys.argv[1])
for line in sys.stdin:
    r, first, last = json.loads(line)
    if r < 0:
        found = [[[m.concept, m.start, m.end] for m in concepts.find(text, "ld_or_related")] for text in texts]
        print(json.dumps(found), flush=True)
        continue
    out = []
    for n in range(first, last):
        # A unique tail makes every call a first sight; it holds no punctuation a trigger could use.
        fresh = [f"{texts[n]} #{r}x{n}x{i}" for i in range(repeat)]
        started = time.process_time()
        for each in fresh:
            concepts.find(each, "ld_or_related")
        out.append((time.process_time() - started) / repeat * 1e6)
    print(json.dumps(out), flush=True)
"""

# Texts timed in one checkout before the other takes its turn: small enough that a change in the
# machine's load falls on both alike.
CHUNK = 8


class Timer:
    """A process timing finds with the package of one checkout."""

    def __init__(self, root: Path, texts: list[str], repeat: int):
        env = {**os.environ, "PYTHONPATH": str(root)}
        self.root = root
        self.process = subprocess.Popen([sys.executable, "-c", _TIMER, str(repeat)], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True, env=env, cwd=root)
        self._ask(texts)

    def _ask(self, request: Any) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()

    def _answer(self) -> Any:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the timer for {self.root} stopped")
        return json.loads(line)

    def time(self, round_number: int, first: int, last: int) -> list[float]:
        """Microseconds per first-time find of texts[first:last]."""
        self._ask([round_number, first, last])
        return list(self._answer())

    def found(self) -> list[Any]:
        """The mentions found in each text."""
        self._ask([-1, 0, 0])
        return list(self._answer())

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait()


def time_texts(texts: list[str], roots: list[Path], repeat: int, rounds: int) -> tuple[list[list[float]], list[Any]]:
    """For each root, the best microseconds per first-time find of each text over the rounds, and the
    mentions found in each text, the roots taking turns every CHUNK texts."""
    timers = [Timer(root, texts, repeat) for root in roots]
    try:
        best = [[float("inf")] * len(texts) for _ in roots]
        for r in range(rounds):
            for first in range(0, len(texts), CHUNK):
                last = min(first + CHUNK, len(texts))
                # Who goes first alternates, so neither always follows the other's work.
                order = list(enumerate(timers))[:: 1 if (r + first // CHUNK) % 2 == 0 else -1]
                for k, timer in order:
                    for n, value in enumerate(timer.time(r, first, last), start=first):
                        best[k][n] = min(best[k][n], value)
        return best, [timer.found() for timer in timers]
    finally:
        for timer in timers:
            timer.close()


def speed(items: list[Item], baseline: Path | None, repeat: int, rounds: int) -> None:
    """Per-text cost, and the ratio to a baseline checkout when one is given."""
    texts = [i.text for i in items]
    roots = [REPO] if baseline is None else [REPO, baseline]
    timed, found = time_texts(texts, roots, repeat, rounds)
    best = timed[0]
    print(f"\nspeed: find(text, 'ld_or_related'), first sight, best of {rounds} rounds of {repeat}")
    print(f"  this tree   mean {statistics.mean(best):7.1f} us   median {statistics.median(best):7.1f} us   "
          f"max {max(best):7.1f} us")
    if baseline is None:
        return
    base = timed[1]
    print(f"  baseline    mean {statistics.mean(base):7.1f} us   median {statistics.median(base):7.1f} us   "
          f"max {max(base):7.1f} us   ({baseline})")
    # A text in which this tree finds a mention the baseline did not now gets context work the
    # baseline never did; its ratio is reported apart, and texts with and without a mention too.
    rows = (("same mentions found: none", lambda now, before: now == before and not now),
            ("same mentions found: one or more", lambda now, before: now == before and bool(now)),
            ("mentions found that the baseline missed", lambda now, before: now != before))
    for label, wanted in rows:
        ratios = sorted((b / a if a else 1.0, t, b, a) for b, a, t, now, before
                        in zip(best, base, texts, found[0], found[1], strict=True) if wanted(now, before))
        if not ratios:
            continue
        values = [r for r, _, _, _ in ratios]
        over = sum(r > 1.2 for r in values)
        print(f"  ratio this/baseline, {label} ({len(ratios)} texts): median {statistics.median(values):.2f}  "
              f"90th percentile {values[int(0.9 * (len(values) - 1))]:.2f}  max {values[-1]:.2f}  "
              f"over 1.20: {over}  median cost {statistics.median(b for _, _, b, _ in ratios):.0f} us / "
              f"{statistics.median(a for _, _, _, a in ratios):.0f} us")
        for ratio, text, _, _ in ratios[-3:]:
            print(f"    {ratio:.2f}  {text[:90]!r}")


def main(argv: list[str] | None = None) -> int:
    """Print the figures of the chosen sets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", dest="sets", action="append", choices=sorted({*SETS, *LABEL_SETS}),
                        help="a corpus to score (default: all)")
    parser.add_argument("--corpus", type=Path, help="with one --set: a corpus file in that set's format")
    parser.add_argument("--speed", action="store_true", help="also time each rationale")
    parser.add_argument("--baseline", type=Path, help="a checkout to compare speed with")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    for name in args.sets or sorted({*SETS, *LABEL_SETS}):
        if name in LABEL_SETS:
            default, check = LABEL_SETS[name]
            print_report(check(args.corpus or default))
        else:
            print_result(name, evaluate(name, path=args.corpus))
    if args.speed:
        speed(read_items(SETS["rationales"].path), args.baseline, args.repeat, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
