"""`leder-audit serve` as a process: the server it runs on, and how it says it stopped."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from leder_audit.service.run import server_options, stop_notice

from .conftest import ROOT


def test_the_server_runs_on_httptools_and_uvloop_when_they_are_installed():
    pytest.importorskip("httptools")
    pytest.importorskip("uvloop")
    assert server_options() == {"http": "httptools", "loop": "uvloop"}


def test_the_stop_notice_names_the_signal_and_is_not_the_checks():
    notice = stop_notice(signal.SIGTERM)
    assert "SIGTERM" in notice and "stopped" in notice and "report" not in notice


def test_sigterm_stops_the_service_cleanly_with_its_own_message(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "leder_audit", "serve", "--port", str(port)], cwd=tmp_path,
                               env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read()
                break
            except OSError:
                assert process.poll() is None, process.stderr.read()
                time.sleep(0.5)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, stderr
    assert stop_notice(signal.SIGTERM) in stderr
    assert "no report was written" not in stderr and "Traceback" not in stderr
