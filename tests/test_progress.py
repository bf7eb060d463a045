"""The progress bar: shown on a terminal for long runs only, never in pipes or files or with --quiet;
a share of the input's bytes and the time left when the input's size is known."""

from __future__ import annotations

import io
import json

import pytest

from leder_audit.findings import Rejection
from leder_audit.intake import Incoming
from leder_audit.progress import ByteMeter, progress
from leder_audit.readers import read


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


# Drawn from the first record, as a long run is once its first second has passed.
AT_ONCE = {"delay": 0.0, "refresh": 0.0}


def ndjson(tmp_path, count: int = 2000):
    path = tmp_path / "records.ndjson"
    path.write_text("".join(json.dumps({"record_type": "dnacpr_decision", "id": f"D{n}"}) + "\n" for n in range(count)))
    return path


def test_nothing_is_written_when_stderr_is_not_a_terminal(tmp_path):
    stream = io.StringIO()
    items = list(read(ndjson(tmp_path)))
    assert list(progress(items, stream, [tmp_path / "records.ndjson"], **AT_ONCE)) == items
    assert stream.getvalue() == ""


def test_quiet_shows_nothing_even_at_a_terminal(tmp_path):
    stream = Terminal()
    path = ndjson(tmp_path)
    assert sum(1 for _ in progress(read(path), stream, [path], quiet=True, **AT_ONCE)) == 2000
    assert stream.getvalue() == ""


def test_a_long_run_of_files_shows_the_share_read_and_the_time_left_then_clears_the_line(tmp_path):
    stream = Terminal()
    path = ndjson(tmp_path)
    assert sum(1 for _ in progress(read(path), stream, [path], **AT_ONCE)) == 2000
    text = stream.getvalue()
    assert "%|" in text and " left, " in text and "records]" in text
    assert text.rstrip(" ").endswith("\r")  # the bar is wiped: what follows starts on a clean line


def test_without_a_known_size_it_counts_records_and_their_rate(tmp_path):
    stream = Terminal()
    items = iter(list(read(ndjson(tmp_path))))
    assert sum(1 for _ in progress(items, stream, [], **AT_ONCE)) == 2000
    text = stream.getvalue()
    assert "records read" in text and "records/s" in text and "%" not in text


def test_a_short_run_at_a_terminal_shows_nothing(tmp_path):
    stream = Terminal()
    path = ndjson(tmp_path, 100)
    list(progress(read(path), stream, [path], delay=3600.0))
    assert stream.getvalue() == ""


def test_ndjson_lines_are_measured_exactly(tmp_path):
    path = ndjson(tmp_path, 50)
    meter = ByteMeter.of([path])
    assert meter is not None
    reached = [meter.read(item) for item in read(path)]
    assert reached[-1] == path.stat().st_size and reached == sorted(reached)


@pytest.mark.parametrize("suffix, body", [
    (".csv", "record_type,id,rationale\n" + "".join(f"dnacpr_decision,D{n},end-stage COPD\n" for n in range(400))),
    (".json", json.dumps([{"record_type": "dnacpr_decision", "id": f"D{n}", "rationale": "frail"}
                          for n in range(400)])),
])
def test_rows_and_records_are_measured_from_a_sample_never_past_the_file(tmp_path, suffix, body):
    path = tmp_path / f"records{suffix}"
    path.write_text(body)
    meter = ByteMeter.of([path])
    assert meter is not None
    reached = [meter.read(item) for item in read(path)]
    size = path.stat().st_size
    assert reached == sorted(reached) and reached[-1] <= size
    assert 0.4 * size < reached[len(reached) // 2] < 0.6 * size  # halfway through the records, about half the bytes


def test_several_files_add_up_and_a_finished_file_counts_whole(tmp_path):
    first, second = tmp_path / "a.ndjson", tmp_path / "b.ndjson"
    first.write_text('{"record_type": "dnacpr_decision", "id": "A"}\n\n\n')
    second.write_text('{"record_type": "dnacpr_decision", "id": "B"}\n')
    meter = ByteMeter.of([first, second])
    assert meter is not None and meter.total == first.stat().st_size + second.stat().st_size
    items = list(read(first)) + list(read(second))
    assert [meter.read(item) for item in items][-1] == meter.total


def test_a_rejection_without_data_does_not_move_the_bar_back(tmp_path):
    path = ndjson(tmp_path, 10)
    meter = ByteMeter.of([path])
    assert meter is not None
    before = [meter.read(item) for item in read(path)][-1]
    assert meter.read(Rejection(source=str(path), location="line 11", message="bad")) == before


def test_an_input_that_is_not_a_file_has_no_known_size(tmp_path):
    assert ByteMeter.of([tmp_path]) is None and ByteMeter.of([]) is None


def test_check_quiet_writes_no_totals_line(capsys, tmp_path):
    from leder_audit.cli import main

    path = ndjson(tmp_path, 3)
    main(["check", str(path), "--format", "json", "--output", str(tmp_path / "r.json"), "--quiet"])
    assert capsys.readouterr().err == ""
    main(["check", str(path), "--format", "json", "--output", str(tmp_path / "r.json")])
    assert "3 records read" in capsys.readouterr().err


def test_incoming_records_pass_unchanged():
    items = [Incoming(b"{}", "x", "line 1")] * 3
    assert list(progress(items, io.StringIO(), ["x"])) == items


def test_a_real_terminal_that_reports_no_size_still_gets_a_bar(tmp_path, monkeypatch):
    """A pseudo-terminal of 0 by 0 (as some CI runners and `script` give) as standard error, which is where
    the size is asked, must not hide the bar."""
    import os
    import sys

    master, slave = os.openpty()
    path = ndjson(tmp_path, 200)
    with os.fdopen(slave, "w", encoding="utf-8") as stream:
        assert stream.isatty() and os.get_terminal_size(stream.fileno()) == (0, 0)
        monkeypatch.setattr(sys, "stderr", stream)
        list(progress(read(path), sys.stderr, [path], **AT_ONCE))
        monkeypatch.undo()
    os.set_blocking(master, False)
    shown = b""
    try:
        while chunk := os.read(master, 65536):
            shown += chunk
    except (BlockingIOError, OSError):
        pass
    finally:
        os.close(master)
    assert b"% |" in shown.replace(b"%|", b"% |") and b" left, " in shown
