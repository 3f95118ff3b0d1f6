"""Phones on every transport a browser may end up with are answered and counted:
WebSocket from the start (the server's lean path), long-polling only (a proxy
that blocks WebSockets), and polling upgraded to WebSocket (python-socketio's
own path). One phone's events sent back to back get their own answers."""

from __future__ import annotations

import asyncio
from typing import Any

import socketio

from tests.support import PASSES, Host, LiveServer, call


async def phone(url: str, code: str, transports: list[str]) -> socketio.AsyncClient:
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(url, namespaces=["/voter"], transports=transports)
    ack = await call(client, "room:join", {"code": code})
    assert ack["ok"], ack
    return client


async def test_phones_on_every_transport_vote_and_hear_the_result(live: LiveServer,
                                                                   host: Host) -> None:
    ballot = await host.ballot(question="Transport?", options=["A", "B"])
    await host.open(ballot["id"])
    kinds = {"websocket": ["websocket"], "polling": ["polling"],
             "upgraded": ["polling", "websocket"]}
    phones = {name: await phone(live.url, host.room["code"], t) for name, t in kinds.items()}
    closed: dict[str, list[Any]] = {name: [] for name in phones}
    for name, client in phones.items():
        client.on("ballot:closed", closed[name].append, namespace="/voter")
    assert phones["upgraded"].transport() == "websocket"
    assert phones["polling"].transport() == "polling"

    acks = {name: await call(client, "vote:cast", {"ballot": ballot["id"], "choices": [i % 2],
                                                   "client_key": f"k-{name}"})
            for i, (name, client) in enumerate(phones.items())}

    assert all(a["ok"] and a["data"]["status"] == "new" for a in acks.values()), acks
    assert len({a["data"]["receipt"] for a in acks.values()}) == 3
    result = await host.close(ballot["id"])
    assert result["record"]["counts"] == [2, 1]
    for _ in range(100):
        if all(closed.values()):
            break
        await asyncio.sleep(0.05)
    assert {name: got[0]["result"]["sha256"] for name, got in closed.items()} == \
        {name: result["sha256"] for name in phones}
    for client in phones.values():
        await client.disconnect()


async def test_events_sent_back_to_back_each_get_their_own_answer(live: LiveServer,
                                                                    host: Host) -> None:
    ballots = [await host.ballot(question=f"Q{i}?", options=["A", "B"]) for i in range(4)]
    for ballot in ballots:
        await host.open(ballot["id"])
    client = await phone(live.url, host.room["code"], ["websocket"])
    calls = [client.call("vote:cast", {"ballot": b["id"], "choices": [i % 2],
                                       "client_key": f"k{i}", "pass": PASSES[client]},
                         namespace="/voter", timeout=10) for i, b in enumerate(ballots)]
    calls.append(client.call("no:such", {}, namespace="/voter", timeout=10))
    calls.append(client.call("vote:cast", "not an object", namespace="/voter", timeout=10))

    *acks, unknown, bad = await asyncio.gather(*calls)

    assert [a["data"]["ballot"] for a in acks] == [b["id"] for b in ballots]
    assert [a["data"]["choices"] for a in acks] == [[0], [1], [0], [1]]
    assert unknown["error"]["code"] == "unknown_event"
    assert bad["ok"] is False and bad["error"]["code"] == "bad_payload", bad
    for i, ballot in enumerate(ballots):
        assert (await host.tally(ballot["id"]))["counts"] == ([1, 0] if i % 2 == 0 else [0, 1])
    await client.disconnect()
