"""Safety: user regular expressions cannot hang a run, nothing from data runs as code, no network."""

from __future__ import annotations

import json
import socket

import pytest

from leder_audit import audit, load_rulebook
from leder_audit.cli import main
from leder_audit.errors import RuleError
from leder_audit.text import ConceptError, load_concepts
from leder_audit import regexsafety

from .conftest import FIXTURES

RULE = """\
id: T-1
version: 1
title: t
severity: low
applies_to: dnacpr_decision
tags: [dnacpr-process]
references: [{{source: s}}]
rationale: r
when: {when}
message: m
"""


def book_with(tmp_path, when: str):
    (tmp_path / "r.yaml").write_text(RULE.format(when=when), encoding="utf-8")
    return load_rulebook(tmp_path, builtin=False)


@pytest.mark.parametrize("pattern", ["(a+)+$", "(\\\\w*)*x", "(x+x+)+y", "(ab{2,})+", "((a+))+$", "((a)+)+$",
                                     "(?:(?:a+))*", "(a|(b+)c)*"])
def test_regexes_with_nested_repetition_are_refused_at_load(tmp_path, pattern):
    with pytest.raises(RuleError) as caught:
        book_with(tmp_path, f'matches(rationale, "{pattern}")')
    assert "nested repetition" in caught.value.message
    assert caught.value.line == 9


# Alternatives under unbounded repetition that can split the same text in two ways: failing on a long run
# of such text tries every split. In rule conditions backslashes are doubled (a YAML plain scalar holding
# a condition's string literal).
AMBIGUOUS = ["(a|a|a)*$", "(a|aa)+$", "(\\\\w|\\\\d)+$", "(?:ab|a[bc])*x", "(a|b|ab)*c", "(a?a)+$", "(x|X)+$",
             "(\\\\s|\\\\n)*$", "(?:\\\\d|[0-9])+q", "((a|aa))+$", "(a|aa){2,}$", "(?:foo|fo{1,2})*bar",
             "(?P<n>cat|c[a-z]t)+!", "(a|a)*?$"]
# Repeated alternatives that cannot: each text splits one way only, so these load.
UNAMBIGUOUS = ["(a|b)*$", "(ab|ac)*$", "(ab|abc)*$", "(?:abc|def)*x", "\\\\b(frail(ty)?|old age)\\\\b",
               "(a|aa)++$", "(?>a|aa)+$", "(?:\\\\w\\\\s)+z", "(y|ies)+", "[-\\\\s]+"]


@pytest.mark.parametrize("pattern", AMBIGUOUS)
def test_a_rule_regex_with_ambiguous_alternation_under_repetition_is_refused_at_its_place(tmp_path, pattern):
    with pytest.raises(RuleError) as caught:
        book_with(tmp_path, f'matches(rationale, "{pattern}")')
    assert "alternatives that can match the same text" in caught.value.message
    assert "at character 1 of the pattern" in caught.value.message
    assert caught.value.line == 9


@pytest.mark.parametrize("pattern", UNAMBIGUOUS)
def test_a_rule_regex_whose_repeated_alternatives_cannot_overlap_loads(tmp_path, pattern):
    book = book_with(tmp_path, f'matches(rationale, "{pattern}")')
    assert [rule.id for rule in book.rules] == ["T-1"]


def test_the_ambiguous_group_is_named_with_its_place_in_the_pattern():
    problem = regexsafety.backtracking_problem(r"^dnacpr:\s(\w|\d)+$")
    assert problem is not None and problem.startswith("the group `(\\w|\\d)+` at character 11 of the pattern")


