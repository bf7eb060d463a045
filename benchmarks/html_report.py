"""How fast the HTML report opens in a browser, on generated records with many findings.

    python benchmarks/html_report.py                          # about 50,000 findings, best of 3 loads
    python benchmarks/html_report.py --records 8000 --repeat 1
    python benchmarks/html_report.py --compare-with c2bd207   # also the report as that git commit wrote it

Records come from `leder-audit generate N --seed 5 --problem-rate 1 --unique-text` (every record carries a
known problem, about 1.4 findings each, every free text unlike any other), written once into --data-dir.
`leder-audit check --format html --html-max-findings 1000000` writes the report, so that every finding is in
it. A headless Chromium (the system's, driven over the DevTools protocol on a pipe; tests/browser.py) then
opens the file --repeat times, each time in a fresh page, and the figures are:

- load: the browser's own navigation timing, from the start of navigation to the end of the load event:
  reading and parsing the file, and running the page's script, which draws the first rows;
- search: the time the page takes to filter every finding by a word typed into the search box and draw
  the first page of the result (measured inside the page with performance.now());
- group: the same for grouping every finding by rule.

With --compare-with REF, the report is also written by the package as it was at git commit REF (a
temporary worktree) and opened the same way, so that both figures come from one run on one machine.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser import Browser, chromium  # noqa: E402

AS_OF = "2025-01-01"


def run(args: list[str], pythonpath: Path = ROOT) -> None:
    env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    # Run from inside the tree, so that `-m leder_audit` imports that tree's package and no other.
    subprocess.run([sys.executable, "-m", "leder_audit", *args], check=False, env=env, cwd=pythonpath,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def records(folder: Path, count: int) -> Path:
    path = (folder / f"html-bench-{count}.ndjson").resolve()
    if not path.exists():
        run(["generate", str(count), "--seed", "5", "--problem-rate", "1", "--unique-text", "--output", str(path)])
    return path


def report(data: Path, out: Path, pythonpath: Path = ROOT) -> float:
    started = time.perf_counter()
    run(["check", str(data), "--as-of", AS_OF, "--format", "html", "--html-max-findings", "1000000",
         "--output", str(out)], pythonpath)
    return time.perf_counter() - started


INTERACT = """(function(){
  var t0 = performance.now(); location.hash = '%s'; window.dispatchEvent(new HashChangeEvent('hashchange'));
  return performance.now() - t0; })()"""


def measure(browser: Browser, path: Path, repeat: int) -> dict[str, float]:
    loads, searches, groups = [], [], []
    for _ in range(repeat):
        loads.append(browser.open(path.as_uri()))
        if browser.js("!!document.getElementById('report-data')"):
            searches.append(browser.js(INTERACT % "q=capacity") / 1000)
            groups.append(browser.js(INTERACT % "group=rule") / 1000)
    shown = browser.js("(document.getElementById('findings-total')||{}).textContent||''")
    figures = {"load": min(loads), "findings": float(shown.replace(",", "") or 0)}
    if searches:
        figures.update(search=min(searches), group=min(groups))
    return figures


def old_tree(ref: str, folder: Path) -> Path:
    target = folder / f"tree-{ref}"
    if not target.exists():
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(target), ref], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=36000, help="records to generate (default 36000: about 50,000 findings)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data-dir", default=tempfile.gettempdir())
    parser.add_argument("--compare-with", metavar="REF", help="also time the report as git commit REF writes it")
    args = parser.parse_args()
    executable = chromium()
    if executable is None:
        print("chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 2
    folder = Path(args.data_dir).resolve()
    data = records(folder, args.records)
    versions: list[tuple[str, Path]] = [("this tree", ROOT)]
    if args.compare_with:
        versions.append((args.compare_with, old_tree(args.compare_with, folder)))
    print(f"{args.records} generated records; Chromium {subprocess.run([executable, '--version'], capture_output=True, text=True).stdout.strip()}")
    print(f"{'version':12} {'findings':>9} {'file MB':>8} {'write s':>8} {'load s':>7} {'search s':>9} {'group s':>8}")
    try:
        for name, tree in versions:
            out = folder / f"html-bench-{args.records}-{name.replace(' ', '-')}.html"
            written = report(data, out, tree)
            with Browser(executable, width=1440, height=900, timeout=600) as browser:
                figures = measure(browser, out, args.repeat)
            print(f"{name:12} {figures['findings']:>9,.0f} {out.stat().st_size / 1e6:>8.1f} {written:>8.1f} "
                  f"{figures['load']:>7.2f} {figures.get('search', float('nan')):>9.3f} {figures.get('group', float('nan')):>8.3f}")
    finally:
        for name, tree in versions[1:]:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
