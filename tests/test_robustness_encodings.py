"""Every file the command line reads, saved in the wrong encoding or malformed: one located line, exit 2."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from leder_audit.cli import main
from leder_audit.cohort.ethnicity import load_population
from leder_audit.errors import InputError

from .conftest import FIXTURES

REVIEWS = str(FIXTURES / "mortality_reviews.ndjson")
DNACPR = str(FIXTURES / "dnacpr_decisions.json")
RULES = Path(__file__).resolve().parent.parent / "rules"

# (case, table as text, the place, words of the message). Each refuses the whole table: a population
# figure misread changes every ethnicity-representation result of that area.
POPULATIONS = [
    ("empty file", "", None, "the file is empty; a population table needs the columns"),
    ("comments only", "# ONS figures\n\n", None, "the file is empty"),
    ("no ethnic_group column", "area,count\nE1,100\n", "line 1", "needs the columns area"),
    ("no count or share column", "area,ethnic_group,people\nE1,White,100\n", "line 1", "needs the columns"),
    ("a column given twice", "area,ethnic_group,count,count\nE1,White,1,2\n", "line 1",
     "the column 'count' is given twice in the header"),
    ("a count that is not a number", "area,ethnic_group,count\nE1,White,lots\n", "line 2", "count 'lots' is not a number"),
    ("a share that is not a number", "area,ethnic_group,share\nE1,White,12 percent\n", "line 2", "share '12 percent' is not a number"),
    ("NaN", "area,ethnic_group,count\nE1,White,nan\nE1,Black,3\n", "line 2", "'nan' is not a finite number"),
    ("infinity", "area,ethnic_group,count\nE1,White,1e400\n", "line 2", "'1e400' is not a finite number"),
    ("the same group twice in an area", "area,ethnic_group,count\nE1,White,100\nE1,Black,20\nE1,White,100\n",
     "line 4", "group White was given already (line 2)"),
    ("two names of the same broad group", "area,ethnic_group,count\nE1,White,100\nE1,\"White, English\",100\n",
     "line 3", "group White was given already (line 2)"),
    ("the same group in the same band", "area,ethnic_group,age_band,count\nE1,Asian,0-17,5\nE1,Asian,0 to 17,5\n",
     "line 3", "age band '0 to 17'"),
    ("more cells than the header", "area,ethnic_group,count\nE1,White,100,extra\n", "line 2",
     "the row has 4 cells but the header has 3"),
    ("fewer cells than the header", "area,ethnic_group,count\nE1,White\n", "line 2",
     "the row has 2 cells but the header has 3"),
    ("line numbers count comment lines", "# source: ONS\narea,ethnic_group,count\n# England\nE1,White,x\n", "line 4",
     "is not a number"),
]


@pytest.mark.parametrize(("case", "text", "place", "words"), POPULATIONS, ids=[p[0] for p in POPULATIONS])
def test_a_malformed_population_table_is_refused_naming_its_line(tmp_path, case, text, place, words):
    path = tmp_path / "population.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_population(path)
    assert caught.value.source == str(path)
    assert caught.value.location == (place or "")
    assert words in caught.value.message


def test_the_same_group_in_different_areas_and_bands_is_fine(tmp_path):
    path = tmp_path / "population.csv"
    path.write_text("area,ethnic_group,age_band,count\nE1,White,0-64,90\nE1,Black,0-64,10\nE1,White,65+,50\n"
                    "E1,Black,65+,50\nE2,White,0-64,1\n", encoding="utf-8")
    table = load_population(path)
    assert table.share("E1", "White", "0-64") == pytest.approx(0.9)
    assert table.share("E1", "Black", "65+") == pytest.approx(0.5)
    assert table.share("E2", "White", "0-64") == pytest.approx(1.0)


@pytest.mark.parametrize(("encoding", "line", "byte"), [("latin-1", 2, "0xE9"), ("utf-16", 1, "0xFF"), ("cp1252", 2, "0xE9")])
def test_a_population_table_not_in_utf8_is_refused_naming_the_line_and_byte(tmp_path, encoding, line, byte):
    path = tmp_path / "population.csv"
    path.write_bytes("area,area_name,ethnic_group,count\nE1,Caf\xe9 ICB,White,100\n".encode(encoding))
    with pytest.raises(InputError) as caught:
        load_population(path)
    assert caught.value.location == f"line {line}"
    assert f"not valid UTF-8: byte" in caught.value.message and byte in caught.value.message
    assert "save the table as CSV UTF-8" in caught.value.message


def test_a_folder_or_a_missing_file_as_the_population_table_is_named_as_such(tmp_path):
    with pytest.raises(InputError, match="a folder, not a population table"):
        load_population(tmp_path)
    with pytest.raises(InputError, match="no such file"):
        load_population(tmp_path / "absent.csv")


def test_a_population_table_with_a_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "population.csv"
    path.write_bytes(b"\xef\xbb\xbfarea,ethnic_group,count\nE1,White,100\nE1,Black,100\n")
    assert load_population(path).share("E1", "Black") == pytest.approx(0.5)


# Each file the command line reads, written as Latin-1 with one byte that is not UTF-8 ("caf\xe9").
# (case, the file's name, its text, the command line with {file} for it, words the error must hold).
LATIN_1 = [
    ("population table", "population.csv", "area,ethnic_group,count\nE1,White caf\xe9,1\n",
     ["cohort", REVIEWS, "--population", "{file}"], "{file}, line 2: not valid UTF-8"),
    ("baseline report", "base.json", '{"findings": [{"rule_id": "caf\xe9"}]}',
     ["check", DNACPR, "--baseline", "{file}"], "{file}, line 1: not valid UTF-8"),
    ("baseline ndjson report", "base.ndjson", '{"rule_id": "A"}\n{"rule_id": "caf\xe9"}\n',
     ["check", DNACPR, "--baseline", "{file}"], "{file}, line 2: not valid UTF-8"),
    ("report given to diff", "old.json", '{"findings": [{"rule_id": "caf\xe9"}]}',
     ["diff", "{file}", "{file}"], "{file}, line 1: not valid UTF-8"),
    ("settings file", "leder-audit.toml", "[check]\n# caf\xe9\n",
     ["--config", "{file}", "check", DNACPR], "{file}:2: not valid UTF-8"),
    ("suppressions file", "s.yaml", "suppressions: []\n# caf\xe9\n",
     ["check", DNACPR, "--suppressions", "{file}"], "{file}:2:6: the file is not valid UTF-8"),
    ("mapping file", "m.yaml", "columns:\n  caf\xe9: id\n",
     ["check", str(FIXTURES / "export.csv"), "--mapping", "{file}"], "{file}, line 2, column 6: "),
    ("rule file", "rules/dnacpr_decision/X.yaml", "id: X\ntitle: caf\xe9\n",
     ["check", DNACPR, "--rules", "{folder}"], "{file}:2:11: the file is not valid UTF-8"),
    ("concepts file", "rules/concepts/mine.yaml", "concepts: {}\n# caf\xe9\n",
     ["check", DNACPR, "--rules", "{folder}"], "{file}:2:6: the file is not valid UTF-8"),
    ("cohort rule file", "rules/cohort/C.yaml", "id: C\ntitle: caf\xe9\n",
     ["cohort", REVIEWS, "--rules", "{folder}"], "{file}:2:11: the file is not valid UTF-8"),
    ("history file", "history.sqlite3", "caf\xe9, not a database\n",
     ["trend", "--history", "{file}"], "{file}: not a leder-audit history: not an SQLite file"),
    ("history file added to", "history.sqlite3", "caf\xe9, not a database\n",
     ["check", DNACPR, "--history", "{file}", "--exit-zero"], "{file}: not a leder-audit history"),
    ("feedback file", "feedback.sqlite3", "caf\xe9, not a database\n",
     ["feedback-report", "--db", "{file}"], "{file}: not the service's feedback file: not an SQLite file"),
    ("workbook", "records.xlsx", "caf\xe9", ["check", "{file}"], "{file}: not a workbook that can be read"),
    ("record CSV", "records.csv", "record_type,id,rationale\ndnacpr_decision,D1,caf\xe9\n",
     ["check", "{file}", "--strict"], "{file}, row 2: not valid utf-8-sig text"),
]


@pytest.mark.parametrize(("case", "name", "text", "args", "words"), LATIN_1, ids=[c[0] for c in LATIN_1])
def test_every_file_the_command_line_reads_in_latin_1_is_one_located_error_and_exit_2(
        tmp_path, capsys, monkeypatch, case, name, text, args, words):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if name.startswith("rules/") and "concepts" in name:
        shutil.copytree(RULES / "concepts", path.parent, dirs_exist_ok=True)
    path.write_bytes(text.encode("latin-1"))
    # The rules folder is named in full: concepts are cached by the folder named.
    filled = [a.replace("{file}", name).replace("{folder}", str(tmp_path / "rules")) for a in args]
    assert main(filled) == 2
    err = capsys.readouterr().err
    assert err.startswith("leder-audit: ")
    assert words.replace("{file}", str(tmp_path / name) if name.startswith("rules/") else name) in err
    assert "Traceback" not in err and "unexpected error" not in err
