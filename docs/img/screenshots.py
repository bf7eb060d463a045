"""Screenshots of the HTML report for docs/outputs.md, at three window sizes, from generated records.

    python docs/img/screenshots.py          # writes docs/img/report-*.png

Needs the system's chromium (driven as the tests drive it, tests/browser.py)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.browser import Browser, chromium  # noqa: E402

HERE = Path(__file__).resolve().parent
# (file name, width, height, address state, element to scroll to the top)
VIEWS = [
    ("report-1440-summary.png", 1440, 900, "", None),
    ("report-1440-findings.png", 1440, 900, "severity=high&group=rule", "findings"),
    ("report-1024-search.png", 1024, 768, "q=capacity&sort=record", "findings"),
    ("report-1024-trend.png", 1024, 768, "", "trend-chart"),
    ("report-390-findings.png", 390, 844, "severity=critical", "findings"),
    ("report-390-summary.png", 390, 844, "", None),
    ("report-390-trend.png", 390, 844, "", "trend-chart"),
]


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        records, report = Path(folder) / "records.ndjson", Path(folder) / "report.html"
        cli = [sys.executable, "-m", "leder_audit"]
        subprocess.run([*cli, "generate", "1500", "--seed", "4", "--output", str(records)], check=True)
        subprocess.run([*cli, "check", str(records), "--as-of", "2024-06-30", "--format", "html",
                        "--output", str(report)], check=False)
        executable = chromium()
        if executable is None:
            print("chromium is not installed", file=sys.stderr)
            return 2
        with Browser(executable) as browser:
            for name, width, height, state, anchor in VIEWS:
                browser.size(width, height, mobile=width < 600)
                browser.open(report.as_uri() + ("#" + state if state else ""))
                if anchor:
                    browser.js(f"document.getElementById('{anchor}').scrollIntoView()")
                browser.screenshot(str(HERE / name))
                print(HERE / name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
