"""Mapping, concept and suppressions files tried as a careless or hostile user would write them: each problem
is one located error naming the file, never a traceback and never a silent misreading."""

from __future__ import annotations

import pytest

from leder_audit import load_suppressions
from leder_audit.cli import main
from leder_audit.errors import InputError, RuleError
from leder_audit.readers import read
from leder_audit.readers.mapping import load_mapping
from leder_audit.text import ConceptError, load_concepts

# (case, mapping file, line, column, words in the message, words in the hint)
MAPPINGS = [
    ("a column given twice", "columns:\n  Id: id\n  Id: record_type\n", 3, 3, "`Id` is given twice", "keep one"),
    ("a top-level key given twice", "record_type: dnacpr_decision\nrecord_type: death_certificate\n", 2, 1,
     "`record_type` is given twice", "keep one"),
    ("a record type that does not exist", "record_type: nonsense\ncolumns:\n  Ref: id\n", 1, 14,
     "`record_type`: Input should be 'death_certificate', 'dnacpr_decision' or 'mortality_review'",
     "map a column to record_type"),
    ("a misspelt top-level key", "colums:\n  Ref: id\n", 1, 1, "unknown key `colums`", "did you mean `columns`?"),
    ("an unknown key under booleans", "booleans:\n  true: [Ja]\n  maybe: [x]\n", 3, 3, "unknown key `booleans.maybe`",
     "keys are: false, true"),
    ("columns that are a list", "columns: [a, b]\n", 1, 10, "`columns`: Input should be a valid dictionary", None),
    ("a column mapped to something that is not a field path", "columns:\n  Ref: 'part1..text'\n", 2, 8,
     "empty part", "field path"),
    ("a two-character delimiter", "delimiter: ';;'\n", 1, 12, "one character", None),
    ("an encoding Python does not know", "encoding: klingon\n", 1, 11, "`encoding`: not an encoding Python knows",
     "codec name"),
    ("dates that are not a list of text", "dates: 12\n", 1, 8, "`dates`", None),
]


