"""Bad rule files tried on purpose: each is refused with file, line, column and a hint, never a traceback."""

from __future__ import annotations

import pytest

from leder_audit import load_rulebook
from leder_audit.cli import main
from leder_audit.engine import Auditor
from leder_audit.errors import RuleError
from leder_audit.text.concepts import ConceptError, load_concepts

RULE = """\
id: T-1
version: 1
title: t
severity: low
applies_to: dnacpr_decision
tags: [dnacpr-process]
references: [{source: s}]
rationale: r
when: exists(rationale)
message: m
"""

# (case, file content, line, column, words in the message, words in the hint)
CASES = [
    ("a list of scalars", "- a\n- b\n", 1, 3, "must be a mapping", "id:"),
    ("one scalar", "hello\n", 1, 1, "must be a mapping", "id:"),
    ("a tab in the indentation", RULE.replace("title: t", "\ttitle: t"), 3, 1, "'\\t'", "spaces"),
    ("a key given twice", RULE + "id: T-2\n", 11, 1, "`id` is given twice", "keep one"),
    ("a list as a key", "? [a]\n: 1\n", 1, 3, "plain word", None),
    ("tests that is a list", RULE + "tests: [1, 2]\n", 11, 8, "`tests`", None),
    ("tests.fire that is a number", RULE + "tests:\n  fire: 3\n", 12, 9, "`tests.fire`", None),
    ("a when that is a number", RULE.replace("when: exists(rationale)", "when: 42"), 9, 7, "`when`", None),
    ("a when that is a list", RULE.replace("when: exists(rationale)", "when: [a]"), 9, 7, "`when`", None),
    ("two YAML documents", RULE + "---\n" + RULE, 11, 1, "another document", None),
    ("a custom tag", RULE.replace("title: t", "title: !secret x"), 3, 8, "!secret", "tags"),
    ("a YAML merge of an unknown key", "base: &b {version: 1}\n<<: *b\n" + RULE, 1, 1, "unknown key `base`", "keys are"),
    ("runaway nesting", "a: " + "[" * 10_000 + "]" * 10_000 + "\n", 1, 1, "nested too deeply", "brackets"),
    ("nesting deep enough to crash libyaml's composer", "a: " + "[" * 400_000 + "]" * 400_000 + "\n", 1, 1,
     "nested too deeply", "brackets"),
    ("a control character", RULE.replace("title: t", "title: a\x07b"), 3, 9, "#x0007", "printable"),
    ("a tab libyaml reports without naming it", "\t" + RULE, 1, 1, "'\\t'", "spaces"),
    ("a reference that is a javascript: link", RULE.replace("references: [{source: s}]",
                                                             "references: [{source: s, url: 'javascript:alert(1)'}]"),
     7, 31, "web address", None),
    ("a reference that is a data: link", RULE.replace("references: [{source: s}]",
                                                       "references: [{source: s, url: 'data:text/html,x'}]"),
     7, 31, "web address", None),
    ("firing on unknown with no unknown case", RULE + "when_unknown: fire\n", 11, 1, "needs an `unknown:` case",
     "unknown: {title"),
    ("an unknown case on a rule that passes on unknown", RULE + "unknown: {title: a, message: b}\n", 11, 1,
     "only by a rule with `when_unknown: fire`", "when_unknown: fire"),
    ("an unknown case as severe as the rule",
     RULE + "when_unknown: fire\nunknown:\n  title: a\n  message: b\n  severity: low\n", 15, 13, "must be below",
     "the default is info"),
    ("an unknown case with no message", RULE + "when_unknown: fire\nunknown: {title: a}\n", 12, 10,
     "no `unknown.message`", None),
    ("a misspelt key in the unknown case", RULE + "when_unknown: fire\nunknown: {title: a, message: b, severty: x}\n",
     12, 33, "unknown key `unknown.severty`", "severity"),
    ("not-recorded cases on a rule that passes on unknown", RULE + "tests:\n  not_recorded:\n    - {rationale: x}\n",
     12, 3, "`not_recorded` cases", None),
    ("a huge document", RULE.replace("rationale: r", "rationale: " + "x" * 1_100_000), 1, 1, "larger than", "split"),
]


