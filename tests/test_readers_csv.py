"""CSV and TSV exports: field paths, typing by the record model, mapping files, Excel quirks, bad rows."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leder_audit.engine import Incoming, validate
from leder_audit.errors import InputError
from leder_audit.findings import Rejection
from leder_audit.readers import detect_format, read
from leder_audit.paths import parse as parse_path
from leder_audit.readers.fieldpaths import kind_at
from leder_audit.readers.mapping import Mapping, load_mapping, mapping_from


def write(tmp_path, text: str, name: str = "in.csv", bom: bool = False, crlf: bool = False):
    path = tmp_path / name
    body = text.replace("\n", "\r\n") if crlf else text
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + body.encode("utf-8"))
    return path


def only(items) -> dict:
    items = list(items)
    assert len(items) == 1 and isinstance(items[0], Incoming), items
    return items[0].data


@pytest.mark.parametrize("column, path", [
    ("part1.a.text", ("part1", 0, "text")),
    ("part1.D.interval", ("part1", 3, "interval")),
    ("part1.0.text", ("part1", 0, "text")),
    ("part1[2].icd10", ("part1", 2, "icd10")),
    ("part2.1.text", ("part2", 1, "text")),
    ("person.age", ("person", "age")),
    ("death_certificate.part1.b.text", ("death_certificate", "part1", 1, "text")),
    ("area.a", ("area", "a")),  # a letter is a line of Part I only after part1
])
def test_column_names_are_field_paths(column, path):
    assert parse_path(column) == path


@pytest.mark.parametrize("record_type, path, kind", [
    ("death_certificate", ("person", "age"), "int"),
    ("death_certificate", ("date_of_death",), "date"),
    ("death_certificate", ("referred_to_coroner",), "bool"),
    ("death_certificate", ("part1", 0, "text"), "text"),
    ("mortality_review", ("care_coordination", "agencies_involved"), "list"),
    ("mortality_review", ("death_certificate", "medical_examiner", "scrutiny_completed"), "bool"),
    ("mortality_review", ("not_a_field",), "text"),
    (None, ("person", "age"), "text"),
])
def test_the_record_model_decides_how_a_cell_is_typed(record_type, path, kind):
    assert kind_at(record_type, path) == kind


def test_a_dotted_path_csv_builds_nested_records(tmp_path):
    path = write(tmp_path, "record_type,id,person.age,part1.a.text,part1.c.text,care_coordination.agencies_involved\n"
                           "death_certificate,D1,54,Pneumonia,Down syndrome,\n")
    assert only(read(path)) == {"record_type": "death_certificate", "id": "D1", "person": {"age": 54},
                                "part1": [{"text": "Pneumonia"}, {}, {"text": "Down syndrome"}]}


@pytest.mark.parametrize("cell, expected", [
    ("Y", True), ("yes", True), ("TRUE", True), ("1", True),
    ("n", False), ("No", False), ("false", False), ("0", False),
    ("", None), ("  ", None), ("Unknown", None), ("not known", None),
])
def test_booleans_are_read_in_every_usual_spelling_and_a_blank_stays_unknown(tmp_path, cell, expected):
    path = write(tmp_path, f"record_type,id,referred_to_coroner\ndeath_certificate,D1,{cell}\n")
    record = only(read(path))
    assert record.get("referred_to_coroner") is expected
    assert validate(record).referred_to_coroner is expected


@pytest.mark.parametrize("cell, expected", [
    ("2024-03-02", date(2024, 3, 2)), ("02/03/2024", date(2024, 3, 2)), ("2/3/2024", date(2024, 3, 2)),
])
def test_dates_are_iso_or_uk_day_first(tmp_path, cell, expected):
    path = write(tmp_path, f"record_type,id,date_of_death\ndeath_certificate,D1,{cell}\n")
    assert validate(only(read(path))).date_of_death == expected


def test_a_list_column_is_split_on_semicolons(tmp_path):
    path = write(tmp_path, 'record_type,id,care_coordination.agencies_involved\n'
                           'mortality_review,R1,"GP; acute trust ;; social care"\n')
    assert only(read(path))["care_coordination"]["agencies_involved"] == ["GP", "acute trust", "social care"]


def test_excel_bom_and_crlf_are_read(tmp_path):
    path = write(tmp_path, "record_type,id,part1.a.text\ndeath_certificate,D1,\"Sepsis, urinary\"\n", bom=True, crlf=True)
    assert only(read(path)) == {"record_type": "death_certificate", "id": "D1", "part1": [{"text": "Sepsis, urinary"}]}


def test_ragged_rows_are_rejected_with_their_row_number_and_the_rest_are_read(tmp_path):
    path = write(tmp_path, "record_type,id\ndeath_certificate,D1\ndeath_certificate,D2,extra\n\ndeath_certificate,D3\n")
    items = list(read(path))
    assert [type(i).__name__ for i in items] == ["Incoming", "Rejection", "Incoming"]
    assert items[1].location == "row 3" and "3 cells" in items[1].message
    assert items[2].location == "row 5"


def test_a_bad_value_is_left_for_the_model_to_reject_naming_the_field(tmp_path):
    path = write(tmp_path, "record_type,id,person.age\ndeath_certificate,D1,fifty\n")
    with pytest.raises(InputError) as error:
        validate(only(read(path)))
    assert error.value.field == "person.age"


def test_tsv_is_detected_by_extension(tmp_path):
    path = write(tmp_path, "record_type\tid\tpart1.a.text\ndeath_certificate\tD1\tSepsis\n", name="in.tsv")
    assert detect_format(path) == "tsv"
    assert only(read(path))["part1"] == [{"text": "Sepsis"}]


@pytest.mark.parametrize("header, message", [
    ("id,id", "appears twice"),
    ("id,part1..text", "not a field path"),
])
def test_a_header_that_cannot_be_read_is_an_input_error_for_the_whole_file(tmp_path, header, message):
    path = write(tmp_path, header + "\nA,B\n")
    with pytest.raises(InputError, match=message):
        list(read(path))


def test_text_that_is_not_utf8_is_rejected_not_raised(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(b"record_type,id,part1.a.text\ndeath_certificate,D1,Caf\xe9\n")
    items = list(read(path))
    assert isinstance(items[-1], Rejection) and "UTF-8" in items[-1].message.upper()


def test_a_mapping_renames_columns_types_values_and_sets_constants(tmp_path):
    mapping = mapping_from({
        "record_type": "dnacpr_decision",
        "columns": {"Ref": "id", "Why": "rationale", "Cap": "person_has_capacity", "When": "decision_date",
                    "Kind": "form", "Ignore me": None},
        "values": {"form": {"DNAR": "dnacpr"}},
        "booleans": {"true": ["Ja"], "false": ["Nee"]},
        "dates": ["%d/%m/%Y"],
    })
    path = write(tmp_path, "Ref,Why,Cap,When,Kind,Ignore me\nX1,Frailty,Ja,31/01/2024,dnar,secret\n")
    assert only(read(path, mapping=mapping)) == {
        "record_type": "dnacpr_decision", "id": "X1", "rationale": "Frailty", "person_has_capacity": True,
        "decision_date": date(2024, 1, 31), "form": "dnacpr"}


def test_unquoted_yaml_yes_and_no_in_a_mapping_still_mean_those_spellings(tmp_path):
    file = tmp_path / "m.yaml"
    file.write_text("booleans:\n  true: [Yes, Y]\n  false: [No, N]\n")
    mapping = load_mapping(file)
    assert mapping.typed("bool", "yes", ("x",)) is True and mapping.typed("bool", "No", ("x",)) is False


@pytest.mark.parametrize("content, message", [
    ("columns: [a, b]", "must be a mapping"),
    ("colums: {}", "unknown key"),
    ("columns: {A: 'part1..text'}", "empty part"),
    ("delimiter: ';;'", "one character"),
    ("columns: {A: [", "not valid YAML"),
    ("- just a list", "a YAML mapping"),
])
def test_a_mapping_file_that_cannot_be_used_is_an_input_error(tmp_path, content, message):
    file = tmp_path / "m.yaml"
    file.write_text(content)
    with pytest.raises(InputError, match=message):
        load_mapping(file)


def test_the_cli_reads_a_csv_with_a_mapping(capsys, tmp_path):
    from leder_audit.cli import main

    from .conftest import FIXTURES

    code = main(["validate", str(FIXTURES / "export.csv"), "--mapping", str(FIXTURES / "export_mapping.yaml")])
    assert code == 0 and "3 records read: 3 valid, 0 rejected" in capsys.readouterr().out


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(list('ab,;"\n\r\t .1yY\x00') + ["part1.a.text", "id", "record_type", "\ufeff"]),
                max_size=40).map("".join))
def test_the_csv_reader_raises_nothing_but_input_error(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("csv") / "in.csv"
    path.write_text(text, encoding="utf-8")
    try:
        for item in read(path):
            assert isinstance(item, (Incoming, Rejection))
    except InputError:
        pass


def test_mapping_defaults_treat_blank_as_unknown():
    assert Mapping().typed("bool", "", ("x",)) is None and Mapping().typed("text", " ", ("x",)) is None


def test_a_column_named_twice_in_a_mapping_file_is_refused_at_its_line(tmp_path):
    file = tmp_path / "m.yaml"
    file.write_text("columns:\n  Id: id\n  Id: record_type\n")
    with pytest.raises(InputError, match="given twice") as error:
        load_mapping(file)
    assert "line 3" in str(error.value)


def _write(tmp_path, text: str):
    path = tmp_path / "export.csv"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("column, hint", [("rationle", "did you mean rationale?"),
                                          ("person.learning_disabilty", "did you mean person.learning_disability?"),
                                          ("ward_name", "")])
def test_a_column_that_fills_no_field_is_warned_of_once_with_a_hint(tmp_path, capsys, column, hint):
    from leder_audit.cli import main

    path = _write(tmp_path, f"record_type,id,rationale,{column}\ndnacpr_decision,D1,frail,x\ndnacpr_decision,D2,frail,y\n")
    assert main(["validate", str(path)]) == 0
    warned = [line for line in capsys.readouterr().err.splitlines() if "fills no field" in line]
    assert len(warned) == 1 and repr(column) in warned[0] and hint in warned[0]


def test_with_strict_a_column_that_fills_no_field_is_an_error(tmp_path, capsys):
    from leder_audit.cli import main

    path = _write(tmp_path, "record_type,id,rationle\ndnacpr_decision,D1,Severe LD\n")
    assert main(["check", "--strict", str(path)]) == 2
    assert "'rationle' fills no field" in capsys.readouterr().err


def test_a_file_with_no_header_row_is_not_quoted_back(tmp_path, capsys):
    from leder_audit.cli import main

    path = _write(tmp_path, "dnacpr_decision,D1,Mrs Joan Example,Severe LD\ndnacpr_decision,D2,x,frail\n")
    main(["validate", str(path)])
    err = capsys.readouterr().err
    assert "header row" in err and "Joan" not in err


def test_a_headerless_file_starting_with_an_nhs_number_is_not_quoted_back_in_the_error(tmp_path, capsys):
    from leder_audit.cli import main

    path = _write(tmp_path, "dnacpr_decision,943.476.5919,Severe LD\n")
    assert main(["check", "--redact", str(path)]) == 2
    err = capsys.readouterr().err
    assert "not a field path" in err and "943" not in err


def test_a_whole_part_column_and_a_field_inside_it_are_refused(tmp_path, capsys):
    from leder_audit.cli import main

    path = _write(tmp_path, "record_type,id,person,person.age\ndnacpr_decision,D1,x,40\n")
    assert main(["validate", str(path)]) == 2
    assert "'person' and 'person.age' both fill person" in capsys.readouterr().err


def test_a_list_index_above_the_cap_is_refused_before_any_list_is_built(tmp_path, capsys):
    from leder_audit.cli import main

    path = _write(tmp_path, "record_type,id,part1.99999999.text\ndeath_certificate,C1,x\n")
    assert main(["validate", str(path)]) == 2
    assert "a list index above 63" in capsys.readouterr().err