def test_a_regex_that_runs_out_of_time_fails_that_record_only(tmp_path, monkeypatch):
    book = book_with(tmp_path, 'matches(rationale, "z[0-9]+q")')
    monkeypatch.setattr(regexsafety, "REGEX_TIMEOUT_SECONDS", 1e-9)
    monkeypatch.setattr(regexsafety, "SECONDS_PER_CHARACTER", 0)
    records = [{"record_type": "dnacpr_decision", "id": "slow", "rationale": "z1" * 500_000},
               {"record_type": "dnacpr_decision", "id": "fine"}]
    result = audit(records, rulebook=book)
    assert result.records_checked == 2
    assert [(e.rule_id, e.record_id) for e in result.errors] == [("T-1", "slow")]
    assert "TimeoutError" in result.errors[0].message


@pytest.mark.parametrize("text", [
    "__import__('os').system('echo hacked')",
    "{{7*7}} ${7*7} {evidence.__class__}",
    "!!python/object/apply:os.system ['echo hacked']",
])
def test_code_in_records_is_only_text(book, text):
    (finding,) = book.select(["LDA-DNACPR-001"]).check(
        {"record_type": "dnacpr_decision", "id": "D", "rationale": f"{text}; learning disability"})
    assert finding.evidence.text == "learning disability"
    assert "49" not in finding.message


def test_python_in_a_condition_is_a_syntax_error_not_code(tmp_path):
    with pytest.raises(RuleError):
        book_with(tmp_path, "__import__('os').system('true') == 0")


def test_template_syntax_in_a_message_is_kept_as_text(tmp_path):
    (tmp_path / "r.yaml").write_text(RULE.format(when="exists(rationale)").replace(
        "message: m", 'message: "{{7*7}} ${7*7} <%= 7*7 %> said: {rationale}"'), encoding="utf-8")
    book = load_rulebook(tmp_path, builtin=False)
    (finding,) = book.check({"record_type": "dnacpr_decision", "id": "D", "rationale": "{person.nhs_number}"})
    assert finding.message == "{{7*7}} ${7*7} <%= 7*7 %> said: {person.nhs_number}"


def test_placeholders_reaching_for_python_attributes_are_refused(tmp_path):
    (tmp_path / "r.yaml").write_text(RULE.format(when="exists(rationale)").replace(
        "message: m", 'message: "{rationale.__class__}"'), encoding="utf-8")
    with pytest.raises(RuleError) as caught:
        load_rulebook(tmp_path, builtin=False)
    assert "has no field `__class__`" in caught.value.message


def test_a_full_run_opens_no_socket(monkeypatch, capsys, tmp_path):
    def refuse(*args, **kwargs):
        raise AssertionError("leder-audit tried to open a network socket")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    inputs = sorted(str(p) for p in FIXTURES.glob("*") if p.suffix in (".json", ".ndjson"))
    for fmt in ("table", "json", "ndjson"):
        code = main(["check", *inputs, "--format", fmt, "--output", str(tmp_path / f"out.{fmt}")])
        assert code in (0, 1)
    assert json.loads((tmp_path / "out.json").read_text())["summary"]["records_read"] > 0


def test_same_input_gives_byte_identical_output_apart_from_run_time(tmp_path, capsys):
    inputs = sorted(str(p) for p in FIXTURES.glob("*") if p.suffix in (".json", ".ndjson"))
    outputs = []
    for run in range(2):
        path = tmp_path / f"run{run}.json"
        main(["check", *inputs, "--format", "json", "--output", str(path), "--as-of", "2024-06-30"])
        report = json.loads(path.read_text())
        report["run"].pop("run_time")
        outputs.append(json.dumps(report, sort_keys=True))
    assert outputs[0] == outputs[1]


def failing_rule_folder(tmp_path, monkeypatch, with_tests: str = ""):
    """A folder with a rule that fails on every record it reads: its regex runs out of time."""
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "r.yaml").write_text(RULE.format(when='matches(rationale, "z[0-9]+q")') + with_tests, encoding="utf-8")
    monkeypatch.setattr(regexsafety, "REGEX_TIMEOUT_SECONDS", 1e-9)
    monkeypatch.setattr(regexsafety, "SECONDS_PER_CHARACTER", 0)
    records = tmp_path / "d.json"
    records.write_text(json.dumps([{"record_type": "dnacpr_decision", "id": "slow", "rationale": "z1" * 200_000}]))
    return rules, records


