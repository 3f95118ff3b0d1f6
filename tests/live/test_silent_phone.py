"""A phone that vanishes without closing its connection (out of coverage, battery
dead, airplane mode) stops answering Engine.IO pings: the server must stop
counting it as present and release its connection, or a long meeting would
hold thousands of dead connections."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.support import Host, LiveServer


@pytest.fixture
def quick_pings(redis_url: str, tmp_path: Path) -> "LiveServer":
    server = LiveServer(tmp_path / "data", redis_url=redis_url, env={"LIVE_PING_S": "1"})
    yield server  # type: ignore[misc]
    server.stop()


async def phones_present(host: Host) -> int:
    r = await host.get("")
    assert r.status_code == 200, r.text
    return int(r.json()["data"]["phones"])


async def test_a_phone_that_stops_answering_pings_is_dropped(quick_pings: LiveServer) -> None:
    host = Host(quick_pings.url)
    await host.create_room()
    url = quick_pings.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket"
    async with connect(url) as ws:
        assert str(await ws.recv()).startswith("0")  # Engine.IO open
        await ws.send("40/voter,")
        assert str(await ws.recv()).startswith("40/voter,")
        await ws.send('42/voter,1["room:join",' + json.dumps({"code": host.room["code"]}) + "]")
        while not str(reply := await ws.recv()).startswith("43/voter,1"):
            pass
        assert json.loads(str(reply)[len("43/voter,1"):])[0]["ok"]
        counted = time.monotonic()
        while await phones_present(host) != 1 and time.monotonic() - counted < 5:
            await asyncio.sleep(0.1)
        assert await phones_present(host) == 1

        # From here on the phone is silent: it reads, but never answers a ping.
        started = time.monotonic()
        with pytest.raises(ConnectionClosed):
            while time.monotonic() - started < 30:
                await asyncio.wait_for(ws.recv(), 30)
        assert time.monotonic() - started < 25, "the server held a silent phone too long"

    deadline = time.monotonic() + 5
    while await phones_present(host) != 0 and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert await phones_present(host) == 0
    await host.http.aclose()