@pytest.mark.parametrize(("case", "text", "line", "column", "words", "hint"), MAPPINGS, ids=[m[0] for m in MAPPINGS])
def test_a_bad_mapping_file_is_refused_with_its_file_line_column_and_hint(tmp_path, case, text, line, column, words,
                                                                          hint):
    (tmp_path / "m.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_mapping(tmp_path / "m.yaml")
    error = caught.value
    assert (error.source, error.location) == (str(tmp_path / "m.yaml"), f"line {line}, column {column}")
    assert words in error.message
    if hint:
        assert f"(hint: " in error.message and hint in error.message


def test_the_command_line_refuses_a_mapping_with_an_unknown_record_type_with_exit_2(tmp_path, capsys):
    (tmp_path / "m.yaml").write_text("record_type: nonsense\n", encoding="utf-8")
    (tmp_path / "a.csv").write_text("id,rationale\nD1,frail\n", encoding="utf-8")
    assert main(["check", str(tmp_path / "a.csv"), "--mapping", str(tmp_path / "m.yaml")]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'm.yaml'}, line 1, column 14: `record_type`" in err and "Traceback" not in err


def test_boolean_spellings_under_an_unquoted_true_and_false_are_used(tmp_path):
    # YAML reads the keys `true:` and `false:` as booleans; they were once looked up as words, and ignored.
    (tmp_path / "m.yaml").write_text("booleans:\n  true: [Ja]\n  false: [Nee]\n", encoding="utf-8")
    mapping = load_mapping(tmp_path / "m.yaml")
    assert mapping.typed("bool", "ja", ("x",)) is True and mapping.typed("bool", "Nee", ("x",)) is False
    assert mapping.typed("bool", "yes", ("x",)) == "yes"  # the given spellings replace the defaults


def test_a_column_named_by_a_number_in_a_mapping_is_read(tmp_path):
    (tmp_path / "m.yaml").write_text("record_type: dnacpr_decision\ncolumns:\n  2024: id\n", encoding="utf-8")
    (tmp_path / "a.csv").write_text("2024,rationale\nD1,frail\n", encoding="utf-8")
    (item,) = read(tmp_path / "a.csv", mapping=load_mapping(tmp_path / "m.yaml"))
    assert item.data["id"] == "D1" and item.data["record_type"] == "dnacpr_decision"


def billion_laughs() -> str:
    lines, previous = ["a: &a [x,x,x,x,x,x,x,x,x]"], "a"
    for name in "bcdefghi":
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
        previous = name
    return "\n".join(lines + ["constants: {narrative: *i}"]) + "\n"


def test_a_billion_laughs_mapping_file_of_a_few_hundred_bytes_is_refused_before_it_expands(tmp_path):
    text = billion_laughs()
    assert len(text) < 400  # 9^9 (387 million) values once expanded
    (tmp_path / "m.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_mapping(tmp_path / "m.yaml")
    assert "expands to more than 200000 values" in caught.value.message and "aliases" in caught.value.message


# A mapping file, a concepts file and a suppressions file that are not UTF-8 (Latin-1, UTF-16).
SUPPRESSIONS = "suppressions:\n  - {rule_id: X, record_id: D1, reason: caf\xe9, reviewer: r, expires: 2030-01-01}\n"


@pytest.mark.parametrize("encoding", ["latin-1", "utf-16"])
def test_a_mapping_file_that_is_not_utf8_is_one_located_error(tmp_path, encoding):
    (tmp_path / "m.yaml").write_bytes("columns:\n  Caf\xe9: rationale\n".encode(encoding))
    with pytest.raises(InputError) as caught:
        load_mapping(tmp_path / "m.yaml")
    assert caught.value.source == str(tmp_path / "m.yaml") and caught.value.location.startswith("line ")
    assert "not valid UTF-8 (byte 0x" in caught.value.message and "of the file" in caught.value.message


@pytest.mark.parametrize("encoding", ["latin-1", "utf-16"])
def test_a_concepts_file_that_is_not_utf8_is_one_located_error(tmp_path, encoding):
    (tmp_path / "concepts").mkdir()
    (tmp_path / "concepts" / "mine.yaml").write_bytes("concepts:\n  caf:\n    preferred: caf\xe9\n".encode(encoding))
    with pytest.raises(ConceptError) as caught:
        load_concepts(tmp_path)
    assert f"{tmp_path / 'concepts' / 'mine.yaml'}:" in str(caught.value)
    assert "not valid UTF-8 (byte 0x" in str(caught.value) and "of the file" in str(caught.value)


@pytest.mark.parametrize("encoding", ["latin-1", "utf-16"])
def test_a_suppressions_file_that_is_not_utf8_is_one_located_error(tmp_path, capsys, encoding):
    (tmp_path / "s.yaml").write_bytes(SUPPRESSIONS.encode(encoding))
    with pytest.raises(RuleError) as caught:
        load_suppressions(tmp_path / "s.yaml")
    assert caught.value.file == str(tmp_path / "s.yaml") and "not valid UTF-8 (byte 0x" in caught.value.message
    (tmp_path / "a.ndjson").write_text('{"record_type": "dnacpr_decision", "id": "D1"}\n', encoding="utf-8")
    assert main(["check", str(tmp_path / "a.ndjson"), "--suppressions", str(tmp_path / "s.yaml")]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 's.yaml'}:" in err and "Traceback" not in err and "unexpected error" not in err


CSV = "record_type,id,rationale\r\ndnacpr_decision,D1,frail\r\n"


@pytest.mark.parametrize(("encoding", "content", "words"), [
    ("utf-16", CSV.encode("utf-8"), "does not start with a utf-16 byte order mark"),
    ("utf-32", CSV.encode("utf-8"), "byte 1 (0x72) cannot be read in it"),
    ("utf-32", CSV.encode("utf-16"), "byte 1 (0xFF) cannot be read in it"),
])
def test_a_wide_encoding_given_for_a_file_not_in_it_is_one_error_naming_the_byte(tmp_path, capsys, encoding, content,
                                                                                words):
    (tmp_path / "m.yaml").write_text(f"encoding: {encoding}\n", encoding="utf-8")
    (tmp_path / "a.csv").write_bytes(content)
    assert main(["check", str(tmp_path / "a.csv"), "--mapping", str(tmp_path / "m.yaml")]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'a.csv'}, byte 1: the file is not {encoding} text" in err and words in err
    assert "Traceback" not in err and "unexpected error" not in err


def test_a_file_that_is_in_the_wide_encoding_given_is_read(tmp_path):
    (tmp_path / "m.yaml").write_text("encoding: utf-16\n", encoding="utf-8")
    (tmp_path / "a.csv").write_bytes(CSV.encode("utf-16"))
    (item,) = read(tmp_path / "a.csv", mapping=load_mapping(tmp_path / "m.yaml"))
    assert item.data == {"record_type": "dnacpr_decision", "id": "D1", "rationale": "frail"}
