"""Bad data tried on purpose: every reader finishes, every item read is checked or rejected with its place."""

from __future__ import annotations

import json

import pytest

from leder_audit.cli import main
from leder_audit.engine import Auditor
from leder_audit.findings import Rejection
from leder_audit.readers import read

GOOD = b'{"record_type": "dnacpr_decision", "id": "D1", "rationale": "frail"}'
GOOD2 = b'{"record_type": "dnacpr_decision", "id": "D2", "rationale": "frail"}'
NESTED = b"[" * 100_000 + b"]" * 100_000
HEADER = b"record_type,id,rationale,person.age,decision_date\n"


def dnacpr(**fields) -> bytes:
    return json.dumps({"record_type": "dnacpr_decision", "id": "D9", **fields}).encode()


# (case, file name, content, records checked, [(location, field, words in the message)])
CASES = [
    ("truncated .json", "a.json", GOOD[:-12], 0, [("line 1, column 48", None, "invalid JSON")]),
    ("truncated .ndjson line", "a.ndjson", GOOD + b"\n" + GOOD2[:-12] + b"\n", 1,
     [("line 2", None, "invalid JSON at column 48")]),
    ("array, number, string, null and boolean lines", "a.ndjson", b'[1, 2]\n42\n"text"\nnull\ntrue\n', 0,
     [("line 1", None, "JSON object, not an array"), ("line 2", None, "not a number"),
      ("line 3", None, "not a string"), ("line 4", None, "not null"), ("line 5", None, "not true or false")]),
    ("a .json list of non-objects", "a.json", b'[1, "x", null, ' + GOOD + b"]", 1,
     [("record 1", None, "not a number"), ("record 2", None, "not a string"), ("record 3", None, "not null")]),
    ("wrong types", "a.ndjson", b"\n".join([dnacpr(person={"age": "forty"}), dnacpr(decision_date="31/02/2022"),
                                            dnacpr(decision_date="2022-13-01"), dnacpr(decision_date="2022-02-31"),
                                            dnacpr(person_has_capacity="perhaps"), dnacpr(form="napkin")]), 0,
     [("line 1", "person.age", "valid integer"), ("line 2", "decision_date", "not a date that exists"),
      ("line 3", "decision_date", "month value is outside"), ("line 4", "decision_date", "day value is outside"),
      ("line 5", "person_has_capacity", "valid boolean"), ("line 6", "form", "'dnacpr', 'respect' or 'tep'")]),
    ("unknown record_type, missing and empty id", "a.ndjson",
     b'{"record_type": "autopsy", "id": "X"}\n{"record_type": "dnacpr_decision"}\n'
     b'{"record_type": "dnacpr_decision", "id": ""}\n{"id": "Y"}\n', 0,
     [("line 1", "record_type", "must be one of"), ("line 2", "id", "Field required"),
      ("line 3", "id", "must not be blank"), ("line 4", "record_type", "must be one of")]),
    ("deeply nested .json", "a.json", NESTED, 0, [("document", None, "nested too deeply")]),
    ("deeply nested .ndjson line", "a.ndjson", GOOD + b"\n" + NESTED + b"\n", 1,
     [("line 2", None, "nested too deeply")]),
    ("deeply nested FHIR", "a.json", b'{"resourceType": "Bundle", "entry": ' + NESTED + b"}", 0,
     [("document", None, "nested too deeply")]),
    ("non-UTF-8 in an .ndjson line", "a.ndjson", GOOD + b"\n" + dnacpr(rationale="cafX").replace(b"X", b"\xe9") + b"\n",
     1, [("line 2", None, "not valid UTF-8: byte 65 of the line is 0xE9")]),
    ("non-UTF-8 in a .json file", "a.json", b"[\n" + GOOD + b",\n" + dnacpr(rationale="\xe9").replace(
        b"\\u00e9", b"\xe9") + b"]", 0, [("line 3", None, "not valid UTF-8: byte 62 of the line is 0xE9")]),
    ("non-UTF-8 in a CSV cell", "a.csv", HEADER + b"dnacpr_decision,C1,caf\xe9,,\ndnacpr_decision,C2,ok,,\n", 1,
     [("row 2", "rationale", "byte 0xE9")]),
    ("UTF-8 BOM in .json", "a.json", b"\xef\xbb\xbf" + GOOD, 1, []),
    ("UTF-8 BOM in .ndjson", "a.ndjson", b"\xef\xbb\xbf" + GOOD + b"\n", 1, []),
    ("UTF-8 BOM in .csv", "a.csv", b"\xef\xbb\xbf" + HEADER + b"dnacpr_decision,C1,frail,,\n", 1, []),
    ("NUL bytes in an .ndjson line", "a.ndjson", GOOD + b"\n\x00\x00\x00\n" + GOOD2 + b"\n", 2,
     [("line 2", None, "NUL byte at byte 1")]),
    ("UTF-16 saved .ndjson", "a.ndjson", GOOD.decode().encode("utf-16-le") + b"\n\x00", 0,
     [("line 1", None, "NUL byte"), ("line 2", None, "NUL byte")]),
    ("NUL byte inside a JSON string", "a.ndjson", GOOD.replace(b"frail", b"fr\x00ail") + b"\n", 0,
     [("line 1", None, "NUL byte at byte 64")]),
    ("ragged CSV rows", "a.csv", HEADER + b"dnacpr_decision,C1,frail,,\ndnacpr_decision,C2\n"
     b"dnacpr_decision,C3,a,b,c,d,e\n", 1, [("row 3", None, "2 cells but the header has 5"),
                                            ("row 4", None, "7 cells but the header has 5")]),
    ("wrong types in a CSV", "a.csv", HEADER + b"dnacpr_decision,C1,frail,forty,\ndnacpr_decision,C2,,,31/02/2022\n", 0,
     [("row 2", "person.age", "valid integer"), ("row 3", "decision_date", "not a date that exists")]),
    ("a 10 MB CSV cell", "a.csv", HEADER + b"dnacpr_decision,C1," + b"x" * 10_000_000 + b",,\n"
     b"dnacpr_decision,C2,frail,,\n", 2, []),
    ("a number of more than 4,300 digits in .json", "a.json",
     b'[{"record_type": "mortality_review", "id": "R1", "care_grading": ' + b"1" + b"0" * 4400 + b"}, " + GOOD + b"]", 1,
     [("record 1", "care_grading", "4,401 digits, too long to read")]),
    ("a number of more than 4,300 digits in .ndjson", "a.ndjson",
     b'{"record_type": "mortality_review", "id": "R1", "care_grading": ' + b"1" + b"0" * 4400 + b"}\n" + GOOD + b"\n", 1,
     [("line 1", None, "too long to read (more than 4,300 digits)")]),
    ("a number of more than 4,300 digits in FHIR", "a.json",
     b'{"resourceType": "Bundle", "total": ' + b"9" * 5000 + b', "entry": []}', 0,
     [("document", "total", "5,000 digits, too long to read")]),
    ("a lone surrogate in .json", "a.json",
     b'[{"record_type": "dnacpr_decision", "id": "D1", "rationale": "learning disability \\ud800"}, ' + GOOD2 + b"]", 1,
     [("record 1", "rationale", "lone surrogate")]),
    ("a key given twice in .json", "a.json",
     b'[{"record_type": "dnacpr_decision", "id": "D1", "rationale": "Severe learning disability", '
     b'"rationale": "frailty"}, ' + GOOD2 + b"]", 1, [("record 1", "rationale", "given twice")]),
    ("a key given twice in a nested object", "a.json",
     b'{"record_type": "dnacpr_decision", "id": "D1", "person": {"age": 40, "age": 90}}', 0,
     [("record 1", "person.age", "given twice")]),
    ("a key given twice in FHIR", "a.json", b'{"resourceType": "Bundle", "type": "collection", "type": "x"}', 0,
     [("document", "type", "given twice")]),
    ("a key given twice in .ndjson, at the top, in a nested object, in a list item", "a.ndjson",
     b"\n".join([b'{"record_type": "dnacpr_decision", "id": "D1", "rationale": "Severe learning disability", '
                 b'"rationale": "frailty"}',
                 b'{"record_type":"dnacpr_decision","id":"D2","person":{"age":40,"age":null}}',
                 b'{"record_type":"death_certificate","id":"C1","part1":[{"text":"sepsis"},{"text":"a","text":"b"}]}',
                 GOOD2]), 1,
     [("line 1", "rationale", "given twice"), ("line 2", "person.age", "given twice"),
      ("line 3", "part1[1].text", "given twice")]),
    ("a key given first as null, then with a value, or twice as null, in .ndjson", "a.ndjson",
     b"\n".join([b'{"record_type":"dnacpr_decision","id":"D3","rationale":null,"rationale":"Severe learning disability"}',
                 b'{"record_type": "dnacpr_decision", "id": "D4", "rationale": "frail", "rationale": null}',
                 b'{"record_type": "dnacpr_decision", "id": "D5", "rationale": null, "rationale": null}',
                 b'{"record_type" : "dnacpr_decision", "id" : "D6", "rationale" : null, "rationale" : "frail"}',
                 b'{"record_type":"death_certificate","id":"C1","part1":[{"text":"a","interval":null},'
                 b'{"text":"b","interval":null,"interval":"2 days"}]}',
                 b'{"record_type":"dnacpr_decision","id":"D7","person":{"age":null,"age":40}}',
                 GOOD2]), 1,
     [("line 1", "rationale", "given twice"), ("line 2", "rationale", "given twice"),
      ("line 3", "rationale", "given twice"), ("line 4", "rationale", "given twice"),
      ("line 5", "part1[1].interval", "given twice"), ("line 6", "person.age", "given twice")]),
    ("a key given first as null, then with a value, in .json", "a.json",
     b'[{"record_type": "dnacpr_decision", "id": "D1", "rationale": null, "rationale": "Severe learning disability"}, '
     + GOOD2 + b"]", 1, [("record 1", "rationale", "given twice")]),
    ("a key given first as null, then with a value, in FHIR", "a.json",
     b'{"resourceType": "Bundle", "type": null, "type": "collection"}', 0, [("document", "type", "given twice")]),
    ("the same key as null in several list items, none given twice, in .ndjson", "a.ndjson",
     b"\n".join([b'{"record_type":"death_certificate","id":"C1","part1":[{"text":"a","interval":null},'
                 b'{"text":"b","interval":null},{"text":"c","interval":"2 days"}]}',
                 b'{"record_type":"dnacpr_decision","id":"D1","rationale":null,"extra":{"rationale":null}}',
                 b'{"record_type":"dnacpr_decision","id":"D2","rationale":"not null: annulled","review_date":null}']),
     3, []),
    ("keys written so the quick count is unsure, none given twice, in .ndjson", "a.ndjson",
     b"\n".join([b'{"record_type": "dnacpr_decision", "id": "D1", "rationale": "he said \\"no\\": frail"}',
                  b'{"record_type" : "dnacpr_decision", "id" : "D2", "rationale" : null}',
                  b'{"record_type": "dnacpr_decision", "id": "D3", "rationale": "", "extra": {"a": null, "b": [1, null]}}']),
     3, []),
    ("a key given twice, with a quote written as an escape or a key spaced oddly, in .ndjson", "a.ndjson",
     b"\n".join([b'{"record_type":"dnacpr_decision","id":"D1","id":"D2","rationale":"x\\u0022:"}',
                 b'{"record_type":"dnacpr_decision","id":"D3","rationale":"a","rationale":"b","setting"\t:"7B"}',
                 b'{"record_type":"dnacpr_decision","id":"D4","rationale":"a","rationale":"b","setting"  :"7B"}']),
     0, [("line 1", "id", "given twice"), ("line 2", "rationale", "given twice"), ("line 3", "rationale", "given twice")]),
    ("NaN and Infinity ids in .json", "a.json",
     b'[{"record_type": "dnacpr_decision", "id": NaN}, {"record_type": "dnacpr_decision", "id": -Infinity}]', 0,
     [("record 1", "id", "NaN, which is not a JSON number"), ("record 2", "id", "-Infinity")]),
    ("numbers and bare digits as dates", "a.ndjson",
     b"\n".join([dnacpr(decision_date=0), dnacpr(decision_date="0"), dnacpr(decision_date=1641600000),
                 dnacpr(review_date=45000.5)]), 0,
     [("line 1", "decision_date", "not as a number"), ("line 2", "decision_date", "not a date that exists"),
      ("line 3", "decision_date", "not as a number"), ("line 4", "review_date", "not as a number")]),
    ("the date forms of UK exports", "a.ndjson",
     b"\n".join([dnacpr(decision_date=d) for d in ("31/03/2024", "31/03/2024 14:05", "31 March 2024", "31-Mar-2024",
                                                  "2024-03-31", "2024-03-31T14:05:00Z", " 1 Feb 2024 ")]), 7, []),
    ("true as an age, blank and NaN ids in .ndjson", "a.ndjson",
     b"\n".join([dnacpr(person={"age": True}), json.dumps({"record_type": "dnacpr_decision", "id": " "}).encode(),
                 b'{"record_type": "dnacpr_decision", "id": NaN}', b'{"record_type": "dnacpr_decision", "id": Infinity}']),
     0, [("line 1", "person.age", "not true or false"), ("line 2", "id", "must not be blank"),
         ("line 3", "id", "not NaN or Infinity"), ("line 4", "id", "not NaN or Infinity")]),
    ("FHIR Bundle with junk entries", "a.json", b'{"resourceType": "Bundle", "entry": [1, {"resource": 5}]}', 0,
     [("document", None, "no death record")]),
]


