"""Limits every call passes before any handler runs: rate per client (429), JSON only (415), body size (413)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
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
            known = self._buckets.get(client)
            if known is None:
                tokens = float(self.burst)
            else:
                tokens = min(float(self.burst), known[0] + (now - known[1]) * self.per_second)
            if known is None and len(self._buckets) >= self.max_clients:
                # Full buckets forget nothing a client could use: a full bucket is what a newcomer gets.
                self._buckets = {c: b for c, b in self._buckets.items()
                                 if b[0] + (now - b[1]) * self.per_second < self.burst}
            allowed = tokens >= 1.0
            self._buckets[client] = (tokens - 1.0 if allowed else tokens, now)
            return allowed


def is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


@dataclass(frozen=True, slots=True)
class Refusal:
    """A call refused before any handler runs: the status, what to tell the caller, extra headers."""

    status: int
    message: str
    headers: tuple[tuple[bytes, bytes], ...] = ()


TOO_MANY = Refusal(429, "too many requests from this client; try again shortly", ((b"retry-after", b"1"),))
NOT_JSON = Refusal(415, "the request body must be JSON (Content-Type: application/json)")


def request_headers(scope: Scope) -> dict[bytes, bytes]:
    """A call's headers by (lower-case) name, the first of each name winning, as Starlette reads them."""
    return dict(reversed(scope["headers"]))


def client_of(scope: Scope) -> str:
    """The address a call came from, which the rate limit counts by."""
    return str((scope.get("client") or ("unknown", 0))[0])


def body_refusal(headers: dict[bytes, bytes], max_body_bytes: int, takes_body: bool) -> Refusal | None:
    """What is wrong with a POST before its body is read: not JSON (415) or declared too big (413)."""
    if takes_body:
        content_type = headers.get(b"content-type", b"")
        if content_type != b"application/json" and not is_json(content_type.decode("latin-1")):
            return NOT_JSON
    declared = headers.get(b"content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_body_bytes:
        return too_big(max_body_bytes)
    return None


def too_big(max_body_bytes: int) -> Refusal:
    return Refusal(413, f"the request body is larger than {max_body_bytes} bytes")


async def read_body(receive: Receive, max_body_bytes: int) -> bytes | Refusal | None:
    """The whole body, a 413 once it grows past the limit, or None when the caller went away first."""
    message = await receive()
    if message["type"] == "http.disconnect":
        return None
    body = message.get("body", b"")
    if not message.get("more_body"):
        return body if len(body) <= max_body_bytes else too_big(max_body_bytes)
    parts = bytearray(body)
    while True:
        if len(parts) > max_body_bytes:
            return too_big(max_body_bytes)
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        parts += message.get("body", b"")
        if not message.get("more_body"):
            return bytes(parts) if len(parts) <= max_body_bytes else too_big(max_body_bytes)


async def refuse(send: Send, refusal: Refusal, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    body = outcome_bytes(refusal.status, refusal.message)
    await send({"type": "http.response.start", "status": refusal.status,
                "headers": [(b"content-type", FHIR_JSON.encode()), (b"content-length", str(len(body)).encode()),
                            *refusal.headers, *(extra or ())]})
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
        if scope["method"] != "OPTIONS" and not self.buckets.allow(client_of(scope)):
            await refuse(send, TOO_MANY)
            return
        if scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        refusal = body_refusal(request_headers(scope), self.max_body_bytes, self.takes_body(scope["path"]))
        if refusal is not None:
            await refuse(send, refusal)
            return
        body = await read_body(receive, self.max_body_bytes)
        if body is None:
            return
        if isinstance(body, Refusal):
            await refuse(send, body)
            return
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if delivered:
                return await receive()
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)
