"""The README's commands are ones the command line takes, and the large example writes to a file."""

from __future__ import annotations

import re
import shlex

import pytest

from leder_audit.cli import build_parser

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def commands() -> list[list[str]]:
    """Every `leder-audit ...` command in the README's shell blocks, comments left off."""
    found = []
    for block in re.findall(r"```sh\n(.*?)```", README, re.S):
        for line in block.splitlines():
            for part in line.split("#", 1)[0].split("&&"):
                words = shlex.split(part)
                if words[:1] == ["leder-audit"]:
                    found.append(words[1:])
    return found


@pytest.mark.parametrize("argv", commands(), ids=" ".join)
def test_every_readme_command_parses(argv):
    build_parser().parse_args(argv)


def test_the_generate_and_check_example_writes_its_report_to_a_file():
    (line,) = [line for line in README.splitlines() if line.startswith("leder-audit generate")]
    check = shlex.split(line.split("#", 1)[0].split("&&", 1)[1])
    args = build_parser().parse_args(check[1:])
    assert args.command == "check" and args.output


def test_the_two_set_up_commands_are_unchanged():
    assert "pip install . && leder-audit check --exit-zero fixtures/death_certificates.ndjson " \
           "fixtures/dnacpr_decisions.json fixtures/mortality_reviews.ndjson" in README
    assert 'pip install -e ".[test]" && python -m pytest' in README
