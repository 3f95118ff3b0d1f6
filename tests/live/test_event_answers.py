"""Every acked event is answered, also one the server cannot read (issue 12,
item 5): data that does not parse (truncated, `NaN`, a lone surrogate, an
integer beyond 64 bits, nesting deeper than 1,024) or that is no
`[event name, ...]` gets `bad_payload` on every transport, and the session goes
on; a message over the size limit gets `payload_too_large` before the
connection closes; garbage binary frames cost a log line now and then, not a
traceback each.

The clients write Socket.IO packets byte for byte: a raw WebSocket (the lean
loops), raw HTTP long-polling and python-engineio's client upgraded from
polling to WebSocket (python-socketio's own loops), so these tests also pin
what `live/packets.py` relies on in python-socketio: that every received
packet goes through `packet_class(encoded_packet=...)` in the handler of
Engine.IO's `message` event, and that its errors reach that handler's caller.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import engineio
import httpx
import orjson
import pytest

from tests.live.test_lean_transport import BINARY, TEXT, RawSocket, frame
from tests.support import Host, LiveServer

BIG = 64 * 1024  # max_http_buffer_size in live/app.py

# What follows the ack id of an event, each unusable; the event name is one the
# namespace does not know, so an answer other than `bad_payload` would show.
UNUSABLE = {
    "truncated JSON": '["no:such",{"code":',
    "NaN": '["no:such",NaN]',
    "a lone surrogate": '["no:such","\\ud800"]',
    "an integer over 64 bits": '["no:such",18446744073709551616]',
    "a negative integer over 64 bits": '["no:such",-9223372036854775809]',
    "nesting deeper than 1,024": '["no:such",' + "[" * 1100 + "]" * 1100 + "]",
    "an object, not an array": '{"a":1}',
    "a string, not an array": '"no:such"',
    "an empty array": "[]",
    "a number for the event name": "[5]",
    "no data at all": "",
}


class Session:
    """One Socket.IO session, spoken packet by packet (`send` and `next` take and
    give Socket.IO packets: no Engine.IO `4` in front)."""

    async def send(self, *packets: str) -> None:
        raise NotImplementedError

    async def next(self) -> str:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError

    async def ack(self, ack_id: int, ns: str = "/voter") -> Any:
        """The answer of event `ack_id` (the next packet must be it)."""
        text = await self.next()
        prefix = f"3{ns},{ack_id}["
        assert text.startswith(prefix), text
        answer = orjson.loads(text[len(prefix) - 1:])
        assert len(answer) == 1, text
        return answer[0]

    async def join(self, code: str) -> None:
        await self.send("0/voter,")
        assert (await self.next()).startswith("0/voter,{")
        await self.send(f'2/voter,1["room:join",{{"code":"{code}"}}]')
        joined = await self.ack(1)
        assert joined["ok"], joined


class WebSocketSession(Session):
    """A raw WebSocket, straight to the lean loops."""

    def __init__(self, ws: RawSocket) -> None:
        self.ws = ws

    @classmethod
    async def open(cls, url: str) -> "WebSocketSession":
        ws = await RawSocket.open(int(url.rsplit(":", 1)[1]))
        assert (await ws.text()).startswith("0{")
        return cls(ws)

    async def send(self, *packets: str) -> None:
        await self.ws.send_raw(b"".join(frame(TEXT, ("4" + p).encode()) for p in packets))

    async def next(self) -> str:
        text = await self.ws.text()
        assert text.startswith("4"), text
        return text[1:]

    async def close(self) -> None:
        self.ws.close()


class PollingSession(Session):
    """Raw HTTP long-polling: POSTs carry Engine.IO payloads, GETs bring answers."""

    def __init__(self, http: httpx.AsyncClient, sid: str) -> None:
        self.http, self.sid = http, sid
        self.received: list[str] = []

    @classmethod
    async def open(cls, url: str) -> "PollingSession":
        http = httpx.AsyncClient(base_url=url, timeout=10)
        opened = await http.get("/socket.io/", params={"EIO": "4", "transport": "polling"})
        assert opened.text.startswith("0{"), opened.text
        return cls(http, orjson.loads(opened.text[1:])["sid"])

    def params(self) -> dict[str, str]:
        return {"EIO": "4", "transport": "polling", "sid": self.sid}

    async def post(self, body: bytes) -> httpx.Response:
        return await self.http.post("/socket.io/", params=self.params(), content=body,
                                    headers={"content-type": "text/plain;charset=UTF-8"})

    async def send(self, *packets: str) -> None:
        sent = await self.post("\x1e".join("4" + p for p in packets).encode())
        assert sent.status_code == 200 and sent.text == "OK", sent.text

    async def next(self) -> str:
        while not self.received:
            got = await self.http.get("/socket.io/", params=self.params())
            assert got.status_code == 200, got.text
            for packet in got.text.split("\x1e"):
                if packet == "2":
                    await self.post(b"3")  # a ping
                elif packet != "6":  # a NOOP
                    assert packet.startswith("4"), packet
                    self.received.append(packet[1:])
        return self.received.pop(0)

    async def close(self) -> None:
        await self.post(b"1")
        await self.http.aclose()


class UpgradedSession(Session):
    """python-engineio's client, upgraded from long-polling to WebSocket: the
    server's stock (python-engineio) WebSocket loop."""

    def __init__(self, client: engineio.AsyncClient) -> None:
        self.client = client
        self.received: asyncio.Queue[str] = asyncio.Queue()
        self.closed = asyncio.Event()
        client.on("message", self.received.put_nowait)
        client.on("disconnect", lambda *_: self.closed.set())

    @classmethod
    async def open(cls, url: str) -> "UpgradedSession":
        session = cls(engineio.AsyncClient())
        await session.client.connect(url, transports=["polling", "websocket"],
                                     engineio_path="socket.io")
        assert session.client.transport() == "websocket"
        return session

    async def send(self, *packets: str) -> None:
        for packet in packets:
            await self.client.send(packet)

    async def next(self) -> str:
        return await asyncio.wait_for(self.received.get(), 5)

    async def close(self) -> None:
        await self.client.disconnect(abort=True)


