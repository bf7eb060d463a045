"""Write, or compare with, every result the clinical-text reading gives on the labelled corpora and fixtures.

A change made for speed must give the same answers. Run from the repository root, before the change:

    python benchmarks/same_results.py --write /tmp/before.ndjson

and after it:

    python benchmarks/same_results.py --compare /tmp/before.ndjson

(--root DIR reads another checkout's package, rules and data with this script, so a checkout
from before the script existed can be compared too.)

Each line of the file is one JSON result, written with sorted keys:

- for every text (the rationales and certificates of the corpora under tests/data, the NegEx
  sentences, the free texts of the fixtures and of generated records with unique text): the
  trigger hits the context rules find, every mention of every concept with its whole context,
  and which concept and group names `find` answers for;
- the context of every annotated NegEx span, as `classify` gives it;
- the findings of `book.check` on every corpus record, every fixture record and every generated
  record, as JSON.

--compare prints the first lines that differ and exits 1 when any does.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import subprocess
import sys
import warnings
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
AS_OF = date(2024, 6, 30)


def use_checkout(root: Path) -> None:
    """Import the package and its built-in rules from the checkout at root, whatever else is installed.

    The built-in rules are the subpackage leder_audit.builtin_rules, the folder rules/ of a checkout; an
    editable install elsewhere maps that name to its own checkout, so it is bound here first.
    """
    sys.path.insert(0, str(root))
    rules = root / "rules"
    spec = importlib.util.spec_from_file_location("leder_audit.builtin_rules", rules / "__init__.py",
                                                  submodule_search_locations=[str(rules)])
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["leder_audit.builtin_rules"] = module
    spec.loader.exec_module(module)
    import leder_audit
    from leder_audit.resources import builtin_rules_dir

    assert Path(leder_audit.__file__).resolve().parent == root / "leder_audit", leder_audit.__file__
    assert builtin_rules_dir().resolve() == rules.resolve(), builtin_rules_dir()
# Free-text fields of the record types, read from corpus, fixture and generated records.
TEXT_FIELDS = ("rationale", "reason_not_discussed", "narrative", "concerns_text", "text")


def corpus_records(root: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """The rationale and certificate corpora as records."""
    rationales = yaml.safe_load((root / "tests" / "data" / "dnacpr_rationales.yaml").read_text(encoding="utf-8"))["items"]
    for number, item in enumerate(rationales):
        yield f"rationale {number}", {"record_type": "dnacpr_decision", "id": f"R{number}", "rationale": item["text"]}
    certificates = yaml.safe_load((root / "tests" / "data" / "death_certificates.yaml").read_text(encoding="utf-8"))["certificates"]
    for item in certificates:
        yield f"certificate {item['id']}", {"record_type": "death_certificate", "id": item["id"], **item["record"]}


def fixture_records(root: Path) -> Iterator[tuple[str, Any]]:
    """Every record the readers give for the fixture files (rejections included, as they are)."""
    from leder_audit.readers import read

    # Read by a path relative to the checkout, so that a rejection's source is the same in every checkout.
    os.chdir(root)
    for path in sorted(Path("fixtures").iterdir()):
        if path.suffix not in (".json", ".ndjson", ".csv", ".tsv", ".xlsx") or path.name.endswith(".expected.json"):
            continue
        mapping = Path("fixtures", "export_mapping.yaml") if path.stem == "export" else None
        try:
            for number, item in enumerate(read(path, mapping=mapping)):
                yield f"fixture {path.name} {number}", item
        except Exception as error:  # noqa: BLE001 - a file the readers refuse is itself a result
            yield f"fixture {path.name} refused", {"error": str(error)}


def generated_records(root: Path, count: int) -> Iterator[tuple[str, dict[str, Any]]]:
    """Records from `leder-audit generate` with unique free text, every one with a known problem and not."""
    for flags in (["--unique-text"], ["--unique-text", "--findings-heavy"]):
        out = subprocess.run([sys.executable, "-m", "leder_audit", "generate", str(count), "--seed", "7", *flags],
                             capture_output=True, text=True, check=True, cwd=root,
                             env={**os.environ, "PYTHONPATH": str(root)}).stdout
        for number, line in enumerate(out.splitlines()):
            if line.strip():
                yield f"generated {' '.join(flags)} {number}", json.loads(line)


def texts_of(value: Any) -> Iterator[str]:
    """Every free text held in a record, however deep."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key in TEXT_FIELDS and isinstance(inner, str):
                yield inner
            else:
                yield from texts_of(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from texts_of(inner)


def negex_cases(root: Path) -> Iterator[tuple[str, int, int]]:
    """The NegEx test set's sentences with the span of each annotated concept."""
    sys.path.insert(0, str(root / "benchmarks"))
    import negex_benchmark

    for name, labels in ((negex_benchmark.NEGATION_FILE, (3,)), (negex_benchmark.CONTEXT_FILE, (3, 4, 5))):
        for case in negex_benchmark.read_cases(root / "tests" / "data" / "negex" / name, labels):
            yield case.sentence, case.start, case.end


def text_results(concepts: Any, text: str) -> dict[str, Any]:
    """Everything the text reading answers for one text."""
    hits = [[h.start, h.end, h.text, h.trigger.phrase, h.trigger.category, h.trigger.direction]
            for h in concepts.triggers.hits(text)]
    mentions = [[m.concept, m.start, m.end, m.text, m.context.label, repr(m.context)]
                for m in concepts.find_all(text)]
    names = {name: [[m.start, m.end, m.concept] for m in concepts.find(text, name)]
             for name in sorted(concepts.names())}
    return {"text": text, "hits": hits, "mentions": mentions, "find": {k: v for k, v in names.items() if v}}


def results(root: Path, generated: int) -> Iterator[dict[str, Any]]:
    """Every result, in a fixed order."""
    import leder_audit
    from leder_audit.findings import Rejection
    from leder_audit.text import classify, load_concepts

    concepts = load_concepts()
    book = leder_audit.load_rulebook()
    records = [*corpus_records(root), *fixture_records(root), *generated_records(root, generated)]
    texts: dict[str, None] = {}
    for name, record in records:
        if isinstance(record, Rejection):
            yield {"record": name, "rejected": record.model_dump(mode="json")}
            continue
        data = record if isinstance(record, dict) else getattr(record, "data", record)
        texts.update(dict.fromkeys(texts_of(data)))
        try:
            findings = [f.model_dump(mode="json") for f in book.check(record, as_of=AS_OF)]
        except Exception as error:  # noqa: BLE001 - a record the engine refuses is itself a result
            findings = [{"error": f"{type(error).__name__}: {error}"}]
        yield {"record": name, "findings": findings}
    for sentence, start, end in negex_cases(root):
        texts[sentence] = None
        yield {"negex": [sentence, start, end], "context": repr(classify(sentence, start, end))}
    for text in texts:
        yield text_results(concepts, text)


def lines(root: Path, generated: int) -> Iterator[str]:
    for result in results(root, generated):
        yield json.dumps(result, sort_keys=True, ensure_ascii=False, default=str)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", type=Path, help="write every result to this file")
    group.add_argument("--compare", type=Path, help="compare every result with this file")
    parser.add_argument("--root", type=Path, default=REPO,
                        help="the checkout whose package, rules and data are read (default: this one)")
    parser.add_argument("--generated", type=int, default=1000, help="records generated of each kind (default 1000)")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    use_checkout(root)
    warnings.simplefilter("ignore")
    now = list(lines(root, args.generated))
    digest = hashlib.sha256("\n".join(now).encode()).hexdigest()
    if args.write:
        args.write.write_text("\n".join(now) + "\n", encoding="utf-8")
        print(f"{len(now)} results written to {args.write}, sha256 {digest}")
        return 0
    before = args.compare.read_text(encoding="utf-8").splitlines()
    differing = [(n, a, b) for n, (a, b) in enumerate(zip(before, now)) if a != b]
    if len(before) != len(now):
        print(f"{len(before)} results before, {len(now)} now")
    for n, a, b in differing[:5]:
        print(f"result {n} differs:\n  before {a[:600]}\n  now    {b[:600]}")
    same = not differing and len(before) == len(now)
    print(f"{len(now)} results, {len(differing)} differ, sha256 {digest}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