def run(path):
    auditor = Auditor(__import__("leder_audit").load_rulebook())
    list(auditor.run(read(path)))
    return auditor.tally


@pytest.mark.parametrize(("case", "name", "content", "checked", "rejected"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_rejected_with_its_place_and_the_rest_is_checked(tmp_path, case, name, content, checked, rejected):
    path = tmp_path / name
    path.write_bytes(content)
    tally = run(path)
    assert tally.records_checked + tally.rejected_count == tally.records_read
    assert tally.records_checked == checked
    assert len(tally.rejected) == len(rejected)
    for rejection, (location, field, words) in zip(tally.rejected, rejected):
        assert (rejection.source, rejection.location, rejection.field) == (str(path), location, field)
        assert words in rejection.message


@pytest.mark.parametrize("name", ["empty.json", "empty.ndjson", "empty.csv", "blank.json", "list.json", "header.csv"])
def test_an_empty_file_is_zero_records_clearly_said(tmp_path, capsys, name):
    content = {"blank.json": b"  \n\n", "list.json": b"[]", "header.csv": HEADER}.get(name, b"")
    (tmp_path / name).write_bytes(content)
    code = main(["check", str(tmp_path / name), "--format", "json", "--output", str(tmp_path / "out.json")])
    assert code == 0
    err = capsys.readouterr().err
    assert f"{tmp_path / name}: the file holds no records" in err
    assert "0 records read: 0 checked, 0 rejected" in err
    assert json.loads((tmp_path / "out.json").read_text())["summary"]["records_read"] == 0


def test_rejected_ndjson_lines_name_the_record_id_when_the_json_parses(tmp_path):
    (tmp_path / "a.ndjson").write_bytes(dnacpr(decision_date="yesterday") + b"\n")
    (rejection,) = run(tmp_path / "a.ndjson").rejected
    assert (rejection.record_id, rejection.field) == ("D9", "decision_date")


@pytest.mark.parametrize(("case", "name", "content", "checked", "rejected"),
                         [c for c in CASES if c[4]], ids=[c[0] for c in CASES if c[4]])
def test_strict_stops_at_the_first_bad_record_with_exit_2(tmp_path, capsys, case, name, content, checked, rejected):
    path = tmp_path / name
    path.write_bytes(content)
    assert main(["check", str(path), "--strict", "--format", "json", "--output", str(tmp_path / "out.json")]) == 2
    err = capsys.readouterr().err
    location, field, words = rejected[0]
    assert f"{path}, {location}: " in err and words in err
    assert not (tmp_path / "out.json").exists()


def test_every_reader_yields_only_records_or_rejections(tmp_path):
    for number, (_, name, content, _, _) in enumerate(CASES):
        path = tmp_path / f"{number}{name}"
        path.write_bytes(content)
        for item in read(path):
            assert isinstance(item, Rejection) or type(item).__name__ == "Incoming"


def test_duplicate_ids_are_reported_and_both_records_checked(tmp_path, capsys):
    lines = [GOOD, GOOD2, GOOD.replace(b"frail", b"LD"), b'{"record_type": "death_certificate", "id": "D1"}']
    (tmp_path / "a.ndjson").write_bytes(b"\n".join(lines) + b"\n")
    (tmp_path / "b.json").write_bytes(b"[" + GOOD2 + b"]")
    outputs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}.json"
        main(["check", str(tmp_path / "a.ndjson"), str(tmp_path / "b.json"), "--format", "json", "--output", str(out),
              "--jobs", jobs, "--as-of", "2024-06-30"])
        assert "2 duplicate ids" in capsys.readouterr().err
        report = json.loads(out.read_text())
        assert report["summary"]["records_checked"] == 5 and report["summary"]["duplicate_ids"] == 2
        assert report["duplicates"] == [
            {"record_type": "dnacpr_decision", "record_id": "D1", "source": str(tmp_path / "a.ndjson"), "location": "line 3"},
            {"record_type": "dnacpr_decision", "record_id": "D2", "source": str(tmp_path / "b.json"), "location": "record 1"},
        ]
        report["run"].pop("run_time")
        outputs.append(report)
    assert outputs[0] == outputs[1]


def test_duplicate_tracking_memory_is_capped(monkeypatch):
    from leder_audit import duplicates

    monkeypatch.setattr(duplicates, "MAX_IDS_TRACKED", 3)
    ids = duplicates.DuplicateIds()
    for number, record_id in enumerate(["a", "b", "c", "d", "e", "a", "e"], 1):
        ids.note("dnacpr_decision", record_id, "s", f"line {number}", number)
    assert ids.tracked == 3 and ids.tracking_stopped_at == 4
    assert [d.record_id for d in ids.listed] == ["a"]  # "e" came after tracking stopped
