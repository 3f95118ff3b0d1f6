"""Steps shared by the tests of several server processes on one store (one
Redis in test_workers.py, a cluster in test_cluster.py)."""

from __future__ import annotations

import asyncio
from typing import Any

import socketio

from tests.support import Host, LiveServer, call, eventually, voter


async def presenter_sees_votes_cast_through_another(a: LiveServer, b: LiveServer) -> Host:
    """A presenter on `a`, four phones voting through `b`; returns the host,
    still open, its room with one open ballot."""
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
    return host


async def closing_happens_once(pair: list[LiveServer]) -> str:
    """A countdown and a host on each process race to close; returns the ballot."""
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
    assert await eventually(both_told, timeout=15), notices  # a loaded CI box
    await asyncio.sleep(0.5)
    assert [len(n) for n in notices] == [1, 1], "each phone is told once"
    assert results[0] == results[1] == notices[0][0]["result"] == notices[1][0]["result"]
    assert results[0]["record"]["counts"] == [2, 0, 0]
    for phone in phones:
        await phone.disconnect()
    for h in hosts:
        await h.aclose()
    return str(ballot["id"])
