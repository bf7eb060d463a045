"""`leder-audit serve` as a process: the server it runs on, and how it says it stopped."""

from __future__ import annotations

import asyncio
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

from leder_audit.service.run import forwarded_allow_ips, server_options, stop_notice

from .conftest import ROOT
from .service_support import fixture_json, hook_call, make_app


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


def _statuses(app, calls) -> list[tuple[int, str]]:
    """Each call's status and the route its audit line names, sent over a connection from 127.0.0.1."""

    async def send_all() -> list[tuple[int, str]]:
        answered = []
        for method, path, forwarded in calls:
            headers = [(b"host", b"127.0.0.1:8080"), *forwarded]
            body = b""
            if method == "POST":
                headers.append((b"content-type", b"application/json"))
                body = json.dumps({"part1": [{"text": "Pneumonia"}]}).encode()
            scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
                     "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
                     "root_path": "", "headers": headers, "client": ("127.0.0.1", 50000),
                     "server": ("127.0.0.1", 8080)}
            messages = [{"type": "http.request", "body": body, "more_body": False}]
            sent: list[dict] = []

            async def receive():
                return messages.pop() if messages else {"type": "http.disconnect"}

            async def send(message):
                sent.append(message)

            await app(scope, receive, send)
            answered.append((sent[0]["status"], path))
        return answered

    return asyncio.run(send_all())


def test_proxy_headers_are_read_by_the_app_as_uvicorns_middleware_reads_them(tmp_path):
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    ip = lambda address: [(b"x-forwarded-for", address.encode())]  # noqa: E731
    calls = [("POST", "/me/check", ip("10.0.0.1")), ("POST", "/me/check", ip("10.0.0.2")),
             ("POST", "/me/check", ip("10.0.0.1")), ("GET", "/healthz", ip("10.0.0.3")),
             ("GET", "/healthz", ip("10.0.0.3")), ("POST", "/me/check", []), ("POST", "/me/check", []),
             ("POST", "/me/check", ip("10.0.0.4") + [(b"x-forwarded-proto", b"https")]),
             ("POST", "/me/check", [(b"x-forwarded-proto", b"https")])]
    limited = {"rate_limit": {"per_second": 0.001, "burst": 1}}
    for name in ("app", "middleware", "untrusting"):
        (tmp_path / name).mkdir()
    reading = make_app(tmp_path / "app", **limited)
    reading.asgi.trust_proxies(forwarded_allow_ips())
    around = make_app(tmp_path / "middleware", **limited)
    expected = _statuses(ProxyHeadersMiddleware(around.asgi, forwarded_allow_ips()), calls)
    # One call a client: each forwarded address is a client of its own, the proxy itself another.
    assert [status for status, _ in expected] == [200, 200, 429, 200, 429, 200, 429, 200, 429]
    assert _statuses(reading.asgi, calls) == expected
    untrusting = make_app(tmp_path / "untrusting", **limited)
    untrusting.asgi.trust_proxies("192.0.2.1")  # not the proxy's address: its headers are not believed
    assert [status for status, _ in _statuses(untrusting.asgi, calls)] == [200] + [429] * 8
    for app in (reading, around, untrusting):
        app.close()


def test_uvicorn_and_the_app_believe_proxy_headers_from_the_same_hosts():
    import uvicorn

    assert uvicorn.Config(lambda scope, receive, send: None).forwarded_allow_ips == forwarded_allow_ips()
