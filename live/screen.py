"""The presenter screen: watches a room's ballots and live tallies."""

from __future__ import annotations

from typing import Any

from live.acked import AckedNamespace, Handler
from live.hub import SCREEN_NS, Hub, now_ms, room_channel
from rooms import payloads


class ScreenNamespace(AckedNamespace):
    def __init__(self, hub: Hub, namespace: str = SCREEN_NS) -> None:
        self.hub = hub
        super().__init__(namespace)

    def handlers(self) -> dict[str, Handler]:
        return {"screen:watch": self.watch}

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        await self.save_session(sid, {})

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        session = await self.get_session(sid)
        if session.get("room"):
            self.hub.screens[session["room"]] -= 1

    async def watch(self, sid: str, data: Any) -> dict[str, Any]:
        """The whole picture of a room; after that, pushes keep it current."""
        body = payloads.as_dict(data)
        room = await self.hub.rooms.as_host(body.get("room"), body.get("key"))
        session = await self.get_session(sid)
        if session.get("room") != room.id:
            if session.get("room"):
                self.hub.screens[session["room"]] -= 1
            self.hub.screens[room.id] += 1
        await self.save_session(sid, {"room": room.id})
        await self.enter_room(sid, room_channel(room.id))
        return await snapshot(self.hub, room.id)


async def snapshot(hub: Hub, room_id: str) -> dict[str, Any]:
    store = hub.rooms.store
    room, _ = await store.room(room_id)
    ballots = []
    for ballot in await store.ballots(room_id):
        view = ballot.public()
        view["tally"] = (await store.tally(ballot.id)).public()
        view["result"] = await store.result(ballot.id)
        ballots.append(view)
    return {"room": room.public(), "links": hub.links(room.id, room.code),
            "ballots": ballots, "phones": await store.phones(room_id, now_ms())}
