"""The progress line: shown on a terminal for long runs only, never in pipes or files."""

from __future__ import annotations

import io

from leder_audit.progress import progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def ticking(step: float):
    now = [0.0]

    def clock() -> float:
        now[0] += step
        return now[0]
    return clock


def test_nothing_is_written_when_stderr_is_not_a_terminal():
    stream = io.StringIO()
    items = list(range(10_000))
    assert list(progress(items, stream, clock=ticking(1.0))) == items and stream.getvalue() == ""


def test_a_long_run_at_a_terminal_shows_records_read_and_rate_then_clears_the_line():
    stream = Terminal()
    assert sum(1 for _ in progress(range(1000), stream, clock=ticking(0.1))) == 1000
    text = stream.getvalue()
    assert "records read" in text and "/s)" in text and text.endswith("\r\x1b[K")


def test_a_short_run_at_a_terminal_shows_nothing():
    stream = Terminal()
    list(progress(range(100), stream, clock=ticking(0.0001)))
    assert stream.getvalue() == ""
