"""uvicorn's httptools HTTP protocol, writing each answer to its socket once.

uvicorn writes an answer's status line and headers when the app starts the response, and its body when the
app sends it: two writes, and on a TCP connection each write is a system call and a segment through the
network stack (both the sender's CPU, on loopback the receiver's side too). Here the writes an answer makes
in one turn of the event loop reach the socket together: the first is held until the next write, or the end
of the loop's turn, whichever comes first, so no byte waits longer than the code that runs after it.
"""

from __future__ import annotations

import asyncio
from typing import Any, Iterable, cast

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class CoalescedTransport(asyncio.Transport):
    """A transport that holds its first write until the second, or until the loop's turn ends."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self._transport, self._loop = transport, loop
        self._held: bytes | None = None
        self._flushing: asyncio.Handle | None = None

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._held is None:
            self._held = bytes(data)  # a copy: the caller may reuse its buffer
            self._flushing = self._loop.call_soon(self._flush)
            return
        held, self._held = self._held, None
        if self._flushing is not None:
            self._flushing.cancel()
            self._flushing = None
        self._transport.write(held + data)

    def _flush(self) -> None:
        self._flushing = None
        held, self._held = self._held, None
        if held is not None and not self._transport.is_closing():
            self._transport.write(held)

    def writelines(self, list_of_data: Iterable[bytes | bytearray | memoryview]) -> None:
        self.write(b"".join(list_of_data))

    def write_eof(self) -> None:
        self._flush()
        self._transport.write_eof()

    def can_write_eof(self) -> bool:
        return self._transport.can_write_eof()

    def close(self) -> None:
        if self._flushing is not None:
            self._flushing.cancel()
        self._flush()
        self._transport.close()

    def abort(self) -> None:
        if self._flushing is not None:
            self._flushing.cancel()
            self._flushing = None
        self._held = None
        self._transport.abort()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._transport.get_extra_info(name, default)

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._transport.set_protocol(protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._transport.get_protocol()

    def is_reading(self) -> bool:
        return self._transport.is_reading()

    def pause_reading(self) -> None:
        self._transport.pause_reading()

    def resume_reading(self) -> None:
        self._transport.resume_reading()

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self._transport.set_write_buffer_limits(high, low)

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + len(self._held or b"")

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return self._transport.get_write_buffer_limits()


class OneWriteProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol on a CoalescedTransport: an answer's head and body in one write."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(CoalescedTransport(cast(asyncio.Transport, transport), self.loop))
