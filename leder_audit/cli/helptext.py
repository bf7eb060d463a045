"""What `--help` says beyond each option's own line: examples for every command, and every choice named."""

from __future__ import annotations

import argparse

from .config import command_parsers

PROGRAM_EXAMPLES = """\
examples:
  leder-audit check export.ndjson                      findings as a table, by record
  leder-audit check export.csv --mapping map.yaml --format html --output report.html
  leder-audit check certs.ndjson --select profile:medical-examiner --fail-on high
  leder-audit explain LDA-MCCD-002 record.json         how one rule decided, step by step
  leder-audit rules list                               every rule, its severity and themes
  leder-audit config                                   the settings check runs with, and where each came from

Settings can be kept in [tool.leder-audit] in pyproject.toml or in a leder-audit.toml (docs/configuration.md).
Exit codes: 0 no finding at or above --fail-on, 1 findings, 2 a usage, rule or input error.
`leder-audit COMMAND --help` shows a command's options and examples.
"""

# Each command's examples, by its settings table name (`rules-list` for `rules list`).
EXAMPLES: dict[str, str] = {
    "check": """\
  leder-audit check export.ndjson
  leder-audit check a.json b.ndjson --format json --output report.json
  leder-audit check export.csv --mapping export_mapping.yaml --format html --output report.html
  leder-audit check certs.ndjson --select ld-cause-of-death --fail-on high
  leder-audit check export.ndjson --select profile:inspector --suppressions agreed.yaml --redact
  leder-audit check big.ndjson --jobs 0 --format ndjson --output findings.ndjson

Each format is described in docs/outputs.md; settings files in docs/configuration.md.""",
    "rules": """\
  leder-audit rules list
  leder-audit rules test --rules my_rules/
  leder-audit rules docs --output-dir docs/rules""",
    "rules-list": """\
  leder-audit rules list
  leder-audit rules list --select profile:medical-examiner
  leder-audit rules list --rules my_rules/ --no-builtin --format json""",
    "rules-test": """\
  leder-audit rules test
  leder-audit rules test --rules my_rules/ --select LDA-LOCAL-001""",
    "rules-docs": """\
  leder-audit rules docs
  leder-audit rules docs --rules my_rules/ --output-dir site/rules""",
    "explain": """\
  leder-audit explain LDA-MCCD-002 record.json
  leder-audit explain LDA-DNACPR-001 decisions.ndjson --as-of 2024-03-31
  leder-audit explain LDA-LOCAL-001 record.json --rules my_rules/ --no-builtin""",
    "validate": """\
  leder-audit validate export.ndjson
  leder-audit validate export.csv --mapping export_mapping.yaml""",
    "schema": """\
  leder-audit schema
  leder-audit schema --output-dir build/schemas""",
    "generate": """\
  leder-audit generate 1000 --output sample.ndjson
  leder-audit generate 100000 --seed 1 --unique-text --output big.ndjson""",
    "cohort": """\
  leder-audit cohort reviews.ndjson
  leder-audit cohort reviews.ndjson --population census.csv --format json --output cohort.json
  leder-audit cohort reviews.ndjson --format fhir --output measure-report.json""",
    "trend": """\
  leder-audit trend reviews.ndjson
  leder-audit trend reviews.ndjson --by person.sex
  leder-audit trend reviews.ndjson --by none --format csv --output trend.csv""",
    "serve": """\
  leder-audit serve
  leder-audit serve --port 9090 --config service.yaml""",
    "feedback-report": """\
  leder-audit feedback-report
  leder-audit feedback-report --db /srv/leder-audit/feedback.sqlite3 --format json""",
    "diff": """\
  leder-audit diff last-week.json this-week.json
  leder-audit diff last-week.json this-week.json --format html --output changes.html
  leder-audit diff old.ndjson new.ndjson --format json --fail-on high""",
    "config": """\
  leder-audit config
  leder-audit config trend
  leder-audit config check --fail-on high
  leder-audit --config team.toml config""",
    "completion": """\
  leder-audit completion bash > ~/.local/share/bash-completion/completions/leder-audit
  leder-audit completion zsh > ~/.zfunc/_leder-audit""",
}


def finish_help(parser: argparse.ArgumentParser) -> None:
    """Give the program and every command its examples, and name every choice of every option."""
    parser.epilog = PROGRAM_EXAMPLES
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    for name, sub in command_parsers(parser, include_groups=True).items():
        examples = EXAMPLES.get(name)
        if examples and not sub.epilog:
            sub.epilog = "examples:\n" + examples
            sub.formatter_class = argparse.RawDescriptionHelpFormatter
    for sub in (parser, *command_parsers(parser, include_groups=True).values()):
        for action in sub._actions:
            _name_choices(action)


def _name_choices(action: argparse.Action) -> None:
    """Add the choices (and the default) to an option's help, unless its help names them all already."""
    if action.choices is None or isinstance(action, argparse._SubParsersAction) or action.help == argparse.SUPPRESS:
        return
    text = action.help or ("the output format" if action.dest == "format" else "")
    # An option with help of its own and no metavar shows its choices in braces already.
    if (action.metavar is None and action.help) or all(str(choice) in text for choice in action.choices):
        return
    named = action.default in (None, argparse.SUPPRESS) or "default" in text
    default = "" if named else "; default %(default)s"
    action.help = f"{text} (%(choices)s{default})" if text else f"one of %(choices)s{default}"
