"""A lean Socket.IO v5 / Engine.IO v4 client over a raw WebSocket (RFC 6455).

One `asyncio.Protocol` per connection and no task of its own: frames are
parsed in `data_received` and acks and pushes become plain callbacks, so one
driver process holds thousands of phones and still timestamps every message
within microseconds of its arrival. Only what the protocol needs on loopback:
text frames, pings in both layers, close; no extensions, no long-polling.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import random
import time
from typing import Any, Callable, cast

import orjson

WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
SIO_PATH = "/socket.io/?EIO=4&transport=websocket"

AckCallback = Callable[[Any, float], None]
EventCallback = Callable[["SioClient", str, str, float], None]


class ProtocolError(RuntimeError):
    pass


def frame(text: str) -> bytes:
    """One masked text frame; clients must mask (a fresh key per frame)."""
    payload = text.encode()
    n = len(payload)
    if n < 126:
        head = bytes((0x81, 0x80 | n))
    elif n < 65536:
        head = bytes((0x81, 0xFE)) + n.to_bytes(2, "big")
    else:
        head = bytes((0x81, 0xFF)) + n.to_bytes(8, "big")
    mask = random.getrandbits(32).to_bytes(4, "big")
    stream = (mask * (n // 4 + 1))[:n]
    masked = (int.from_bytes(payload, "big") ^ int.from_bytes(stream, "big")).to_bytes(n, "big")
    return head + mask + masked


def control(opcode: int, payload: bytes = b"") -> bytes:
    return bytes((0x80 | opcode, 0x80 | len(payload))) + b"\0\0\0\0" + payload


class SioClient(asyncio.Protocol):
    """One phone, screen or console: a WebSocket with Socket.IO namespaces on it."""

    def __init__(self, host: str, namespaces: tuple[str, ...],
                 on_event: EventCallback | None = None,
                 on_close: Callable[["SioClient"], None] | None = None) -> None:
        self.host = host
        self.namespaces = namespaces
        self.on_event = on_event
        self.on_close = on_close
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.fragments: list[bytes] = []
        self.upgraded = False
        self.key = base64.b64encode(os.urandom(16))
        self.acks: dict[int, AckCallback] = {}
        self.next_id = 0
        self.waiting = set(namespaces)
        self.ready: asyncio.Future[SioClient] = asyncio.get_running_loop().create_future()
        self.closed = False
        self.user: Any = None

    # transport ----------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but behave as one
        self.transport = cast(asyncio.Transport, transport)
        self.transport.write(
            f"GET {SIO_PATH} HTTP/1.1\r\nHost: {self.host}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {self.key.decode()}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode())

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if not self.ready.done():
            self.ready.set_exception(ProtocolError(f"connection lost: {exc}"))
        if self.on_close is not None:
            self.on_close(self)

    def close(self) -> None:
        if self.transport is not None and not self.closed:
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        now = time.monotonic()
        buf = self.buf
        buf += data
        if not self.upgraded and not self._handshake():
            return
        pos, n = 0, len(buf)
        while n - pos >= 2:
            b0, length = buf[pos], buf[pos + 1] & 0x7F
            head = 2
            if length == 126:
                if n - pos < 4:
                    break
                length, head = int.from_bytes(buf[pos + 2:pos + 4], "big"), 4
            elif length == 127:
                if n - pos < 10:
                    break
                length, head = int.from_bytes(buf[pos + 2:pos + 10], "big"), 10
            end = pos + head + length
            if end > n:
                break
            self._frame(b0, bytes(buf[pos + head:end]), now)
            pos = end
        if pos:
            del buf[:pos]

    def _handshake(self) -> bool:
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            return False
        head = bytes(self.buf[:end]).decode("latin-1")
        del self.buf[:end + 4]
        accept = base64.b64encode(hashlib.sha1(self.key + WS_GUID).digest()).decode()
        if not head.startswith("HTTP/1.1 101") or accept not in head:
            self._fail(ProtocolError(f"websocket upgrade refused: {head.splitlines()[0]!r}"))
            return False
        self.upgraded = True
        return True

    def _fail(self, error: Exception) -> None:
        if not self.ready.done():
            self.ready.set_exception(error)
        self.close()

    def _frame(self, b0: int, payload: bytes, now: float) -> None:
        opcode = b0 & 0x0F
        if opcode in (0, 1, 2):
            self.fragments.append(payload)
            if b0 & 0x80:
                text = b"".join(self.fragments).decode()
                self.fragments.clear()
                self._engine(text, now)
        elif opcode == 9:
            assert self.transport is not None
            self.transport.write(control(10, payload))
        elif opcode == 8:
            if self.transport is not None:
                self.transport.write(control(8, payload[:2]))
            self.close()

    # Engine.IO and Socket.IO ----------------------------------------------------

    def send(self, text: str) -> None:
        if self.transport is not None and not self.closed:
            self.transport.write(frame(text))

    def _engine(self, text: str, now: float) -> None:
        kind = text[:1]
        if kind == "4":
            self._socketio(text[1:], now)
        elif kind == "2":
            self.send("3")
        elif kind == "0":
            for ns in self.namespaces:
                self.send(f"40{ns},")
        elif kind == "1":
            self.close()

    def _socketio(self, packet: str, now: float) -> None:
        kind, rest = packet[:1], packet[1:]
        ns = "/"
        if rest.startswith("/"):
            ns, _, rest = rest.partition(",")
        if kind == "3":
            digits = 0
            while digits < len(rest) and rest[digits].isdigit():
                digits += 1
            callback = self.acks.pop(int(rest[:digits]), None)
            if callback is not None:
                callback(orjson.loads(rest[digits:])[0], now)
        elif kind == "2":
            if self.on_event is not None:
                self.on_event(self, ns, rest, now)
        elif kind == "0":
            self.waiting.discard(ns)
            if not self.waiting and not self.ready.done():
                self.ready.set_result(self)
        elif kind in ("4", "1"):
            self._fail(ProtocolError(f"namespace {ns} refused or closed: {rest[:200]}"))

    def emit_call(self, ns: str, event: str, data: Any, callback: AckCallback) -> None:
        """Emit `event` asking for an ack; `callback(ack, arrival)` gets the ack."""
        ack_id = self.next_id
        self.next_id += 1
        self.acks[ack_id] = callback
        body = orjson.dumps([event, data]).decode()
        self.send(f"42{ns},{ack_id}{body}" if ns != "/" else f"42{ack_id}{body}")

    def call(self, ns: str, event: str, data: Any) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

        def done(ack: Any, now: float) -> None:
            if not future.done():
                future.set_result(ack)
        self.emit_call(ns, event, data, done)
        return future


async def connect(host: str, port: int, namespaces: tuple[str, ...],
                  on_event: EventCallback | None = None,
                  on_close: Callable[[SioClient], None] | None = None,
                  timeout: float = 30.0) -> SioClient:
    """Open a WebSocket to Socket.IO at host:port and join `namespaces`."""
    loop = asyncio.get_running_loop()
    _, client = await asyncio.wait_for(loop.create_connection(
        lambda: SioClient(f"{host}:{port}", namespaces, on_event, on_close), host, port),
        timeout)
    try:
        return await asyncio.wait_for(client.ready, timeout)
    except BaseException:
        client.close()
        raise
