"""Settings files: [tool.leder-audit] in pyproject.toml or a leder-audit.toml, under the command line."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from leder_audit.cli import build_parser
from leder_audit.cli.config import (
    ConfigError, configured_commands, find_settings_file, key_lines, load_settings, check_settings,
)

from .conftest import FIXTURES
from .cli_support import run

DNACPR = str(FIXTURES / "dnacpr_decisions.json")


@pytest.fixture
def project(tmp_path, monkeypatch):
    """An empty repository as the working folder."""
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def pyproject(folder: Path, body: str) -> Path:
    path = folder / "pyproject.toml"
    path.write_text('[project]\nname = "trust-audit"\n\n' + body, encoding="utf-8")
    return path


def settings_lines(out: str) -> dict[str, tuple[str, str]]:
    """The `config` command's rows: option -> (value, source)."""
    rows = {}
    for line in out.splitlines():
        if line.startswith("  --"):
            key, rest = line.strip().split(None, 1)
            value, source = rest.rsplit("  ", 1)
            rows[key] = (value.strip(), source.strip())
    return rows


def test_a_pyproject_table_sets_check_options_the_command_line_does_not(capsys, project):
    pyproject(project, '[tool.leder-audit.check]\nformat = "json"\nselect = ["LDA-DNACPR-001"]\n')
    code, out, _ = run(capsys, "check", DNACPR)
    report = json.loads(out)
    assert code == 1 and report["run"]["rule_count"] == 1
    assert {f["rule_id"] for f in report["findings"]} == {"LDA-DNACPR-001"}


def test_the_command_line_overrides_a_setting_even_with_the_default_value(capsys, project):
    pyproject(project, '[tool.leder-audit.check]\nfail-on = "critical"\nselect = ["review-timeliness"]\n')
    reviews = str(FIXTURES / "mortality_reviews.ndjson")
    # The review-timeliness findings are below critical: the settings' fail-on lets the run pass ...
    assert run(capsys, "check", reviews, "--as-of", "2024-06-30")[0] == 0
    # ... and --fail-on info on the command line wins, although info is also the default.
    assert run(capsys, "check", reviews, "--as-of", "2024-06-30", "--fail-on", "info")[0] == 1


def test_a_list_on_the_command_line_replaces_the_settings_list(capsys, project):
    pyproject(project, '[tool.leder-audit]\nselect = ["LDA-DNACPR-001"]\n')
    code, out, _ = run(capsys, "rules", "list", "--select", "LDA-MCCD-001")
    assert "LDA-MCCD-001" in out and "LDA-DNACPR-001" not in out and "1 rule" in out


def test_a_top_level_key_reaches_every_command_with_that_option(capsys, project):
    pyproject(project, '[tool.leder-audit]\nselect = ["LDA-DNACPR-001"]\n')
    code, out, _ = run(capsys, "rules", "list")
    assert code == 0 and out.count("LDA-") == 1


def test_a_command_table_wins_over_the_top_level(capsys, project):
    pyproject(project, '[tool.leder-audit]\nselect = ["LDA-DNACPR-001"]\n\n'
                       '[tool.leder-audit.rules-list]\nselect = ["LDA-MCCD-001"]\n')
    out = run(capsys, "rules", "list")[1]
    assert "LDA-MCCD-001" in out and "LDA-DNACPR-001" not in out


def test_leder_audit_toml_takes_plain_keys_and_wins_over_pyproject_in_the_same_folder(capsys, project):
    pyproject(project, '[tool.leder-audit]\nselect = ["LDA-MCCD-001"]\n')
    (project / "leder-audit.toml").write_text('select = ["LDA-DNACPR-001"]\n')
    out = run(capsys, "rules", "list")[1]
    assert "LDA-DNACPR-001" in out and "LDA-MCCD-001" not in out


def test_paths_are_relative_to_the_settings_file_not_the_working_folder(capsys, project, monkeypatch):
    (project / "audit").mkdir()
    (project / "audit" / "leder-audit.toml").write_text('[check]\noutput = "out/report.json"\nformat = "json"\n')
    (project / "audit" / "out").mkdir()
    (project / "elsewhere").mkdir()
    monkeypatch.chdir(project / "elsewhere")
    code, _, _ = run(capsys, "--config", "../audit/leder-audit.toml", "check", DNACPR)
    assert code == 1 and json.loads((project / "audit" / "out" / "report.json").read_text())["findings"]
    assert not list((project / "elsewhere").iterdir())


