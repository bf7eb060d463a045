"""Write every finding of a fixed set of inputs, or compare them with findings written before.

    python benchmarks/same_findings.py --write before.ndjson [GENERATED.ndjson ...]
    python benchmarks/same_findings.py --against before.ndjson [GENERATED.ndjson ...]

The inputs are the record fixtures (fixtures/*.ndjson, fixtures/*.json), the labelled corpora of
tests/data (certificates and DNACPR rationales) and any generated NDJSON files named on the command
line (`leder-audit generate N --seed 6 [--findings-heavy | --unique-text]`). Each finding is written as
its JSON, both as `check --format ndjson` writes it (`Auditor.found`) and as the Finding model
gives it (`Auditor.run`), with the `Auditor.explain` answers of every rule that fired, so that a change to
how rules are evaluated or explained can be shown to leave every byte as it was.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from itertools import zip_longest
from pathlib import Path
from typing import Any, Iterator

import yaml

from leder_audit import load_rulebook
from leder_audit.engine import Auditor
from leder_audit.intake import Admitted, admit
from leder_audit.readers import read

REPO = Path(__file__).resolve().parent.parent
AS_OF = date(2025, 1, 1)


def corpus_records() -> Iterator[tuple[str, Any]]:
    """The records of the fixtures and the labelled corpora, each with a name for its input."""
    for path in sorted((REPO / "fixtures").glob("*.ndjson")) + [REPO / "fixtures" / "dnacpr_decisions.json"]:
        for number, item in enumerate(read(path), 1):
            admitted = admit(item, number)
            if type(admitted) is Admitted:
                yield path.name, admitted[0]
    certificates = yaml.safe_load((REPO / "tests/data/death_certificates.yaml").read_text(encoding="utf-8"))
    for item in certificates["certificates"]:
        yield "death_certificates.yaml", {"record_type": "death_certificate", "id": item["id"], **item["record"]}
    rationales = yaml.safe_load((REPO / "tests/data/dnacpr_rationales.yaml").read_text(encoding="utf-8"))
    for number, item in enumerate(rationales["items"], 1):
        yield "dnacpr_rationales.yaml", {"record_type": "dnacpr_decision", "id": f"R{number}", "rationale": item["text"]}


def lines(generated: list[Path]) -> Iterator[str]:
    """Every finding of every input as lines of JSON, in a fixed order."""
    book = load_rulebook()
    corpus = list(corpus_records())
    yield from _findings("corpora", book, [record for _, record in corpus])
    for path in generated:
        with path.open("rb") as handle:
            yield from _findings(path.name, book, list(handle))
    explainer = Auditor(book, as_of=AS_OF)
    for name, record in corpus:
        for finding in Auditor(book, as_of=AS_OF).check(record):
            for explained in explainer.explain(finding.rule_id, record):
                yield json.dumps({"explain": name, "rule": finding.rule_id, "record": explained.record_id,
                                  "at": explained.at, "outcome": explained.outcome, "fires": explained.fires,
                                  "steps": [[s.expression, s.value, s.inputs] for s in explained.steps],
                                  "evidence": [[s.text, s.start, s.end, s.context, s.field, p]
                                               for s, p in explained.evidence]}, default=str)


def _findings(name: str, book: Any, items: list[Any]) -> Iterator[str]:
    yield json.dumps({"input": name, "records": len(items)})
    yield from (found.json() for found in Auditor(book, as_of=AS_OF).found(items))
    yield from (finding.model_dump_json() for finding in Auditor(book, as_of=AS_OF).run(items))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("generated", nargs="*", type=Path, help="generated NDJSON files to check as well")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", type=Path, help="write the findings to this file")
    group.add_argument("--against", type=Path, help="compare the findings with this file")
    args = parser.parse_args()
    if args.write:
        with args.write.open("w", encoding="utf-8") as out:
            count = sum(out.write(line + "\n") > 0 for line in lines(args.generated))
        print(f"{count} lines written to {args.write}")
        return 0
    with args.against.open(encoding="utf-8") as before:
        for number, (old, new) in enumerate(zip_longest(before, lines(args.generated)), 1):
            old = old.rstrip("\n") if old is not None else None
            if old != new:
                print(f"line {number} differs:\n  before: {old}\n  now:    {new}", file=sys.stderr)
                return 1
    print(f"{number} lines, all the same")
    return 0


if __name__ == "__main__":
    sys.exit(main())
