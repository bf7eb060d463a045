"""Speed and memory of `leder-audit check` against a hand-written four-check script, on generated records.

    python benchmarks/run_benchmark.py                      # 100k and 1M records, best of 3
    python benchmarks/run_benchmark.py --sizes 100000 --repeat 1
    python benchmarks/run_benchmark.py --jobs 2             # also time --jobs 2
    python benchmarks/run_benchmark.py --unique-text        # also time a file whose free texts are all unique
    python benchmarks/run_benchmark.py --findings-heavy     # also time a file where every record has a problem

Each run is a fresh child process pinned to one CPU core (`--jobs N` runs get N cores). Wall time
is the best of --repeat runs; peak RSS is the child's own `ru_maxrss` from os.wait4 (for --jobs
runs, the parent's; each worker's peak is about the same). Records are written once per size
with `leder-audit generate N --seed 6` into --data-dir and reused; with --unique-text, also
`leder-audit generate N --seed 6 --unique-text`, the same records with every free text made unique;
with --findings-heavy, `leder-audit generate N --seed 6 --findings-heavy`, every record carrying a
known problem (about 1.7 findings a record, against 0.43), timed with the hand-written script beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
AS_OF = "2025-01-01"


def leder_audit() -> list[str]:
    found = shutil.which("leder-audit")
    return [found] if found else [sys.executable, "-m", "leder_audit.cli"]


def data_file(folder: Path, size: int, seed: int, unique_text: bool = False, heavy: bool = False) -> Path:
    path = folder / f"records-{size}-seed{seed}{'-unique-text' if unique_text else ''}{'-heavy' if heavy else ''}.ndjson"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        print(f"generating {size} records into {path}", file=sys.stderr)
        subprocess.run([*leder_audit(), "generate", str(size), "--seed", str(seed), "--output", str(path),
                        *(["--unique-text"] if unique_text else []),
                        *(["--findings-heavy"] if heavy else [])], check=True)
    return path


def timed(command: list[str], cores: int, env: dict[str, str] | None = None) -> dict[str, float]:
    """Wall and CPU seconds and peak RSS (MiB) of one child process pinned to `cores` CPUs."""
    available = sorted(os.sched_getaffinity(0))

    def pin() -> None:
        os.sched_setaffinity(0, available[:cores])

    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=pin,
                             env={**os.environ, **(env or {})})
    stderr = child.stderr.read() if child.stderr else b""
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({child.returncode}):\n{stderr.decode()}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mib": usage.ru_maxrss / 1024,
            "stderr": stderr.decode().strip().splitlines()[-1:]}  # type: ignore[dict-item]


def best_of(command: list[str], repeat: int, cores: int = 1, env: dict[str, str] | None = None) -> dict[str, float]:
    runs = [timed(command, cores, env) for _ in range(repeat)]
    best = min(runs, key=lambda r: r["wall"])
    best["rss_mib"] = max(r["rss_mib"] for r in runs)
    return best


def rule_count() -> int:
    listing = subprocess.run([*leder_audit(), "rules", "list", "--format", "json"], capture_output=True, check=True)
    return len(json.loads(listing.stdout))


def check_command(path: Path) -> list[str]:
    return [*leder_audit(), "check", str(path), "--format", "ndjson", "--output", "/dev/null", "--as-of", AS_OF]


def measure(path: Path, size: int, repeat: int, jobs: list[int], unique: Path | None = None,
            heavy: Path | None = None) -> dict:
    check = check_command(path)
    hand = [sys.executable, str(HERE / "handwritten_four_checks.py"), str(path), "--as-of", AS_OF]
    row: dict = {"records": size}
    row["rulebook"] = best_of(check, repeat)
    row["validate_only"] = best_of([*leder_audit(), "validate", str(path)], repeat)
    row["handwritten_json"] = best_of(hand, repeat)
    try:
        import orjson  # noqa: F401

        row["handwritten_orjson"] = best_of([*hand, "--orjson"], repeat)
    except ImportError:
        pass
    for n in jobs:
        row[f"rulebook_jobs{n}"] = best_of([*check, "--jobs", str(n)], repeat, cores=n)
    if unique is not None:
        row["rulebook_unique_text"] = best_of(check_command(unique), repeat)
    if heavy is not None:
        row["rulebook_findings_heavy"] = best_of(check_command(heavy), repeat)
        row["handwritten_json_findings_heavy"] = best_of(
            [sys.executable, str(HERE / "handwritten_four_checks.py"), str(heavy), "--as-of", AS_OF], repeat)
    return row


def report(rows: list[dict], rules: int) -> None:
    print(f"\n{rules} rules; Python {platform.python_version()}; {platform.processor() or platform.machine()}")
    print("| records | run | wall s | records/s | CPU s | peak RSS MiB | time vs hand-written (json) |")
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        for name, figures in row.items():
            if name == "records":
                continue
            # Each file's run is compared with the hand-written script on the same file.
            base = row["handwritten_json" + ("_findings_heavy" if name.endswith("_findings_heavy") else "")]["wall"]
            print(f"| {row['records']:,} | {name} | {figures['wall']:.1f} | {row['records'] / figures['wall']:,.0f} | "
                  f"{figures['cpu']:.1f} | {figures['rss_mib']:.0f} | {figures['wall'] / base:.2f}x |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command; the fastest counts")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--jobs", type=int, nargs="*", default=[], help="also time `check --jobs N` for each N")
    parser.add_argument("--unique-text", action="store_true",
                        help="also time check on the same records with every free text unique, as in real exports")
    parser.add_argument("--findings-heavy", action="store_true",
                        help="also time check on records that all carry a known problem")
    parser.add_argument("--data-dir", type=Path, default=HERE / "data")
    parser.add_argument("--json", type=Path, help="also write the figures here as JSON")
    args = parser.parse_args()
    rules = rule_count()
    rows = []
    for size in args.sizes:
        path = data_file(args.data_dir, size, args.seed)
        unique = data_file(args.data_dir, size, args.seed, unique_text=True) if args.unique_text else None
        heavy = data_file(args.data_dir, size, args.seed, heavy=True) if args.findings_heavy else None
        rows.append(measure(path, size, args.repeat, args.jobs, unique, heavy))
        print(json.dumps(rows[-1]), file=sys.stderr)
    report(rows, rules)
    if args.json:
        args.json.write_text(json.dumps({"rules": rules, "rows": rows}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
