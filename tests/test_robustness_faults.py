"""Faults during a run: a signal or a lost worker stops it cleanly, with one line, and leaves no partial report."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from leder_audit.cli import main

ENTRY = "from leder_audit.cli import entry; entry()"


@pytest.fixture(scope="module")
def many(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("records") / "many.ndjson"
    assert main(["generate", "20000", "--seed", "4", "--output", str(path)]) == 0
    return path


def start_check(records: Path, out: Path, *options: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", ENTRY, "check", str(records), "--format", "json",
                             "--output", str(out / "report.json"), *options],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_until(condition, limit: float = 120.0) -> None:
    """A guard against a hang, not a measure of speed: polls until the condition holds."""
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.05)


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def workers(pid: int) -> list[int]:
    return [c for c in children(pid) if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()
            and b"resource_tracker" not in Path(f"/proc/{c}/cmdline").read_bytes()]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_sigterm_stops_the_run_like_ctrl_c_and_leaves_no_partial_report(many, tmp_path, jobs):
    run = start_check(many, tmp_path, "--jobs", jobs)
    wait_until(lambda: (list(tmp_path.glob(".report.json.*.part")) and len(workers(run.pid)) == (0 if jobs == "1" else 2))
               or run.poll() is not None)
    assert run.poll() is None, "the run finished before it could be stopped"
    run.send_signal(signal.SIGTERM)
    _, err = run.communicate(timeout=120)
    assert run.returncode == 128 + signal.SIGTERM
    assert b"terminated; no report was written" in err and b"Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_a_worker_killed_with_sigkill_stops_the_run_with_exit_2_naming_it(many, tmp_path):
    run = start_check(many, tmp_path, "--jobs", "2")
    wait_until(lambda: len(workers(run.pid)) == 2 or run.poll() is not None)
    assert run.poll() is None, "the run finished before a worker could be stopped"
    os.kill(workers(run.pid)[0], signal.SIGKILL)  # what the OOM killer does
    _, err = run.communicate(timeout=120)
    assert run.returncode == 2
    assert b"worker process stopped before finishing its records" in err and b"Traceback" not in err
    assert list(tmp_path.iterdir()) == []
