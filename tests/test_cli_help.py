"""--help: examples for every command, every choice named; shell completion; explain's rule options."""

from __future__ import annotations

import argparse
import subprocess

import pytest

from leder_audit.cli import build_parser, main
from leder_audit.cli.completion import completion_script
from leder_audit.cli.config import command_parsers

from .conftest import FIXTURES

COMMANDS = command_parsers(build_parser(), include_groups=True)
DNACPR = str(FIXTURES / "dnacpr_decisions.json")


def help_of(name: str) -> str:
    return COMMANDS[name].format_help()


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_examples_that_run_that_command(name):
    text = help_of(name)
    assert "examples:\n" in text
    examples = text.split("examples:\n", 1)[1]
    command = "leder-audit " + name.replace("-", " ", 1) if name.startswith("rules-") else "leder-audit " + name
    assert command in examples or f"leder-audit --config team.toml {name}" in examples


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_choice_of_every_option_is_named_in_its_help(name):
    text = " ".join(help_of(name).split())
    for action in COMMANDS[name]._actions:
        if action.choices is None or isinstance(action, argparse._SubParsersAction):
            continue
        listed = text.split(action.option_strings[0] if action.option_strings else action.metavar, 1)[1]
        for choice in action.choices:
            assert str(choice) in listed, (name, action.dest, choice)


def test_fail_on_lists_every_severity_and_check_lists_every_format():
    text = " ".join(help_of("check").split())
    assert "(info, low, medium, high, critical)" in text
    formats = next(a for a in COMMANDS["check"]._actions if a.dest == "format").choices
    assert f"({', '.join(formats)}; default table)" in text


def test_the_program_help_has_examples_and_names_the_settings_file(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "examples:" in out and "leder-audit check export.ndjson" in out and "[tool.leder-audit]" in out


def test_explain_takes_select_rules_and_no_builtin(capsys, tmp_path):
    code = main(["explain", "LDA-DNACPR-001", DNACPR, "--select", "ld-dnacpr-rationale"])
    assert code == 0 and "LDA-DNACPR-001 v" in capsys.readouterr().out
    code = main(["explain", "LDA-DNACPR-001", DNACPR, "--select", "LDA-MCCD-001"])
    assert code == 2 and "no rule LDA-DNACPR-001 among the rules --select and --ignore leave" in capsys.readouterr().err
    rule = tmp_path / "local.yaml"
    rule.write_text("""\
id: LDA-LOCAL-001
version: 1
title: Rationale not recorded
severity: low
applies_to: dnacpr_decision
tags: [dnacpr-process]
references: [{source: Local policy, section: "1"}]
rationale: A decision needs its reasons written down.
when: not exists(rationale)
message: The DNACPR decision gives no rationale; record the clinical reasons.
tests:
  fire: [{rationale: null}]
  pass: [{rationale: "end-stage COPD"}]
""")
    code = main(["explain", "LDA-LOCAL-001", DNACPR, "--rules", str(rule), "--no-builtin"])
    assert code == 0 and "LDA-LOCAL-001 v1" in capsys.readouterr().out
    assert main(["explain", "LDA-DNACPR-001", DNACPR, "--rules", str(rule), "--no-builtin"]) == 2


def test_completion_for_bash_knows_commands_options_and_choices():
    script = completion_script("bash", build_parser)
    assert "check rules explain" in script and "--fail-on" in script and "info low medium high critical" in script
    assert "_shtab_leder_audit_check_pos_0_COMPGEN=_shtab_compgen_files" in script


def test_the_bash_script_completes_a_command_and_a_severity(tmp_path):
    path = tmp_path / "leder-audit.bash"
    path.write_text(completion_script("bash", build_parser))
    probe = (f"source {path}; COMP_WORDS=(leder-audit che); COMP_CWORD=1; _shtab_leder_audit; echo \"${{COMPREPLY[@]}}\";"
             "COMP_WORDS=(leder-audit check --fail-on h); COMP_CWORD=3; _shtab_leder_audit; echo \"${COMPREPLY[@]}\"")
    done = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.split("\n")[:2] == ["check", "high"]


@pytest.mark.parametrize("shell", ["zsh", "fish", "tcsh"])
def test_completion_for_other_shells_names_the_commands(shell):
    assert "feedback-report" in completion_script(shell, build_parser)


def test_completion_command_prints_the_script(capsys):
    assert main(["completion", "bash"]) == 0
    assert capsys.readouterr().out.startswith("#")


def test_an_unknown_shell_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as raised:
        main(["completion", "cmd"])
    assert raised.value.code == 2 and "bash" in capsys.readouterr().err
