"""`leder-audit serve` answers every example in docs/service.md as shown."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from .conftest import ROOT

DOC = ROOT / "docs" / "service.md"
ANY = "..."


def examples() -> list[tuple[str, str, dict | None, int, object]]:
    blocks = re.findall(r"```http\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert len(blocks) % 2 == 0 and blocks, "each request block is followed by its response block"
    out = []
    for request, response in zip(blocks[::2], blocks[1::2]):
        head, _, body = request.partition("\n\n")
        method, path = head.splitlines()[0].split()
        status_line, _, answer = response.partition("\n\n")
        out.append((method, path, json.loads(body) if body.strip() else None, int(status_line.split()[1]),
                    json.loads(answer)))
    return out


def matches(shown: object, got: object) -> bool:
    """Whether an answer is as the page shows it: "..." stands for any value, and ends a list that may go on."""
    if shown == ANY:
        return True
    if isinstance(shown, dict):
        return isinstance(got, dict) and set(shown) == set(got) and all(matches(v, got[k]) for k, v in shown.items())
    if isinstance(shown, list):
        if not isinstance(got, list):
            return False
        if shown and shown[-1] == ANY:
            return len(got) >= len(shown) - 1 and all(matches(s, g) for s, g in zip(shown[:-1], got))
        return len(shown) == len(got) and all(matches(s, g) for s, g in zip(shown, got))
    return shown == got


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    folder = tmp_path_factory.mktemp("serve")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-m", "leder_audit", "serve", "--port", str(port)], cwd=folder,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).read()
                break
            except OSError:
                if process.poll() is not None:
                    raise AssertionError(process.stderr.read())
                time.sleep(0.5)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.mark.parametrize("method, path, body, status, answer", examples(),
                         ids=[f"{m} {p}" for m, p, *_ in examples()])
def test_serve_answers_the_documented_example(served, method, path, body, status, answer):
    request = urllib.request.Request(served + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json"} if body is not None else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            got_status, got = response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        got_status, got = error.code, json.loads(error.read())
    assert got_status == status
    assert matches(answer, got), json.dumps(got, indent=1)[:3000]


def test_an_example_that_differs_does_not_match():
    assert not matches({"cards": []}, {"cards": [{"uuid": "x"}]})
    assert not matches({"a": 1}, {"a": 1, "b": 2})
    assert matches({"cards": [ANY]}, {"cards": [{"uuid": "x"}, {}]})


def test_the_context_tables_name_every_hooks_fields():
    from leder_audit.service.hooks import SERVICES, context_fields

    text = DOC.read_text(encoding="utf-8")
    for service in SERVICES.values():
        for hook in service.hooks:
            assert f"`{hook.name}`" in text
        for field in context_fields(service):
            assert f"| `{field.name}` | {field.optionality} | {field.prefetch_token} | {field.type} |" in text