@pytest.mark.parametrize("options, code", [((), 2), (("--keep-going",), 0)])
def test_a_rule_error_makes_check_exit_2_unless_keep_going(tmp_path, monkeypatch, capsys, options, code):
    rules, records = failing_rule_folder(tmp_path, monkeypatch)
    out = tmp_path / "report.json"
    assert main(["check", str(records), "--rules", str(rules), "--no-builtin", "--format", "json",
                 "--output", str(out), *options]) == code
    assert json.loads(out.read_text())["summary"]["rule_errors"] == 1  # the count is in the report either way
    err = capsys.readouterr().err
    assert ("1 rule error: that rule decided nothing on that record" in err) is (code == 2)


@pytest.mark.parametrize("expected", ["fire", "pass"])
def test_rules_test_fails_a_case_on_which_the_rule_errors(tmp_path, monkeypatch, capsys, expected):
    case = "{rationale: " + '"' + "z1" * 200_000 + '"}'
    rules, _ = failing_rule_folder(tmp_path, monkeypatch, f"tests:\n  {expected}:\n    - {case}\n")
    assert main(["rules", "test", "--rules", str(rules), "--no-builtin"]) == 1
    out = capsys.readouterr().out
    assert "error" in out and "TimeoutError" in out


CONCEPT_NESTED = ["(a+)+$", "((a+))+$", "((a)+)+$", "(?:(?:x|y+))*z", "( a + ) +", "(\\w+\\s?)*$"]
CONCEPT_AMBIGUOUS = ["(a|a|a)*$", "(a|aa)+$", "(\\w|\\d)+$", "( \\s | \\n )* $", "(?: ab | a[bc] )* x"]


@pytest.mark.parametrize(("pattern", "reason"), [(p, "nested repetition") for p in CONCEPT_NESTED]
                         + [(p, "alternatives that can match the same text") for p in CONCEPT_AMBIGUOUS])
def test_an_unsafe_concept_trigger_pattern_is_refused_naming_the_file_entry_and_reason(tmp_path, pattern, reason):
    folder = tmp_path / "concepts"
    folder.mkdir()
    (folder / "mine.yaml").write_text(
        "triggers:\n  - {literal: 'denies', category: negated}\n"
        f"  - pattern: '{pattern}'\n    category: negated\n", encoding="utf-8")
    with pytest.raises(ConceptError) as caught:
        load_concepts(tmp_path)
    message = str(caught.value)
    assert f"{folder / 'mine.yaml'}:3:" in message and "`triggers.1`" in message and reason in message


def test_the_built_in_rules_and_concepts_have_no_pattern_the_checks_refuse():
    book = load_rulebook()
    patterns = [t.pattern for t in load_concepts().triggers.specs if t.pattern is not None]
    assert patterns and all(regexsafety.backtracking_problem(p, verbose=True) is None for p in patterns)
    assert book.rules


def test_a_concept_trigger_pattern_that_runs_out_of_time_fails_those_rules_on_that_record_only(tmp_path, monkeypatch):
    folder = tmp_path / "concepts"
    folder.mkdir()
    (folder / "mine.yaml").write_text("triggers:\n  - {pattern: 'z[0-9]+q', category: negated}\n", encoding="utf-8")
    book = load_rulebook(tmp_path)
    monkeypatch.setattr(regexsafety, "REGEX_TIMEOUT_SECONDS", 1e-9)
    monkeypatch.setattr(regexsafety, "SECONDS_PER_CHARACTER", 0)
    records = [{"record_type": "dnacpr_decision", "id": "slow", "rationale": "learning disability " + "z1" * 200_000},
               {"record_type": "dnacpr_decision", "id": "fine"}]
    result = audit(records, rulebook=book)
    assert result.records_checked == 2 and result.errors
    assert {e.record_id for e in result.errors} == {"slow"} and "timed out" in result.errors[0].message
