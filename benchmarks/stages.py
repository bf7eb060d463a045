"""Where one record's time goes: parsing, validation, rule evaluation, findings, in microseconds a record.

    python benchmarks/stages.py benchmarks/data/records-100000-seed6.ndjson [--records 30000] [--rounds 5]

Each stage is timed in this process on the first --records lines of the file (CPU time, best of
--rounds), so the figures add up to about what `leder-audit check` spends a record, less start-up,
reading lines and writing output. "intake" is what a run does to each line before the rules
(`record_data`: the msgspec Structs derived from the record models, and the models for what those do
not take); "intake, models alone" is the same work done by the pydantic models only
(`record_data_by_models`), for comparison.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from itertools import islice
from typing import Callable

from leder_audit import load_rulebook
from leder_audit.engine import Auditor, Incoming
from leder_audit.intake import record_data, record_data_by_models
from leder_audit.language.compile import CONTEXT, MEMO, RECORD
from leder_audit.language.functions import RunContext
from leder_audit.records import parts_of, record_adapter, record_data_validator

AS_OF = date(2025, 1, 1)


def best(work: Callable[[], object], rounds: int, count: int) -> float:
    """Fastest CPU time of `rounds` runs of work, in microseconds per item (a record, a firing rule)."""
    fastest = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        work()
        fastest = min(fastest, time.process_time() - start)
    return fastest / max(count, 1) * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--records", type=int, default=30_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with open(args.path, "rb") as handle:
        lines = list(islice(handle, args.records))
    count = len(lines)
    book = load_rulebook()
    validate_models = record_adapter.validator.validate_json
    validate = record_data_validator.validate_json
    records = [validate(line) for line in lines]
    checked = [(part, part["record_type"]) for record in records for part, _ in parts_of(record)]
    context = RunContext(today=AS_OF, concepts=book.concepts)

    def evaluate() -> None:
        for record, record_type in checked:
            env = {RECORD: record, CONTEXT: context, MEMO: {}}
            for _, compiled in book.plans[record_type]:
                compiled(env)

    incoming = [Incoming(line, args.path, f"line {n}") for n, line in enumerate(lines, 1)]
    no_rules = {record_type: [] for record_type in book.plans}
    full_plans = book.plans

    def run(plans: dict) -> Callable[[], object]:
        def go() -> object:
            book.plans = plans
            try:
                return sum(1 for _ in Auditor(book, as_of=AS_OF).run(iter(incoming)))
            finally:
                book.plans = full_plans
        return go

    found = run(full_plans)()
    figures = {
        "json.loads": best(lambda: [json.loads(line) and None for line in lines], args.rounds, count),
        "validate_json, models": best(lambda: [validate_models(line) and None for line in lines], args.rounds, count),
        "validate_json, dicts": best(lambda: [validate(line) and None for line in lines], args.rounds, count),
        "intake, models alone": best(lambda: [record_data_by_models(line) and None for line in lines], args.rounds,
                                     count),
        "intake": best(lambda: [record_data(line) and None for line in lines], args.rounds, count),
        "rule evaluation only": best(evaluate, args.rounds, count),
        "run without rules": best(run(no_rules), args.rounds, count),
        "run, whole rulebook": best(run(full_plans), args.rounds, count),
    }
    print(f"{count:,} records, {len(book.rules)} rules, {found:,} findings "
          f"({found / count:.2f} a record); microseconds a record, CPU time, best of {args.rounds}")
    for name, value in figures.items():
        print(f"  {name:24s} {value:7.1f}")
    rest = figures["run, whole rulebook"] - figures["run without rules"] - figures["rule evaluation only"]
    print(f"  {'findings and the rest':24s} {rest:7.1f}  (run, whole rulebook - run without rules - evaluation)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
