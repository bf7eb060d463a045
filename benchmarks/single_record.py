"""Latency of checking one record at a time with a warm Checker, as a form or a service does.

    python benchmarks/single_record.py [--calls 20000] [--as-of 2025-01-01]

Checks a DNACPR decision and a LeDeR review (with its embedded certificate and DNACPR decision)
`--calls` times each with one `leder_audit.Checker`, after 1,000 warm-up calls, and prints the
median, p99 and p99.9 of one call in microseconds, with `book.check()` and a fresh `Auditor` per
call beside them. `--clock cpu` (the default) times the calling thread's CPU, which leaves out time
the process waited for a core on a busy machine; `--clock wall` times what a caller waits. Pin it
to one core with `taskset -c 0`.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from statistics import quantiles
from typing import Any, Callable

from leder_audit import Auditor, Checker, load_rulebook

DNACPR = {"record_type": "dnacpr_decision", "id": "D1", "form": "dnacpr", "decision_date": "2024-03-02",
          "rationale": "Severe learning disability and poor quality of life", "person_has_capacity": False,
          "capacity_assessment_documented": True, "best_interests_documented": False,
          "discussed_with_person": False, "discussed_with_family_or_advocate": True,
          "senior_responsible_clinician": "Dr A. Khan", "person": {"age": 54, "learning_disability": True}}
REVIEW = {"record_type": "mortality_review", "id": "R1", "notification_date": "2023-06-06",
          "review_completed_date": "2024-02-21", "date_of_death": "2023-05-12",
          "person": {"date_of_birth": "2004-02-10", "age": 19, "learning_disability": True},
          "transition": {"transition_plan_documented": False},
          "care_coordination": {"agencies_involved": ["GP", "social care"], "named_care_coordinator": False},
          "family": {"invited_to_contribute": True, "concerns_raised": False},
          "health": {"annual_health_check_within_12_months": False, "reasonable_adjustment_flag": True},
          "risks": {"dysphagia": True, "salt_assessment": False, "aspiration_pneumonia": True},
          "death_certificate": {"id": "R1-C", "date_of_death": "2023-05-12",
                                "part1": [{"text": "Aspiration pneumonia"}, {"text": "Down's syndrome"}]},
          "dnacpr": {"id": "R1-D", "rationale": "Learning disabilities", "decision_date": "2023-04-01"},
          "narrative": "He was admitted with a chest infection and died in hospital."}


def latencies(check: Callable[[Any], Any], record: dict, calls: int, clock: Callable[[], int]) -> list[float]:
    for _ in range(1000):
        check(record)
    timings = []
    for _ in range(calls):
        start = clock()
        check(record)
        timings.append((clock() - start) / 1000)
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--clock", choices=("cpu", "wall"), default="cpu")
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2025, 1, 1))
    args = parser.parse_args()
    book = load_rulebook()
    checker = Checker(book, as_of=args.as_of)
    ways = {"Checker.check": checker.check,
            "book.check": lambda record: book.check(record, as_of=args.as_of),
            "a new Auditor each call": lambda record: Auditor(book, as_of=args.as_of).check(record)}
    clock = time.thread_time_ns if args.clock == "cpu" else time.perf_counter_ns
    print(f"{args.clock} time, {args.calls:,} calls each")
    print("| record | way | findings | median us | p99 us | p99.9 us |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for name, record in (("DNACPR decision", DNACPR), ("LeDeR review", REVIEW)):
        for way, check in ways.items():
            cuts = quantiles(latencies(check, record, args.calls, clock), n=1000)
            print(f"| {name} | {way} | {len(check(record))} | {cuts[499]:.1f} | {cuts[989]:.1f} | {cuts[998]:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
