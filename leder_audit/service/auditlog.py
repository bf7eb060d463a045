"""The audit log: one JSON line per call, saying who called what and how it went, and nothing of the record."""

from __future__ import annotations

import json
import sys
import threading
import time
from datetime import datetime, timezone
from typing import IO, Any, Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The only keys a handler may add to a call's line. Each holds a count, a code or an identifier of the
# service's own making: never patient data, free text, a token or a client's identifiers of people.
HANDLER_KEYS = frozenset({"service", "hook", "cards", "rules", "incomplete", "client", "records", "outcomes"})


class AuditLog:
    """Appends one line per call to a file (or standard error)."""

    def __init__(self, path: str | None) -> None:
        self._stream: IO[str] = open(path, "a", encoding="utf-8", buffering=1) if path else sys.stderr
        self._owned = path is not None
        self._lock = threading.Lock()

    def write(self, entry: dict[str, Any]) -> None:
        line = json.dumps(entry, separators=(",", ":"), ensure_ascii=True)
        with self._lock:
            self._stream.write(line + "\n")

    def call(self, method: str, route: str, status: int, seconds: float, audit: dict[str, Any]) -> None:
        """The line of one call: when, what, how it went, how long it took, and what the handler added."""
        entry = {"time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"), "method": method,
                 "route": route, "status": status, "ms": round(seconds * 1000, 3)}
        entry.update((k, v) for k, v in audit.items() if k in HANDLER_KEYS)
        self.write(entry)

    def close(self) -> None:
        if self._owned:
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
