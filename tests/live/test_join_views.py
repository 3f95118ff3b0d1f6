"""A worker keeps the room's ballots as phones see them, so a hall joining at
once does not read them from Redis per phone; a phone still never misses a
change: what its join answered plus what was pushed to it afterwards is the
room as it is, on every worker, and a worker with no phone in the room (which
hears none of its pushes) answers a join from Redis."""

from __future__ import annotations

from typing import Any

import socketio

from rooms.polls.views import RoomViews
from tests.live.test_workers import pair  # noqa: F401  (the fixture: two workers, one Redis)
from tests.support import Host, LiveServer, eventually, voter


class Phone:
    """A phone's idea of the room: its join answer, then every push applied."""

    def __init__(self, client: socketio.AsyncClient, joined: dict[str, Any]) -> None:
        self.client = client
        self.ballots = {b["id"]: b for b in joined["data"]["ballots"]}
        client.on("ballot:update", self._update, namespace="/voter")
        client.on("ballot:closed", self._closed, namespace="/voter")

    def _update(self, ballot: dict[str, Any]) -> None:
        self.ballots[ballot["id"]] = {**self.ballots.get(ballot["id"], {}), **ballot}

    def _closed(self, data: dict[str, Any]) -> None:
        self._update({**data["ballot"], "result": data["result"]})

    def states(self) -> dict[str, str]:
        return {i: b["state"] for i, b in self.ballots.items()}


async def phone(server: LiveServer, host: Host) -> Phone:
    client, joined = await voter(server.url, code=host.room["code"])
    return Phone(client, {"data": joined})


async def test_phones_joining_on_another_worker_see_every_change(
        pair: list[LiveServer]) -> None:  # noqa: F811
    a, b = pair
    host = Host(a.url)
    try:
        await host.create_room()
        first = await host.ballot()
        await host.open(first["id"])
        early = await phone(b, host)  # b now keeps the room's view
        assert early.states() == {first["id"]: "open"}

        await host.close(first["id"])
        second = await host.ballot()
        await host.open(second["id"])
        late = await phone(b, host)  # joins while b may not have heard yet

        async def caught_up() -> bool:
            expected = {first["id"]: "closed", second["id"]: "open"}
            return all(p.states() == expected and p.ballots[first["id"]].get("result")
                       for p in (early, late))
        assert await eventually(caught_up), (early.states(), late.states())
        after = await phone(b, host)  # b has delivered the pushes: it forgot what they changed
        assert after.states() == {first["id"]: "closed", second["id"]: "open"}
        assert after.ballots[first["id"]]["result"]["record"]["ballot"] == first["id"]

        for p in (early, late, after):
            await p.client.disconnect()
        await host.close(second["id"])
        third = await host.ballot()
        await host.open(third["id"])
        alone = await phone(b, host)  # b held no phone of the room: read afresh
        assert alone.states() == {first["id"]: "closed", second["id"]: "closed",
                                  third["id"]: "open"}, "the join itself is up to date"
        await alone.client.disconnect()
    finally:
        await host.aclose()


async def test_a_read_that_raced_a_change_is_not_kept() -> None:
    views, reads = RoomViews(), []

    async def load(room_id: str) -> list[dict[str, Any]]:
        reads.append(room_id)
        if len(reads) == 1:
            views.forget(room_id)  # a ballot changed while this read was in flight
        return [{"id": f"read {len(reads)}"}]

    assert await views.get("r", load) == [{"id": "read 1"}]  # answered, not kept
    assert await views.get("r", load) == [{"id": "read 2"}]
    assert await views.get("r", load) == [{"id": "read 2"}], "kept once nothing raced it"
    views.forget("r")
    assert await views.get("r", load) == [{"id": "read 3"}]
    assert reads == ["r", "r", "r"]
