"""What refusing a repeated key costs an .ndjson line: record_data with and without the check, CPU time.

    python benchmarks/repeated_keys.py            # 5,000 generated records, best of 8 alternating runs

pydantic reads a line straight from its bytes and keeps the last value of a repeated key; intake counts the
keys with a value in the bytes and in what was read, and parses again only when they differ.
"""

from __future__ import annotations

import argparse
import time

from leder_audit import intake
from leder_audit.generate import generate_records
from pydantic_core import to_json


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=8)
    options = parser.parse_args()
    lines = [to_json(record) for record in generate_records(options.records, seed=6)]
    check = intake.repeated_key
    runs: dict[str, list[float]] = {"without the check": [], "with the check": []}
    for _ in range(options.repeat):
        for name, replacement in (("without the check", lambda raw, fields: None), ("with the check", check)):
            intake.repeated_key = replacement  # type: ignore[assignment]
            start = time.process_time()
            for line in lines:
                intake.record_data(line)
            runs[name].append(time.process_time() - start)
    intake.repeated_key = check
    for name, times in runs.items():
        print(f"{name:18s} {min(times) / len(lines) * 1e6:6.1f} µs a record")
    print(f"ratio {min(runs['with the check']) / min(runs['without the check']):.2f}")


if __name__ == "__main__":
    main()
