"""A progress line on standard error for long runs at a terminal; nothing at all otherwise."""

from __future__ import annotations

import time
from typing import IO, Any, Iterable, Iterator, TypeVar

T = TypeVar("T")

# A run that ends sooner than this never shows a progress line.
SHOW_AFTER_SECONDS = 1.0
REFRESH_SECONDS = 0.25


def progress(items: Iterable[T], stream: IO[str], clock: Any = time.monotonic, force: bool = False) -> Iterable[T]:
    """The items unchanged; while they pass, a line on `stream` with how many have been read and how fast.

    Shown only when `stream` is a terminal (or `force`), so pipes, files and CI logs stay clean.
    """
    is_terminal = getattr(stream, "isatty", lambda: False)
    if not (force or is_terminal()):
        return items
    return _counting(items, stream, clock)


def _counting(items: Iterable[T], stream: IO[str], clock: Any) -> Iterator[T]:
    started = clock()
    next_draw = started + SHOW_AFTER_SECONDS
    count = 0
    drawn = False
    try:
        for item in items:
            count += 1
            if count % 64 == 0 or drawn:
                now = clock()
                if now >= next_draw:
                    rate = count / max(now - started, 1e-9)
                    stream.write(f"\r{count:,} records read ({rate:,.0f}/s)\x1b[K")
                    stream.flush()
                    drawn = True
                    next_draw = now + REFRESH_SECONDS
            yield item
    finally:
        if drawn:
            stream.write("\r\x1b[K")
            stream.flush()
