"""`leder-audit serve` as a process: the server it runs on, and how it says it stopped."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request

import pytest

from leder_audit.service.run import server_options, stop_notice

from .conftest import ROOT
from .service_support import fixture_json, hook_call


def test_the_server_runs_on_httptools_and_uvloop_when_they_are_installed():
    pytest.importorskip("httptools")
    pytest.importorskip("uvloop")
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    options = server_options()
    assert options["loop"] == "uvloop" and issubclass(options["http"], HttpToolsProtocol)


def test_the_stop_notice_names_the_signal_and_is_not_the_checks():
    notice = stop_notice(signal.SIGTERM)
    assert "SIGTERM" in notice and "stopped" in notice and "report" not in notice


def issued_cards(path) -> int:
    if not path.exists():
        return 0
    with sqlite3.connect(path) as db:
        return db.execute("SELECT COUNT(*) FROM cards").fetchone()[0]


def test_a_served_service_writes_cards_out_unasked_and_stops_cleanly_on_sigterm(tmp_path):
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
        body = hook_call("leder-audit-dnacpr", "sign", fixture_json("fhir_dnacpr_bundle.json"))
        request = urllib.request.Request(f"http://127.0.0.1:{port}/cds-services/leder-audit-dnacpr",
                                         data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
        cards = len(json.loads(urllib.request.urlopen(request, timeout=30).read())["cards"])
        assert cards
        # No other call follows: the cards issued reach the feedback file of their own accord.
        database = tmp_path / "leder-audit-feedback.sqlite3"
        for _ in range(100):
            if issued_cards(database) == cards:
                break
            time.sleep(0.1)
        assert issued_cards(database) == cards
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, stderr
    assert stop_notice(signal.SIGTERM) in stderr
    assert "no report was written" not in stderr and "Traceback" not in stderr
