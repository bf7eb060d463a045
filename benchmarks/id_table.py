"""Memory and time of the table of ids seen (leder_audit/duplicates.py), in a fresh process.

    python benchmarks/id_table.py [--ids 1000000]

Notes --ids distinct ids as a check notes them and prints the resident memory before and after and the
process's peak (MiB), then the CPU seconds of --ids look-ups of random 64-bit keys in a fresh table (best
of three). Run it on two versions of the code to compare them.
"""

from __future__ import annotations

import argparse
import random
import resource
import time

from leder_audit.duplicates import DuplicateIds, HashTable


def resident_mib() -> float:
    with open("/proc/self/statm") as statm:  # pages: total, resident, ...
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ids", type=int, default=1_000_000)
    args = parser.parse_args()
    ids = DuplicateIds()
    before = resident_mib()
    for number in range(args.ids):
        ids.note("death_certificate", f"C{number}", "f", "l", number)
    after = resident_mib()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.ids:,} ids: resident {before:.0f} MiB before, {after:.0f} after; peak {peak:.0f} MiB")
    del ids
    draw = random.Random(1)
    keys = [draw.getrandbits(63) for _ in range(args.ids)]
    best = float("inf")
    for _ in range(3):
        table = HashTable()
        start = time.process_time()
        for key in keys:
            table.find_or_add(key)
        best = min(best, time.process_time() - start)
    print(f"{args.ids:,} look-ups of random keys: {best:.2f} s CPU (best of 3)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