def test_the_nearest_settings_file_is_found_from_a_sub_folder(project):
    pyproject(project, '[tool.leder-audit]\nfail-on = "high"\n')
    (project / "a" / "b").mkdir(parents=True)
    assert find_settings_file(project / "a" / "b") == project / "pyproject.toml"


def test_a_pyproject_without_the_table_is_passed_over(project):
    pyproject(project, '[tool.leder-audit]\nfail-on = "high"\n')
    (project / "sub").mkdir()
    pyproject(project / "sub", "[tool.other]\nx = 1\n")
    assert find_settings_file(project / "sub") == project / "pyproject.toml"


def test_the_search_stops_at_the_top_of_the_repository(tmp_path):
    pyproject(tmp_path, '[tool.leder-audit]\nfail-on = "high"\n')
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "src").mkdir()
    assert find_settings_file(tmp_path / "repo" / "src") is None


def test_no_config_reads_no_settings_file(capsys, project):
    pyproject(project, '[tool.leder-audit]\nselect = ["LDA-DNACPR-001"]\n')
    out = run(capsys, "--no-config", "rules", "list")[1]
    assert out.count("LDA-") > 10


@pytest.mark.parametrize("body, expected", [
    ('[tool.leder-audit]\nfail_on = "high"\n', "pyproject.toml:5: unknown key `fail_on` in [tool.leder-audit]; "
                                               "did you mean `fail-on`?"),
    ('[tool.leder-audit]\nselct = ["x"]\n', "pyproject.toml:5: unknown key `selct` in [tool.leder-audit]; "
                                            "did you mean `select`?"),
    ('[tool.leder-audit.chek]\nformat = "json"\n', "pyproject.toml:4: unknown table [tool.leder-audit.chek]; "
                                                   "did you mean `check`?"),
    ('[tool.leder-audit.trend]\nfail-on = "high"\n', "pyproject.toml:5: unknown key `fail-on` in "
                                                     "[tool.leder-audit.trend]; `trend` has no option --fail-on"),
    ('[tool.leder-audit.check]\n\njobs = "many"\n', "pyproject.toml:6: `jobs` cannot be 'many': "
                                                   "expected a whole number, got 'many'"),
    ('[tool.leder-audit.check]\nfail-on = "severe"\n', "`fail-on` cannot be 'severe': choose from info, low, "
                                                       "medium, high, critical"),
    ('[tool.leder-audit.check]\nredact = "yes"\n', "pyproject.toml:5: `redact` takes true or false, not 'yes'"),
    ('[tool.leder-audit.check]\nformat = ["json"]\n', "`format` takes one value, not a list of 1"),
    ('[tool.leder-audit]\nformat = "html"\n', "`format` cannot be 'html': choose from"),
    ('[tool.leder-audit]\nfail-on = [\n', "pyproject.toml: not valid TOML"),
])
def test_a_bad_setting_is_refused_with_file_line_and_hint(capsys, project, body, expected):
    pyproject(project, body)
    code, out, err = run(capsys, "check", DNACPR)
    assert code == 2 and out == ""
    assert expected in err and "Traceback" not in err


def test_a_top_level_value_one_command_cannot_take_says_where_to_put_it(capsys, project):
    pyproject(project, '[tool.leder-audit]\nformat = "html"\n')
    err = run(capsys, "check", DNACPR)[2]
    assert "is given to every command with --format" in err and "[tool.leder-audit.check]" in err


def test_a_named_pyproject_without_the_table_is_an_error(capsys, project):
    pyproject(project, "")
    code, _, err = run(capsys, "--config", "pyproject.toml", "check", DNACPR)
    assert code == 2 and "no [tool.leder-audit] table" in err


def test_a_named_settings_file_that_does_not_exist_is_an_error(capsys, project):
    code, _, err = run(capsys, "--config", "missing.toml", "check", DNACPR)
    assert code == 2 and "missing.toml: no such settings file" in err


def test_config_shows_each_value_and_where_it_came_from(capsys, project):
    pyproject(project, '[tool.leder-audit]\nrules = ["local_rules"]\n\n[tool.leder-audit.check]\nfail-on = "high"\n'
                       'redact = true\n')
    code, out, _ = run(capsys, "config", "check", "--redact", "--jobs", "2")
    rows = settings_lines(out)
    assert code == 0 and "settings file: pyproject.toml" in out
    assert rows["--rules"] == (json.dumps([str(project / "local_rules")]), "pyproject.toml:5")
    assert rows["--fail-on"] == ('"high"', "pyproject.toml:8")
    assert rows["--redact"] == ("true", "command line")
    assert rows["--jobs"] == ("2", "command line")
    assert rows["--format"] == ('"table"', "default")


