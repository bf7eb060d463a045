"""The audit log: one JSON line per call, saying who called what and how it went, and nothing of the record."""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from datetime import datetime, timezone
from typing import IO, Any, Callable

from pydantic_core import to_json
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The only keys a handler may add to a call's line. Each holds a count, a code or an identifier of the
# service's own making: never patient data, free text, a token or a client's identifiers of people.
HANDLER_KEYS = frozenset({"service", "hook", "cards", "rules", "incomplete", "client", "records", "outcomes"})


# Lines written to a file reach it at most this long after the first of them: one write for many calls,
# not one a call. Standard error is written at once.
FLUSH_AFTER_SECONDS = 1.0


class AuditLog:
    """Appends one line per call to a file (or standard error).

    A file's lines are buffered and written out a second after the first of them: by a timer on the event
    loop the line was written from, or by the next line written after that second if the timer's loop has
    gone; at once when written from no event loop; and by flush() and close().
    """

    def __init__(self, path: str | None, clock: Callable[[], float] = time.monotonic,
                 wall_clock: Callable[[], float] = time.time) -> None:
        self._stream: IO[str] = open(path, "a", encoding="utf-8") if path else sys.stderr
        self._owned = path is not None
        self._lock = threading.Lock()
        self._clock = clock
        self._due: float | None = None  # when the buffered lines must be written out; None when none are
        self._wall_clock = wall_clock
        self._second, self._second_text = -1, ""  # the second a line was last written in, and its text

    def write(self, entry: dict[str, Any]) -> None:
        line = to_json(entry).decode() + "\n"  # compact JSON, written by pydantic-core
        with self._lock:
            self._stream.write(line)
            if not self._owned:
                return
            if self._due is not None:
                if self._clock() >= self._due:
                    self._flush()
                return
            self._due = self._clock() + FLUSH_AFTER_SECONDS
        try:
            asyncio.get_running_loop().call_later(FLUSH_AFTER_SECONDS, self.flush)
        except RuntimeError:  # no event loop to wait on
            self.flush()

    def flush(self) -> None:
        """Write out the lines buffered so far."""
        with self._lock:
            self._flush()

    def _flush(self) -> None:
        self._due = None
        if not self._stream.closed:
            self._stream.flush()

    def call(self, method: str, route: str, status: int, seconds: float, audit: dict[str, Any]) -> None:
        """The line of one call: when, what, how it went, how long it took, and what the handler added."""
        entry = {"time": self._time(), "method": method,
                 "route": route, "status": status, "ms": round(seconds * 1000, 3)}
        for key, value in audit.items():
            if key in HANDLER_KEYS:
                entry[key] = value
        self.write(entry)

    def _time(self) -> str:
        """Now in UTC to the millisecond, as `datetime.now(timezone.utc).isoformat(timespec="milliseconds")` writes
        it, the date and time of day written once a second."""
        now = self._wall_clock()
        second = int(now)
        microseconds = round((now - second) * 1e6)  # as datetime rounds a timestamp, before it is cut to the ms
        if microseconds >= 1_000_000:
            second, microseconds = second + 1, microseconds - 1_000_000
        if second != self._second:
            self._second_text = datetime.fromtimestamp(second, timezone.utc).isoformat()[:-6]
            self._second = second
        return f"{self._second_text}.{microseconds // 1000:03d}+00:00"

    def close(self) -> None:
        if self._owned:
            with self._lock:
                self._stream.close()


class AuditTrail:
    """ASGI middleware writing the line of each call once its response has started."""

    def __init__(self, app: ASGIApp, log: AuditLog, routes: Callable[[str], str],
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self.app, self.log, self.routes, self.clock = app, log, routes, clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = self.clock()
        status = [500]
        audit: dict[str, Any] = {}
        scope.setdefault("state", {})["audit"] = audit

        async def observe(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observe)
        finally:
            self.log.call(scope["method"], self.routes(scope["path"]), status[0], self.clock() - started, audit)