SESSIONS: dict[str, Callable[[str], Awaitable[Session]]] = {
    "websocket": WebSocketSession.open, "polling": PollingSession.open,
    "upgraded": UpgradedSession.open}


@pytest.fixture(params=list(SESSIONS))
async def session(request: Any, live: LiveServer) -> AsyncIterator[Session]:
    opened = await SESSIONS[request.param](live.url)
    yield opened
    await opened.close()


async def test_every_unusable_event_is_answered_bad_payload(session: Session,
                                                            host: Host) -> None:
    await session.join(host.room["code"])
    answers = {}
    for n, (what, data) in enumerate(UNUSABLE.items(), 2):
        await session.send(f"2/voter,{n}{data}")
        answers[what] = await session.ack(n)
    await session.send('2/voter,90["ballot:list"]')
    after = await session.ack(90)

    for what, answer in answers.items():
        assert answer["ok"] is False and answer["error"]["code"] == "bad_payload", (what, answer)
        assert answer["error"]["message"].startswith("event: must be "), (what, answer)
    assert "JSON array" in answers["an object, not an array"]["error"]["message"]
    assert "64 bits" in answers["an integer over 64 bits"]["error"]["message"]
    assert after["ok"] is True, after


async def test_unusable_events_sent_together_are_answered_in_order(session: Session,
                                                                   host: Host) -> None:
    await session.join(host.room["code"])
    await session.send('2/voter,10["ballot:list"]', "2/voter,11{}", '2/voter,12["no:such"]',
                       '2/voter,13["ballot:list",NaN]', '2/voter,14["ballot:list"]')

    answers = [await session.ack(n) for n in range(10, 15)]

    assert [a["ok"] or a["error"]["code"] for a in answers] == [
        True, "bad_payload", "unknown_event", "bad_payload", True], answers


async def test_a_message_over_the_limit_is_answered_before_the_close(live: LiveServer,
                                                                     host: Host) -> None:
    big = '2/voter,5["room:join",{"code":"' + "1" * BIG + '"}]'
    for kind in ("websocket", "upgraded"):
        session = await SESSIONS[kind](live.url)
        await session.join(host.room["code"])
        await session.send(big)
        answer = await session.ack(5)
        assert answer["ok"] is False and answer["error"]["code"] == "payload_too_large", answer
        assert str(BIG) in answer["error"]["message"], answer
        if isinstance(session, WebSocketSession):
            assert await session.ws.closed_by_server(timeout=5)
        else:
            assert isinstance(session, UpgradedSession)
            await asyncio.wait_for(session.closed.wait(), 5)
        await session.close()


async def test_a_message_over_the_limit_without_an_ack_id_only_closes(live: LiveServer,
                                                                     host: Host) -> None:
    session = await WebSocketSession.open(live.url)
    await session.join(host.room["code"])
    await session.send('2/voter,["room:join",{"code":"' + "1" * BIG + '"}]')

    assert await session.ws.closed_by_server(timeout=5)
    await session.close()


async def test_a_long_polling_body_over_the_limit_is_refused_and_the_session_goes_on(
        live: LiveServer, host: Host) -> None:
    session = await PollingSession.open(live.url)
    await session.join(host.room["code"])
    big = ('42/voter,5["room:join",{"code":"' + "1" * BIG + '"}]').encode()

    refused = await session.post(big)
    await session.send('2/voter,6["ballot:list"]')
    after = await session.ack(6)

    assert refused.status_code == 413 and refused.json()["error"]["code"] == "body_too_large"
    assert after["ok"] is True, after
    await session.close()


async def test_garbage_binary_frames_cost_a_log_line_not_a_traceback_each(
        redis_url: str, tmp_path: Path) -> None:
    server = LiveServer(tmp_path / "data", redis_url=redis_url)
    log = tmp_path / f"server-{server.port}.log"
    try:
        before = log.read_bytes()
        ws = await WebSocketSession.open(server.url)
        await ws.send("0/voter,")
        assert (await ws.next()).startswith("0/voter,{")
        await ws.ws.send_raw(b"".join(frame(BINARY, bytes([n % 256])) for n in range(2000)))
        await ws.send('2/voter,1["ballot:list"]')
        on_websocket = await ws.ack(1)
        polling = await PollingSession.open(server.url)
        await polling.send("0/voter,")
        assert (await polling.next()).startswith("0/voter,{")
        # python-engineio takes at most 16 packets per POST.
        garbage = [await polling.post(b"\x1e".join([b"bAA=="] * 16)) for _ in range(125)]
        await polling.send('2/voter,1["ballot:list"]')
        on_polling = await polling.ack(1)
        await ws.close()
        await polling.close()
    finally:
        server.stop()
    written = log.read_bytes()[len(before):].decode(errors="replace")

    assert on_websocket["error"]["code"] == on_polling["error"]["code"] == "not_joined"
    assert {r.status_code for r in garbage} == {200}
    assert len(written.splitlines()) < 10, written[:3000]
    assert "ignored a Socket.IO packet" in written, written[:3000]
    assert "Traceback" not in written, written[:3000]
