"""The service is an extra: the library imports and checks without FastAPI, uvicorn or PyJWT."""

from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT

BLOCKED = ("fastapi", "starlette", "uvicorn", "jwt", "httpx")

SCRIPT = f"""
import importlib.abc, sys, socket

class Absent(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {BLOCKED!r}:
            raise ImportError(name + ' is not installed')

def refuse(*args, **kwargs):
    raise AssertionError('a socket was opened')

sys.meta_path.insert(0, Absent())
socket.socket = refuse
import leder_audit
from leder_audit.cli import main
book = leder_audit.load_rulebook()
findings = book.check({{"record_type": "dnacpr_decision", "id": "D", "rationale": "Downs syndrome"}})
assert findings, findings
assert not any(m.split('.')[0] in {BLOCKED!r} for m in sys.modules), sorted(sys.modules)
print("ok")
"""


def test_the_library_works_without_the_serve_extra_and_opens_no_socket():
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
