"""Cost of checking records held in a pandas DataFrame against checking the same records as dicts.

    python benchmarks/dataframe_benchmark.py [N]      # N generated records (default 20,000)

Prints seconds for audit(list of dicts), check_dataframe on pd.DataFrame(records) (nested cells) and on
pd.json_normalize(records) (dotted columns with NaN for gaps), and each as a ratio of the first.
Compare the ratios: they hold from one machine to the next, the seconds do not.
"""

from __future__ import annotations

import sys
import time
from datetime import date

import pandas

import leder_audit
from leder_audit.generate import generate_records

AS_OF = date(2025, 1, 1)


def best_of(runs: int, work) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def main(argv: list[str]) -> int:
    size = int(argv[1]) if len(argv) > 1 else 20_000
    book = leder_audit.load_rulebook()
    records = list(generate_records(size, seed=3))
    nested, flat = pandas.DataFrame(records), pandas.json_normalize(records)
    base = best_of(3, lambda: leder_audit.audit(records, rulebook=book, as_of=AS_OF))
    print(f"{size:,} records, best of 3")
    print(f"audit(list of dicts)             {base:7.2f} s   1.00")
    for name, frame in (("pd.DataFrame(records)", nested), ("pd.json_normalize(records)", flat)):
        seconds = best_of(3, lambda: leder_audit.check_dataframe(frame, book, as_of=AS_OF))
        print(f"check_dataframe({name:<26}) {seconds:7.2f} s   {seconds / base:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
