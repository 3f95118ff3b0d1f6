"""The lean WebSocket loops (live/transport.py) are the ones running on the
pinned python-engineio, and they read what a network delivers: a message
split into WebSocket fragments, several frames joined in one TCP segment, a
frame cut across segments, binary attachments in frames of their own. A
client may not fake its own disconnect, and a refused packet ends the
session at once, as with stock python-socketio."""

from __future__ import annotations

import asyncio
import base64
import os
import re
import struct
from typing import Any

import httpx
import orjson
import socketio

from live import transport
from live.acked import AckedNamespace
from live.transport import FastEvents
from tests.support import Host, LiveServer, call, eventually

TEXT, BINARY, CONT, CLOSE = 0x1, 0x2, 0x0, 0x8


def frame(opcode: int, payload: bytes, fin: bool = True) -> bytes:
    """One client frame (masked, as RFC 6455 requires of clients)."""
    mask = os.urandom(4)
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack("!H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", n)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


class RawSocket:
    """A WebSocket client that writes bytes exactly as a test lays them out."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> "RawSocket":
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write((f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
                      f"Host: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                      f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                      f"Sec-WebSocket-Version: 13\r\n\r\n").encode())
        status = await reader.readline()
        assert b" 101 " in status, status
        while (await reader.readline()) not in (b"\r\n", b""):
            pass
        return cls(reader, writer)

    async def send_raw(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def recv(self, timeout: float = 5.0) -> tuple[int, bytes]:
        async def one() -> tuple[int, bytes]:
            b0, b1 = await self.reader.readexactly(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", await self.reader.readexactly(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", await self.reader.readexactly(8))[0]
            return b0 & 0x0F, await self.reader.readexactly(n)
        return await asyncio.wait_for(one(), timeout)

    async def text(self) -> str:
        """The next text message, answering pings on the way."""
        while True:
            opcode, payload = await self.recv()
            if opcode == CLOSE:
                raise ConnectionError("closed by the server")
            if opcode == TEXT and payload == b"2":
                await self.send_raw(frame(TEXT, b"3"))
                continue
            return payload.decode()

    async def closed_by_server(self, timeout: float) -> bool:
        """True if the server ends the connection (close frame or EOF) in time."""
        try:
            while True:
                opcode, _ = await self.recv(timeout)
                if opcode == CLOSE:
                    return True
        except asyncio.IncompleteReadError:
            return True
        except asyncio.TimeoutError:
            return False

    async def join_voter(self) -> None:
        assert (await self.text()).startswith("0{")  # Engine.IO open
        await self.send_raw(frame(TEXT, b"40/voter,"))
        assert (await self.text()).startswith("40/voter,")

    def close(self) -> None:
        self.writer.close()


def ack_of(text: str, ack_id: int) -> Any:
    prefix = f"43/voter,{ack_id}"
    assert text.startswith(prefix), text
    return orjson.loads(text[len(prefix):])


async def test_the_lean_loops_run_on_the_pinned_python_engineio(live: LiveServer) -> None:
    health = httpx.get(f"{live.url}/healthz").json()["data"]
    metrics = httpx.get(f"{live.url}/metrics").text
    server = socketio.AsyncServer(async_mode="asgi")

    assert health["transport"] == "lean"
    assert re.search(r"^livevote_lean_transport\{[^}]*\} 1$", metrics, re.M), metrics
    assert transport.unsupported_reason(server) == ""


def test_a_version_outside_the_pin_falls_back_and_says_why(monkeypatch: Any) -> None:
    monkeypatch.setattr(transport, "_engineio_version", lambda: (4, 9))
    server = socketio.AsyncServer(async_mode="asgi")
    stock = server.eio._async["websocket"]

    assert transport.install(server) is False
    assert server.eio._async["websocket"] is stock
    assert transport.STATE == {"lean": False, "reason": "python-engineio 4.9 is outside 4.11-5.0"}


def test_the_event_parser_takes_only_acked_events_of_our_namespaces() -> None:
    server = socketio.AsyncServer(async_mode="asgi")
    ours = AckedNamespace("/voter")
    server.register_namespace(ours)
    server.register_namespace(socketio.AsyncNamespace("/other"))
    events = FastEvents(server)

    parsed = events.parse('2/voter,123["vote:cast",{"a":1},"x"]')
    assert parsed is not None and parsed[0] is ours
    assert parsed[1:] == ("/voter", "123", ["vote:cast", {"a": 1}, "x"])
    for text in ['2/voter,["no ack id"]', '2/other,1["not ours"]', "2/voter,1{}",
                 "2/voter,1abc[1]", '2/voter,1[1]', "2/voter,1[]", "2/voter", '1/voter,',
                 '2/voter,1["x"', "2[\"root namespace, not ours\"]"]:
        assert events.parse(text) is None, text
    assert FastEvents.ack("/voter", "7", ("a", 2)) == '3/voter,7["a",2]'
    assert FastEvents.ack("/voter", "7", None) == "3/voter,7[]"
    assert FastEvents.ack("/", "7", {"ok": True}) == '37[{"ok":true}]'


async def test_split_and_joined_frames_are_each_answered_in_order(live: LiveServer,
                                                                    host: Host) -> None:
    ws = await RawSocket.open(int(live.url.rsplit(":", 1)[1]))
    await ws.join_voter()
    join = f'42/voter,1["room:join",{{"code":"{host.room["code"]}"}}]'.encode()
    # One message in three WebSocket fragments, each in its own TCP write.
    await ws.send_raw(frame(TEXT, join[:10], fin=False))
    await ws.send_raw(frame(CONT, join[10:20], fin=False))
    await ws.send_raw(frame(CONT, join[20:]))
    joined = ack_of(await ws.text(), 1)
    # Three messages joined in one TCP write, the last frame cut across two.
    pings = b"".join(frame(TEXT, f'42/voter,{n}["ballot:list",{{}}]'.encode())
                     for n in (2, 3, 4))
    await ws.send_raw(pings[:-7])
    await ws.send_raw(pings[-7:])
    listed = [ack_of(await ws.text(), n) for n in (2, 3, 4)]
    # A binary attachment travels in a frame of its own after its header.
    await ws.send_raw(frame(TEXT, b'451-/voter,5["vote:cast",{"_placeholder":true,"num":0}]')
                      + frame(BINARY, b"\x00\x01"))
    binary = ack_of(await ws.text(), 5)

    assert joined[0]["ok"] is True, joined
    assert all(answer[0]["ok"] for answer in listed), listed
    assert binary[0]["ok"] is False and binary[0]["error"]["code"] == "bad_payload", binary
    ws.close()


async def test_a_client_cannot_fake_its_own_disconnect(live: LiveServer, host: Host) -> None:
    phones = []
    for transports in (["websocket"], ["polling"]):
        phone = socketio.AsyncClient(reconnection=False)
        await phone.connect(live.url, namespaces=["/voter"], transports=transports)
        assert (await call(phone, "room:join", {"code": host.room["code"]}))["ok"]
        phones.append(phone)

    faked = [await phone.call("disconnect", {}, namespace="/voter", timeout=5)
             for phone in phones]
    connects = [await phone.call("connect", {}, namespace="/voter", timeout=5)
                for phone in phones]
    still = [await call(phone, "ballot:list", {}) for phone in phones]

    assert [f["error"]["code"] for f in faked] == ["unknown_event"] * 2, faked
    assert [c["error"]["code"] for c in connects] == ["unknown_event"] * 2, connects
    assert all(s["ok"] for s in still), still
    async def two_phones() -> bool:
        return bool((await host.get("")).json()["data"]["phones"] == 2)
    assert await eventually(two_phones), "the faked disconnects moved the phones count"
    await phones[0].disconnect()
    # python-socketio's polling client waits out its pending long-poll on a clean
    # disconnect (up to the ping interval); dropping it is enough here.
    await phones[1].eio.disconnect(abort=True)


async def test_a_client_close_ends_the_session_at_once(live: LiveServer) -> None:
    port = int(live.url.rsplit(":", 1)[1])
    for bad in (b"1",):  # an Engine.IO close from the client
        ws = await RawSocket.open(port)
        await ws.join_voter()
        await ws.send_raw(frame(TEXT, bad))
        # Well inside the lean loops' 2 s sweep: the packet itself ends it.
        assert await ws.closed_by_server(timeout=1.0), bad
        ws.close()
