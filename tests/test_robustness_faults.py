"""Faults during a run: a signal or a lost worker stops it cleanly, with one line, and leaves no partial report."""

from __future__ import annotations

import json
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


# A signal that arrives while a worker is being started, after its process exists and before the parent has
# handed it what it needs to start, must not leave that worker printing its own traceback. The parent sends
# itself the signal from inside the start of one of its two workers, the narrowest such moment.
SIGNAL_WHILE_STARTING = """
import os, signal
import multiprocessing.util as util
spawn, started = util.spawnv_passfds, []
def spawn_then_signal(*args, **kwargs):
    pid = spawn(*args, **kwargs)
    started.append(pid)
    if len(started) == {worker}:
        os.kill(os.getpid(), signal.{name})
    return pid
util.spawnv_passfds = spawn_then_signal
from leder_audit.cli import entry
entry()
"""


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="POSIX signals")
@pytest.mark.parametrize("worker", [1, 2])
@pytest.mark.parametrize("name, code", [("SIGTERM", 128 + signal.SIGTERM), ("SIGINT", 128 + signal.SIGINT)])
def test_a_signal_while_a_worker_starts_stops_the_run_with_no_traceback(many, tmp_path, name, code, worker):
    run = subprocess.run([sys.executable, "-c", SIGNAL_WHILE_STARTING.format(name=name, worker=worker), "check",
                          str(many), "--format", "json", "--output", str(tmp_path / "report.json"), "--jobs", "2"],
                         capture_output=True, timeout=300)
    assert run.returncode == code, run.stderr
    assert b"Traceback" not in run.stderr and b"Error" not in run.stderr, run.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="POSIX signals")
def test_a_worker_started_while_signals_are_held_acts_on_sigterm_again():
    script = ("import json, signal\nfrom leder_audit.parallel import HELD, _leave_signals_to_the_parent\n"
              "signal.pthread_sigmask(signal.SIG_BLOCK, HELD)\n_leave_signals_to_the_parent()\n"
              "print(json.dumps(sorted(int(s) for s in signal.pthread_sigmask(signal.SIG_BLOCK, []))))\n")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    assert int(signal.SIGTERM) not in json.loads(run.stdout)
