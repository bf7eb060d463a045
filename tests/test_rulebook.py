"""Rule files: loading, refusing bad ones with file, line, column and a hint, selecting rules."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from leder_audit import load_rulebook
from leder_audit.errors import RuleError

GOOD = """\
id: LOCAL-001
version: 1
title: Capacity not assessed
severity: high
applies_to: dnacpr_decision
tags: [mca]
references:
  - {source: Mental Capacity Act 2005, section: "s.1"}
rationale: Capacity must be assessed.
when: person_has_capacity == false and missing(capacity_assessment_documented)
message: No capacity assessment for {record_id}.
tests:
  fire: [{person_has_capacity: false}]
  pass: [{person_has_capacity: true}]
"""


def write(tmp_path: Path, text: str, name: str = "rule.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def refusal(tmp_path: Path, text: str) -> RuleError:
    write(tmp_path, text)
    with pytest.raises(RuleError) as caught:
        load_rulebook(tmp_path, builtin=False)
    return caught.value


def test_a_folder_of_rules_loads_beside_the_builtin_ones(tmp_path):
    write(tmp_path, GOOD)
    book = load_rulebook(tmp_path)
    assert "LOCAL-001" in book.by_id
    assert "LDA-DNACPR-001" in book.by_id


def test_builtin_false_loads_only_the_given_rules(tmp_path):
    write(tmp_path, GOOD)
    assert [r.id for r in load_rulebook(tmp_path, builtin=False).rules] == ["LOCAL-001"]


def test_a_file_may_hold_a_list_of_rules(tmp_path):
    second = GOOD.replace("LOCAL-001", "LOCAL-002")
    text = "- " + GOOD.replace("\n", "\n  ").rstrip() + "\n- " + second.replace("\n", "\n  ").rstrip() + "\n"
    write(tmp_path, text)
    assert [r.id for r in load_rulebook(tmp_path, builtin=False).rules] == ["LOCAL-001", "LOCAL-002"]


def test_unknown_key_is_refused_with_a_suggestion(tmp_path):
    error = refusal(tmp_path, GOOD.replace("rationale:", "rationle:"))
    assert error.message == "unknown key `rationle`"
    assert error.hint == "did you mean `rationale`?"
    assert (error.line, error.column) == (9, 1)


def test_wrong_type_is_refused_at_its_line(tmp_path):
    error = refusal(tmp_path, GOOD.replace("version: 1", "version: one"))
    assert error.line == 2 and "version" in error.message


def test_unknown_record_type_lists_the_valid_ones(tmp_path):
    error = refusal(tmp_path, GOOD.replace("applies_to: dnacpr_decision", "applies_to: dnacpr"))
    assert error.line == 5 and "dnacpr_decision" in error.hint


def test_missing_key_is_named(tmp_path):
    error = refusal(tmp_path, GOOD.replace("severity: high\n", ""))
    assert "no `severity`" in error.message


def test_condition_syntax_error_points_into_the_file(tmp_path):
    error = refusal(tmp_path, GOOD.replace("== false and", "== false &&"))
    assert (error.file, error.line, error.column) == (str(tmp_path / "rule.yaml"), 10, 7 + len("person_has_capacity == false "))


def test_condition_in_a_block_scalar_points_at_the_right_line(tmp_path):
    text = GOOD.replace("when: person_has_capacity == false and missing(capacity_assessment_documented)",
                        "when: |\n  person_has_capacity == false and\n    missing(capacity_assesment_documented)")
    error = refusal(tmp_path, text)
    assert (error.line, error.column) == (12, 13)
    assert error.hint == "did you mean `capacity_assessment_documented`?"


def test_unknown_field_in_message_template_is_refused(tmp_path):
    error = refusal(tmp_path, GOOD.replace("{record_id}", "{person.agee}"))
    assert "agee" in error.message and error.hint == "did you mean `age`?"


def test_yaml_syntax_error_names_line_and_column(tmp_path):
    error = refusal(tmp_path, GOOD.replace("tags: [mca]", "tags: [mca"))
    assert error.file.endswith("rule.yaml") and error.line >= 6 and "YAML" in error.message


def test_python_tags_are_refused(tmp_path):
    error = refusal(tmp_path, GOOD.replace("title: Capacity not assessed", "title: !!python/object/apply:os.system ['true']"))
    assert "python" in str(error) and error.line == 3


def test_alias_expansion_is_refused(tmp_path):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 10) + "]\n" for i in range(6))
    error = refusal(tmp_path, bomb)
    assert "expands" in error.message


def test_duplicate_rule_ids_across_files_are_refused(tmp_path):
    write(tmp_path, GOOD, "one.yaml")
    write(tmp_path, GOOD, "two.yaml")
    with pytest.raises(RuleError) as caught:
        load_rulebook(tmp_path, builtin=False)
    assert "LOCAL-001 is used twice" in caught.value.message and "one.yaml" in caught.value.message


def test_a_rule_id_that_clashes_with_a_builtin_one_is_refused(tmp_path):
    write(tmp_path, GOOD.replace("LOCAL-001", "LDA-DNACPR-001"))
    with pytest.raises(RuleError, match="used twice"):
        load_rulebook(tmp_path)


def test_a_rulebook_with_no_rules_is_an_error(tmp_path):
    with pytest.raises(RuleError, match="no rules"):
        load_rulebook(tmp_path, builtin=False)


def test_selecting_nothing_that_exists_is_an_error_with_a_suggestion(book):
    with pytest.raises(RuleError) as caught:
        book.select(["ld-cause-of-deth"])
    assert caught.value.hint == "did you mean `ld-cause-of-death`?"


def test_select_by_tag_and_ignore_by_id(book):
    chosen = book.select(["ld-cause-of-death"], ["LDA-MCCD-004"])
    assert chosen.rules and all("ld-cause-of-death" in r.spec.tags for r in chosen.rules)
    assert "LDA-MCCD-004" not in chosen.by_id


def test_select_by_profile(book):
    chosen = book.select(["profile:medical-examiner"])
    assert chosen.rules and all(r.spec.applies_to == "death_certificate" for r in chosen.rules)


def test_rulebook_hash_changes_with_the_rules(tmp_path):
    write(tmp_path, GOOD)
    first = load_rulebook(tmp_path, builtin=False).hash
    write(tmp_path, GOOD.replace("title: Capacity not assessed", "title: Capacity never assessed"))
    assert load_rulebook(tmp_path, builtin=False).hash != first


def test_every_builtin_rule_passes_its_inline_cases(book):
    from leder_audit.ruletests import run_cases

    results = list(run_cases(book))
    failures = [r for r in results if not r.ok]
    assert results and not failures, failures
    for rule in book.rules:
        assert len(rule.spec.tests.fire) >= 2 and len(rule.spec.tests.pass_) >= 2, rule.id


def test_builtin_rules_ship_in_the_wheel(tmp_path):
    import subprocess
    import sys
    import zipfile

    root = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path),
                    str(root)], check=True)
    (wheel,) = tmp_path.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "leder_audit/builtin_rules/dnacpr_decision/LDA-DNACPR-001.yaml" in names
    assert "leder_audit/language/grammar.lark" in names
    assert "leder_audit/language/tables.json" in names
    assert "leder_audit/py.typed" in names  # importers' type checkers read the package's own annotations
    assert any(n.startswith("leder_audit/builtin_rules/concepts/") and n.endswith(".yaml") for n in names)
