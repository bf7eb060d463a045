"""Helpers shared by the tests that drive the command line in-process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from leder_audit.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run `leder-audit ARGS` in-process: its exit code, standard output and standard error."""
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def write(path: Path, records: list[dict[str, object]]) -> str:
    """Write records as newline-delimited JSON and return the path as the command line takes it."""
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return str(path)
