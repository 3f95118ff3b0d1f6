"""Two server processes sharing one Redis behave as one service."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Iterator

import pytest
import socketio

from tests.support import Host, LiveServer, call, eventually, voter


@pytest.fixture
def pair(redis_url: str, redis_client: Any, tmp_path: Path) -> Iterator[list[LiveServer]]:
    env = {"LIVE_CROSS_WORKER": "1"}
    servers = [LiveServer(tmp_path / f"w{i}", redis_url=redis_url, env=env) for i in (1, 2)]
    yield servers
    for s in servers:
        s.stop()


async def test_presenter_on_one_worker_sees_votes_cast_through_another(
        pair: list[LiveServer]) -> None:
    a, b = pair
    host = Host(a.url)
    await host.create_room()
    ballot = await host.ballot()
    await host.open(ballot["id"])
    presenter = socketio.AsyncClient(reconnection=False)
    pushed: list[dict[str, Any]] = []
    presenter.on("tally", pushed.append, namespace="/screen")
    await presenter.connect(a.url, namespaces=["/screen"], transports=["websocket"])
    await call(presenter, "screen:watch", {"room": host.room["id"], "key": host.key}, "/screen")

    phones = [await voter(b.url, code=host.room["code"]) for _ in range(4)]
    for i, (phone, _) in enumerate(phones):
        assert (await call(phone, "vote:cast", {"ballot": ballot["id"], "choices": [i % 2],
                                                "client_key": "k"}))["ok"]

    async def seen() -> bool:
        return any(t["counts"] == [2, 2, 0] for t in pushed)
    assert await eventually(seen), pushed[-1:]
    for phone, _ in phones:
        await phone.disconnect()
    await presenter.disconnect()
    await host.aclose()


async def test_closing_happens_once_across_workers(pair: list[LiveServer]) -> None:
    a, b = pair
    hosts = [Host(a.url), Host(b.url)]
    await hosts[0].create_room()
    hosts[1].room, hosts[1].key = hosts[0].room, hosts[0].key
    hosts[1].http.headers["authorization"] = f"Bearer {hosts[0].key}"
    ballot = await hosts[0].ballot()
    await hosts[0].open(ballot["id"], countdown=1)
    notices: list[list[Any]] = [[], []]
    phones = []
    for server, seen in zip(pair, notices):
        phone, _ = await voter(server.url, code=hosts[0].room["code"])
        phone.on("ballot:closed", seen.append, namespace="/voter")
        await call(phone, "vote:cast", {"ballot": ballot["id"], "choices": [0], "client_key": "k"})
        phones.append(phone)

    await asyncio.sleep(0.9)
    results = await asyncio.gather(*[h.close(ballot["id"]) for h in hosts])

    async def both_told() -> bool:
        return all(notices)
    assert await eventually(both_told), notices
    await asyncio.sleep(0.5)
    assert [len(n) for n in notices] == [1, 1], "each phone is told once"
    assert results[0] == results[1] == notices[0][0]["result"] == notices[1][0]["result"]
    assert results[0]["record"]["counts"] == [2, 0, 0]
    for phone in phones:
        await phone.disconnect()
    for h in hosts:
        await h.aclose()