@pytest.mark.parametrize(("case", "text", "line", "column", "words", "hint"), CASES, ids=[c[0] for c in CASES])
def test_a_bad_rule_file_is_refused_with_its_place(tmp_path, case, text, line, column, words, hint):
    (tmp_path / "r.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(RuleError) as caught:
        load_rulebook(tmp_path, builtin=False)
    error = caught.value
    if words == "nested too deeply":
        # libyaml 0.2.5 and later stop at its depth limit and say where; Python's recursion limit says no column.
        column = error.column if error.column in (1, 3 + 1000) else column
    assert (error.file, error.line, error.column) == (str(tmp_path / "r.yaml"), line, column)
    assert words in error.message
    if hint:
        assert hint in (error.hint or "")


@pytest.mark.parametrize("content", [b"\x00\xff\xfe\x89PNG", RULE.encode("utf-16"),
                                     RULE.replace("title: t", "title: caf\xe9").encode("latin-1")],
                         ids=["binary", "utf-16", "latin-1"])
def test_a_rule_file_that_is_not_utf8_is_refused_naming_the_byte(tmp_path, content):
    (tmp_path / "r.yaml").write_bytes(content)
    with pytest.raises(RuleError) as caught:
        load_rulebook(tmp_path, builtin=False)
    assert "not valid UTF-8 (byte 0x" in caught.value.message and caught.value.hint == "save it as UTF-8"


def test_a_utf8_bom_in_a_rule_file_is_fine(tmp_path):
    (tmp_path / "r.yaml").write_bytes(b"\xef\xbb\xbf" + RULE.encode())
    assert [r.id for r in load_rulebook(tmp_path, builtin=False).rules] == ["T-1"]


def test_the_command_line_shows_a_bad_rule_file_and_exits_2(tmp_path, capsys):
    (tmp_path / "r.yaml").write_text(RULE + "id: T-2\n", encoding="utf-8")
    assert main(["rules", "list", "--rules", str(tmp_path), "--no-builtin"]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'r.yaml'}:11:1:" in err and "Traceback" not in err


@pytest.mark.parametrize("tag", ["!!python/object/apply:os.system ['echo hacked']", "!!python/name:os.system", "!x y"])
def test_yaml_tags_in_a_concepts_file_are_refused_not_run(tmp_path, tag):
    (tmp_path / "concepts").mkdir()
    (tmp_path / "concepts" / "mine.yaml").write_text(
        f"concepts:\n  mine:\n    preferred: {tag}\n    terms: [x]\n", encoding="utf-8")
    with pytest.raises(ConceptError) as caught:
        load_concepts(tmp_path)
    assert "mine.yaml:3:" in str(caught.value)


def test_yaml_tags_in_a_csv_mapping_file_are_refused_not_run(tmp_path, capsys):
    (tmp_path / "map.yaml").write_text("columns:\n  Id: !!python/object/apply:os.system ['echo hacked']\n",
                                       encoding="utf-8")
    (tmp_path / "a.csv").write_text("record_type,Id\ndnacpr_decision,D1\n", encoding="utf-8")
    assert main(["check", str(tmp_path / "a.csv"), "--mapping", str(tmp_path / "map.yaml")]) == 2
    err = capsys.readouterr().err
    assert "map.yaml" in err and "hacked" not in capsys.readouterr().out


def nested(kind: str, depth: int) -> str:
    """A condition `depth` levels deep, built from one construct of the language."""
    return {
        "not": "not " * depth + "exists(rationale)",
        "and": " and ".join(["exists(rationale)"] * depth),
        "or": " or ".join(["exists(rationale)"] * depth),
        "+": "len(rationale) + " + " + ".join(["1"] * depth) + " > 3",
        "[0]": "[" * (depth // 2) + "1" + "]" * (depth // 2) + "[0]" * (depth // 2) + " == 1",
        "let": "".join(f"let x{i} = 1; " for i in range(depth)) + "exists(rationale)",
        "any": "".join(f"any l{i} in [1]: " for i in range(depth)) + "exists(rationale)",
        "-": "len(rationale) > " + "-" * depth + "1",
        "list": "len(" + "[" * depth + "1" + "]" * depth + ") == 1",
    }[kind]


KINDS = ["not", "and", "or", "+", "[0]", "let", "any", "-", "list"]


@pytest.mark.parametrize("depth", [2000, 5000])
@pytest.mark.parametrize("kind", KINDS)
def test_a_condition_nested_thousands_deep_is_refused_at_its_place(tmp_path, kind, depth):
    (tmp_path / "r.yaml").write_text(RULE.replace("when: exists(rationale)", "when: >-\n  " + nested(kind, depth)))
    with pytest.raises(RuleError) as caught:
        load_rulebook(tmp_path, builtin=False)
    error = caught.value
    assert (error.file, error.line) == (str(tmp_path / "r.yaml"), 10) and error.column > 2
    assert "nested too deeply (more than 100 levels)" in error.message and "let" in error.hint


@pytest.mark.parametrize("kind", KINDS)
def test_a_condition_just_inside_the_depth_limit_loads_runs_and_explains(tmp_path, kind):
    (tmp_path / "r.yaml").write_text(RULE.replace("when: exists(rationale)", "when: >-\n  " + nested(kind, 94)))
    book = load_rulebook(tmp_path, builtin=False)
    record = {"record_type": "dnacpr_decision", "id": "x", "rationale": "abcd"}
    assert isinstance(book.check(record), list)
    assert len(Auditor(book).explain("T-1", record)) == 1


def test_a_number_of_thousands_of_digits_in_a_condition_is_refused_at_its_place(tmp_path):
    (tmp_path / "r.yaml").write_text(RULE.replace("when: exists(rationale)", "when: len(rationale) > " + "9" * 5000))
    with pytest.raises(RuleError) as caught:
        load_rulebook(tmp_path, builtin=False)
    assert (caught.value.line, caught.value.column) == (9, 24)
    assert "a number of more than 30 digits" in caught.value.message


def test_the_command_line_refuses_a_deep_condition_with_exit_2_and_no_traceback(tmp_path, capsys):
    (tmp_path / "r.yaml").write_text(RULE.replace("when: exists(rationale)", "when: >-\n  " + nested("not", 5000)))
    assert main(["rules", "list", "--rules", str(tmp_path), "--no-builtin"]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'r.yaml'}:10:" in err and "nested too deeply" in err and "Traceback" not in err


SECRET = "id: T-9\nnhs_number: 9434765919  # a file the rules folder should never show\n"


@pytest.mark.parametrize("where", ["r.yaml", "nested/r.yaml", "concepts/mine.yaml"])
def test_a_link_to_a_file_outside_the_rules_folder_is_refused_naming_the_link_not_its_content(tmp_path, capsys, where):
    (tmp_path / "secret.yaml").write_text(SECRET, encoding="utf-8")
    rules = tmp_path / "rules"
    link = rules / where
    link.parent.mkdir(parents=True)
    link.symlink_to(tmp_path / "secret.yaml")
    with pytest.raises((RuleError, ConceptError)) as caught:
        load_rulebook(rules, builtin=False)
    assert str(link) in str(caught.value) and "outside" in str(caught.value)
    assert main(["rules", "list", "--rules", str(rules), "--no-builtin"]) == 2
    out, err = capsys.readouterr()
    assert str(link) in err and "9434765919" not in out + err and "Traceback" not in err


def test_a_link_inside_the_rules_folder_is_read(tmp_path):
    rules = tmp_path / "rules"
    (rules / "shared").mkdir(parents=True)
    (rules / "shared" / "r.yml.txt").write_text(RULE, encoding="utf-8")
    (rules / "r.yaml").symlink_to(rules / "shared" / "r.yml.txt")
    assert [r.id for r in load_rulebook(rules, builtin=False).rules] == ["T-1"]
