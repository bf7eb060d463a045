"""What explaining a rule that fires costs, afresh: the rulebook's explaining closures against deciding alone and
against the reference interpreter, in microseconds a firing rule.

    python benchmarks/explanations.py FILE [--records 2000] [--rounds 3]

Every rule is decided on every record (and embedded record) of the first --records lines of FILE; each rule
that fires (true, or unknown with a not-recorded case) is then explained again and again with nothing kept
between calls, as the engine does when it meets an explanation for the first time. CPU time, best of --rounds;
and how many Python function calls an explanation makes on average, which a busy machine does not move.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from itertools import islice
from typing import Any

from leder_audit import load_rulebook
from leder_audit.intake import record_data
from leder_audit.language.compile import CONTEXT, MEMO, RECORD
from leder_audit.language.functions import RunContext
from leder_audit.language.interpret import interpret
from leder_audit.language.trace import Trace
from leder_audit.records import parts_of

from stages import best

AS_OF = date(2025, 1, 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--records", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with open(args.path, "rb") as handle:
        records = [record_data(line) for line in islice(handle, args.records)]
    book = load_rulebook()
    context = RunContext(today=AS_OF, concepts=book.concepts)
    decide = {rule.id: compiled for plan in book.plans.values() for rule, compiled in plan}
    firing: list[tuple[Any, dict[str, Any]]] = []
    for record in records:
        for part, _ in parts_of(record):
            env = {RECORD: part, CONTEXT: context, MEMO: {}}
            for rule, compiled in book.plans[part["record_type"]]:
                outcome = compiled(env)
                if outcome is True and rule.recorded is not None or outcome is None and rule.unknown is not None:
                    firing.append((rule, part))

    def deciding() -> None:
        for rule, part in firing:
            decide[rule.id]({RECORD: part, CONTEXT: context, MEMO: {}})

    def explaining() -> None:
        for rule, part in firing:
            book.explainers[rule.id]({RECORD: part, CONTEXT: context})

    def interpreting() -> None:
        for rule, part in firing:
            interpret(rule.condition, {RECORD: part, CONTEXT: context}, Trace())

    count = len(firing)
    calls = 0

    def counted(frame: Any, event: str, arg: Any) -> None:
        nonlocal calls
        if event == "call":
            calls += 1

    sys.setprofile(counted)
    explaining()
    sys.setprofile(None)
    print(f"{len(records):,} records, {count:,} rules that fire; microseconds a firing rule, CPU time, best of "
          f"{args.rounds}")
    for name, work in [("deciding alone", deciding), ("explaining closures", explaining),
                       ("reference interpreter", interpreting)]:
        print(f"  {name:22s} {best(work, args.rounds, count):7.1f}")
    print(f"  Python calls an explanation makes: {calls / max(count, 1):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
