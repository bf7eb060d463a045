"""check --history FILE and trend --history FILE: a run history in SQLite, counts only, and its trend."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import threading
from pathlib import Path

import pytest

from leder_audit import load_rulebook
from leder_audit.engine import Auditor
from leder_audit.generate import write_ndjson
from leder_audit.history import ALL_AREAS, SCHEMA_VERSION, HistoryCounter, read_history, record_run
from leder_audit.intake import Incoming
from .cli_support import run, write

AS_OF = "2024-06-30"


def decision(record_id: str, rationale: str, **fields: object) -> dict[str, object]:
    return {"record_type": "dnacpr_decision", "id": record_id, "rationale": rationale, "decision_date": "2024-03-01",
            "discussed_with_person": True, "senior_responsible_clinician": "Dr A", "review_date": "2024-09-01",
            "person": {"nhs_number": "9434765919", "date_of_birth": "1961-04-02"}, **fields}


def review(record_id: str, area: str, dnacpr: dict[str, object]) -> dict[str, object]:
    return {"record_type": "mortality_review", "id": record_id, "area": {"ics": area},
            "notification_date": "2024-01-10", "date_of_death": "2024-01-02", "dnacpr": dnacpr,
            "narrative": "Mr Example Patientname was cared for at home by his sister"}


RECORDS = [
    decision("D1", "Down's syndrome, frail"),
    decision("D2", "End-stage COPD; CPR would not succeed"),
    decision("D3", "Metastatic cancer", person_has_capacity=False),  # capacity assessment not recorded
    review("R1", "QWE", decision("D4", "Severe learning disabilities")),
    review("R2", "QWE", decision("D5", "Frailty and heart failure")),
    review("R3", "QHM", decision("D6", "Learning disability")),
]


def check_into(capsys, tmp_path: Path, history: Path, records: list[dict[str, object]], as_of: str = AS_OF,
               *options: str) -> tuple[int, str, str]:
    inputs = write(tmp_path / f"records-{as_of}.ndjson", records)
    return run(capsys, "check", inputs, "--as-of", as_of, "--history", str(history), "--format", "json",
               "--output", str(tmp_path / f"report-{as_of}.json"), *options)


def counts_of(history: Path) -> dict[tuple[int, str, str, str], tuple[int, int, int]]:
    _, counts = read_history(history)
    return {(c.run_id, c.kind, c.name, c.area): (c.checked, c.failed, c.not_recorded) for c in counts}


def test_a_run_is_one_row_with_its_header_and_counts_per_rule_theme_and_area(capsys, tmp_path):
    history = tmp_path / "history.sqlite"
    code, _, err = check_into(capsys, tmp_path, history, RECORDS)
    assert code == 1 and "run 1 added to the history" in err
    runs, _ = read_history(history)
    assert len(runs) == 1
    first = runs[0]
    report = json.loads((tmp_path / f"report-{AS_OF}.json").read_text())
    assert (first.as_of, first.rulebook_hash, first.tool_version) == (AS_OF, report["run"]["rulebook_hash"],
                                                                       report["run"]["version"])
    assert first.run_time == report["run"]["run_time"]
    assert first.inputs == [{"name": f"records-{AS_OF}.ndjson", "sha256": report["run"]["inputs"][0]["sha256"]}]
    assert (first.records_checked, first.findings) == (6, report["summary"]["findings"])
    counts = counts_of(history)
    # LDA-DNACPR-001 applies to all six DNACPR forms, three standalone and three inside reviews.
    assert counts[(1, "rule", "LDA-DNACPR-001", ALL_AREAS)] == (6, 3, 0)
    assert counts[(1, "rule", "LDA-DNACPR-001", "QWE")] == (2, 1, 0)
    assert counts[(1, "rule", "LDA-DNACPR-001", "QHM")] == (1, 1, 0)
    assert counts[(1, "rule", "LDA-DNACPR-001", "unknown")] == (3, 1, 0)
    assert counts[(1, "theme", "ld-dnacpr-rationale", ALL_AREAS)] == (6, 3, 0)
    with sqlite3.connect(history) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_not_recorded_findings_are_kept_apart_from_recorded_failures(capsys, tmp_path):
    history = tmp_path / "h.sqlite"
    check_into(capsys, tmp_path, history, RECORDS)
    checked, failed, gaps = counts_of(history)[(1, "rule", "LDA-DNACPR-002", ALL_AREAS)]
    assert (failed, gaps) == (0, 1) and checked == 6
    assert all(name != "not-recorded" for (_, _, name, _) in counts_of(history))


def test_every_run_adds_a_row_and_the_history_keeps_no_record_data(capsys, tmp_path):
    history = tmp_path / "h.sqlite"
    check_into(capsys, tmp_path, history, RECORDS, "2024-06-30")
    check_into(capsys, tmp_path, history, RECORDS[:2], "2024-09-30")
    runs, _ = read_history(history)
    assert [r.as_of for r in runs] == ["2024-06-30", "2024-09-30"] and [r.records_checked for r in runs] == [6, 2]
    with sqlite3.connect(history) as connection:
        dump = "\n".join(connection.iterdump())
    for private in ("D1", "R1", "9434765919", "1961-04-02", "Patientname", "sister", "Down", "COPD", str(tmp_path)):
        assert private not in dump


def test_counts_over_areas_add_up_and_rule_counts_match_the_run(tmp_path):
    book = load_rulebook()
    buffer = io.StringIO()
    write_ndjson(buffer, 400, seed=3, problem_rate=0.3)
    auditor, counter = Auditor(book), HistoryCounter(book)
    items = [Incoming(json.loads(line), "g", f"line {n}") for n, line in enumerate(buffer.getvalue().splitlines(), 1)]
    for _ in auditor.run(items, observe=counter.observe):
        pass
    counts = counter.counts()
    totals: dict[tuple[str, str], list[int]] = {}
    for (kind, name, area), cell in counts.items():
        if area != ALL_AREAS:
            total = totals.setdefault((kind, name), [0, 0, 0])
            for n, value in enumerate(cell):
                total[n] += value
    assert totals and all(tuple(total) == counts[(kind, name, ALL_AREAS)] for (kind, name), total in totals.items())
    for rule_id, stats in auditor.tally.rule_stats.items():
        checked, failed, gaps = counts[("rule", rule_id, ALL_AREAS)]
        assert checked == stats.applied
        assert gaps <= stats.not_recorded and failed <= stats.fired - stats.not_recorded


def test_runs_writing_to_one_history_at_once_all_land(tmp_path):
    history = tmp_path / "h.sqlite"
    header = {"run_time": "2024-01-01T00:00:00+00:00", "as_of": "2024-01-01", "version": "0", "rulebook_hash": "h",
              "rule_count": 1, "inputs": []}
    from leder_audit.findings import Tally

    errors: list[BaseException] = []

    def write_runs() -> None:
        try:
            for _ in range(5):
                record_run(history, header, Tally(), {("rule", "R", ALL_AREAS): (3, 1, 0)})
        except BaseException as error:  # pragma: no cover - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=write_runs) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    runs, counts = read_history(history)
    assert not errors
    assert len(runs) == 30 and len({r.id for r in runs}) == 30 and len(counts) == 30


@pytest.mark.parametrize("prepare, words", [
    (lambda p: p.write_text("not a database at all, just text" * 20), "not an SQLite file"),
    (lambda p: sqlite3.connect(p).execute("CREATE TABLE other (x)").connection.commit(), "other tables"),
    (lambda p: sqlite3.connect(p).execute("PRAGMA user_version = 99").connection.commit(), "newer leder-audit"),
])
def test_a_file_that_is_not_a_history_is_refused_before_any_record(capsys, tmp_path, prepare, words):
    history = tmp_path / "h.sqlite"
    prepare(history)
    code, out, err = check_into(capsys, tmp_path, history, RECORDS)
    assert code == 2 and out == "" and err.count("\n") == 1 and words in err and str(history) in err
    assert not (tmp_path / f"report-{AS_OF}.json").exists()


def test_a_history_in_a_missing_folder_is_exit_2(capsys, tmp_path):
    code, _, err = check_into(capsys, tmp_path, tmp_path / "absent" / "h.sqlite", RECORDS)
    assert code == 2 and "folder that does not exist" in err


def test_with_jobs_the_history_is_counted_in_one_process_and_the_same(capsys, tmp_path):
    one, two = tmp_path / "one.sqlite", tmp_path / "two.sqlite"
    check_into(capsys, tmp_path, one, RECORDS)
    _, _, err = check_into(capsys, tmp_path, two, RECORDS, AS_OF, "--jobs", "2")
    assert "--jobs is not used" in err
    assert {k[1:]: v for k, v in counts_of(one).items()} == {k[1:]: v for k, v in counts_of(two).items()}


def test_a_baseline_run_records_everything_it_found_not_only_what_is_new(capsys, tmp_path):
    first, second = tmp_path / "first.sqlite", tmp_path / "second.sqlite"
    check_into(capsys, tmp_path, first, RECORDS)
    check_into(capsys, tmp_path, second, RECORDS, AS_OF, "--baseline", str(tmp_path / f"report-{AS_OF}.json"))
    assert {k[1:]: v for k, v in counts_of(first).items()} == {k[1:]: v for k, v in counts_of(second).items()}


LATER = [decision("D1", "Frailty; CPR would not succeed"), RECORDS[1], RECORDS[2],
         review("R1", "QWE", decision("D4", "Heart failure")), RECORDS[4], RECORDS[5]]


@pytest.fixture
def two_runs(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Path:
    history = tmp_path / "h.sqlite"
    check_into(capsys, tmp_path, history, RECORDS, "2024-03-31")
    check_into(capsys, tmp_path, history, LATER, "2024-09-30")
    return history


def test_trend_history_shows_each_theme_run_by_run_and_the_change(capsys, two_runs):
    code, out, _ = run(capsys, "trend", "--history", str(two_runs))
    assert code == 0
    lines = [line for line in out.splitlines() if line.startswith("ld-dnacpr-rationale ")]
    assert "2024-03-31 3 of 6 (50%)" in lines[0] and "2024-09-30 1 of 6 (17%)" in lines[1]
    assert "vs 2024-03-31 3 of 6 (50%): better" in lines[2]
    assert "2 runs, as of 2024-03-31 to 2024-09-30" in out


def test_trend_history_per_rule_and_per_area(capsys, two_runs):
    _, out, _ = run(capsys, "trend", "--history", str(two_runs), "--per", "rule")
    assert any(line.startswith("LDA-DNACPR-001 ") for line in out.splitlines())
    assert not any(line.startswith("ld-dnacpr-rationale ") for line in out.splitlines())
    _, out, _ = run(capsys, "trend", "--history", str(two_runs), "--per", "area", "--format", "json")
    rows = json.loads(out)["rows"]
    qwe = [r for r in rows if (r["name"], r["area"]) == ("ld-dnacpr-rationale", "QWE")]
    assert [(r["failed"], r["checked"], r["small_number"]) for r in qwe] == [(1, 2, True), (0, 2, True)]
    assert {r["area"] for r in rows} == {"QWE", "QHM", "unknown"}


def test_trend_history_as_json_and_csv_keeps_not_recorded_beside_the_rate(capsys, two_runs):
    _, out, _ = run(capsys, "trend", "--history", str(two_runs), "--format", "json")
    document = json.loads(out)
    mca = [r for r in document["rows"] if r["name"] == "mca"]
    assert [r["not_recorded"] for r in mca] == [1, 1] and all(r["failed"] == 0 for r in mca)
    assert [r["run"] for r in document["runs"]] == [1, 2]
    change = next(c for c in document["changes"] if c["name"] == "ld-dnacpr-rationale")
    assert change["direction"] == "better" and change["first_run"] == 1 and change["latest_run"] == 2
    _, out, _ = run(capsys, "trend", "--history", str(two_runs), "--format", "csv")
    table = list(csv.DictReader(io.StringIO(out)))
    assert {"name", "area", "run", "as_of", "failed", "checked", "rate", "not_recorded"} <= set(table[0])


@pytest.mark.parametrize("args, words", [
    (["trend"], "give record files to check, or --history FILE"),
    (["trend", "x.ndjson", "--history", "h.sqlite"], "not both"),
    (["trend", "x.ndjson", "--per", "rule"], "--per is for --history"),
])
def test_trend_needs_records_or_a_history(capsys, tmp_path, args, words):
    code, _, err = run(capsys, *args)
    assert code == 2 and words in err


def test_trend_of_a_missing_history_is_exit_2_and_makes_no_file(capsys, tmp_path):
    code, _, err = run(capsys, "trend", "--history", str(tmp_path / "none.sqlite"))
    assert code == 2 and "no such file" in err and not (tmp_path / "none.sqlite").exists()


def test_trend_by_another_field_is_headed_by_that_field(capsys, tmp_path):
    records = [dict(review(f"R{n}", "QWE", decision(f"D{n}", "Frailty")), person={"sex": sex})
               for n, sex in enumerate(["male", "female", "male"])]
    code, out, _ = run(capsys, "trend", write(tmp_path / "r.ndjson", records), "--by", "person.sex",
                       "--as-of", AS_OF)
    assert code == 0
    heading = out.splitlines()[0].split()
    assert heading[:3] == ["theme", "person.sex", "quarter"]
