"""Limits every call passes before any handler runs: rate per client (429), JSON only (415), body size (413)."""

from __future__ import annotations

import threading
import time
from typing import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .problems import FHIR_JSON, outcome_bytes


class TokenBuckets:
    """A token bucket per client: `per_second` on average, `burst` at once."""

    def __init__(self, per_second: float, burst: int, clock: Callable[[], float] = time.monotonic,
                 max_clients: int = 10_000) -> None:
        self.per_second, self.burst, self.clock, self.max_clients = per_second, burst, clock, max_clients
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, when)
        self._lock = threading.Lock()

    def allow(self, client: str) -> bool:
        now = self.clock()
        with self._lock:
            tokens, then = self._buckets.get(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - then) * self.per_second)
            if len(self._buckets) >= self.max_clients and client not in self._buckets:
                # Full buckets forget nothing a client could use: a full bucket is what a newcomer gets.
                self._buckets = {c: b for c, b in self._buckets.items()
                                 if b[0] + (now - b[1]) * self.per_second < self.burst}
            allowed = tokens >= 1.0
            self._buckets[client] = (tokens - 1.0 if allowed else tokens, now)
            return allowed


def is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


async def _refuse(send: Send, status: int, message: str, headers: tuple[tuple[bytes, bytes], ...] = ()) -> None:
    body = outcome_bytes(status, message)
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", FHIR_JSON.encode()), (b"content-length", str(len(body)).encode()),
                            *headers]})
    await send({"type": "http.response.body", "body": body})


class Limits:
    """ASGI middleware: the request is refused before the app sees it when it breaks a limit."""

    def __init__(self, app: ASGIApp, max_body_bytes: int, buckets: TokenBuckets,
                 takes_body: Callable[[str], bool] = lambda path: True) -> None:
        self.app, self.max_body_bytes, self.buckets, self.takes_body = app, max_body_bytes, buckets, takes_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("unknown", 0))[0]
        if scope["method"] != "OPTIONS" and not self.buckets.allow(client):
            await _refuse(send, 429, "too many requests from this client; try again shortly",
                          ((b"retry-after", b"1"),))
            return
        if scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        if self.takes_body(scope["path"]) and not is_json(headers.get(b"content-type", b"").decode("latin-1")):
            await _refuse(send, 415, "the request body must be JSON (Content-Type: application/json)")
            return
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await _refuse(send, 413, f"the request body is larger than {self.max_body_bytes} bytes")
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > self.max_body_bytes:
                await _refuse(send, 413, f"the request body is larger than {self.max_body_bytes} bytes")
                return
            if not message.get("more_body"):
                break
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if delivered:
                return await receive()
            delivered = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay, send)