def test_config_without_a_command_shows_check_and_without_a_file_says_so(capsys, project):
    code, out, _ = run(capsys, "config")
    assert code == 0 and "settings for `check`" in out and "settings file: none" in out
    assert set(v[1] for v in settings_lines(out).values()) == {"default"}


def test_config_of_a_sub_command_and_of_serve(capsys, project):
    pyproject(project, '[tool.leder-audit.serve]\nport = 9090\nconfig = "service.yaml"\n')
    out = run(capsys, "config", "serve")[1]
    rows = settings_lines(out)
    assert rows["--port"] == ("9090", "pyproject.toml:5")
    assert rows["--config"] == (json.dumps(str(project / "service.yaml")), "pyproject.toml:6")
    assert "settings for `rules test`" in run(capsys, "config", "rules", "test")[1]


def test_serve_keeps_its_own_config_option_for_the_service_file():
    args = build_parser().parse_args(["--config", "team.toml", "serve", "--config", "service.yaml"])
    assert args.settings_file == "team.toml" and args.config == "service.yaml"


def test_every_option_of_every_command_is_a_settings_key():
    """Derived from the parser: an option added to any command is a settings key with no more code."""
    commands = configured_commands(build_parser())
    parser = build_parser()
    actions = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    check_options = {s[2:] for a in actions["check"]._actions for s in a.option_strings if s.startswith("--")}
    assert set(commands["check"]) == check_options - {"help"}
    assert {"rules-list", "rules-test", "rules-docs", "cohort", "trend", "serve", "explain"} <= set(commands)
    assert "config" not in commands


def test_an_option_added_later_is_read_from_settings_without_more_code(tmp_path):
    parser = build_parser()
    check = parser._subparsers._group_actions[0].choices["check"]  # type: ignore[union-attr]
    check.add_argument("--weekly-baseline", metavar="FILE")
    path = tmp_path / "leder-audit.toml"
    path.write_text('[check]\nweekly-baseline = "last-week.json"\n')
    applied = check_settings(load_settings(path), configured_commands(parser))
    assert applied["check"]["weekly_baseline"].value == str(tmp_path / "last-week.json")


def test_key_lines_finds_tables_and_keys_including_quoted_and_dotted_ones():
    text = ('# comment\n[tool."leder-audit"]\nselect = [\n  "a = b",\n]\n\n[tool.leder-audit.check]\n'
            '"fail-on" = "high"\nredact=true\n')
    lines = key_lines(text)
    assert lines[("tool", "leder-audit")] == 2
    assert lines[("tool", "leder-audit", "select")] == 3
    assert lines[("tool", "leder-audit", "check", "fail-on")] == 8
    assert lines[("tool", "leder-audit", "check", "redact")] == 9
    assert ("tool", "leder-audit", "a") not in lines


def test_config_error_names_the_file(tmp_path):
    path = tmp_path / "leder-audit.toml"
    path.write_text('[check]\nstrict = 2\n')
    with pytest.raises(ConfigError) as raised:
        check_settings(load_settings(path), configured_commands(build_parser()))
    assert raised.value.line == 2 and "strict" in str(raised.value)


@pytest.mark.parametrize("add, setting, dest, expected", [
    (dict(action=argparse.BooleanOptionalAction, default=True), "colour = false", "colour", False),
    (dict(action="store_false", dest="colour"), "colour = true", "colour", False),
    (dict(action="store_false", dest="colour"), "colour = false", "colour", True),
    (dict(nargs="+", type=int), "colour = [1, 2]", "colour", [1, 2]),
    (dict(type=float), "colour = 0.5", "colour", 0.5),
])
def test_each_kind_of_option_reads_its_toml_value(tmp_path, add, setting, dest, expected):
    parser = build_parser()
    check = parser._subparsers._group_actions[0].choices["check"]  # type: ignore[union-attr]
    check.add_argument("--colour", **add)
    path = tmp_path / "leder-audit.toml"
    path.write_text(f"[check]\n{setting}\n")
    assert check_settings(load_settings(path), configured_commands(parser))["check"][dest].value == expected


def test_a_baseline_report_in_the_settings_is_relative_to_the_settings_file(tmp_path):
    path = tmp_path / "leder-audit.toml"
    path.write_text('[check]\nbaseline = "reports/last-week.json"\n')
    applied = check_settings(load_settings(path), configured_commands(build_parser()))
    assert applied["check"]["baseline"].value == str(tmp_path / "reports" / "last-week.json")
