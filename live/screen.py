"""The presenter screen: watches a room's ballots and live tallies."""

from __future__ import annotations

from typing import Any

from live import projector
from live.acked import AckedNamespace, Handler
from live.commands import qr_get, snapshot
from live.hub import SCREEN_NS, Hub, room_channel
from rooms.polls import payloads


class ScreenNamespace(AckedNamespace):
    for_screen = True  # the projector: counts only as far as each ballot allows

    def __init__(self, hub: Hub, namespace: str = SCREEN_NS) -> None:
        self.hub = hub
        super().__init__(namespace)

    def handlers(self) -> dict[str, Handler]:
        return {"screen:watch": self.watch, "qr:get": self.qr, "item:quorum": self.quorum}

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
        return await snapshot(self.hub, room.id, self.for_screen)

    async def qr(self, sid: str, data: Any) -> dict[str, Any]:
        body = payloads.as_dict(data)
        room = await self.hub.rooms.as_host(body.get("room"), body.get("key"))
        return dict(await qr_get(self.hub, room, body))

    async def quorum(self, sid: str, data: Any) -> dict[str, Any]:
        body = payloads.as_dict(data)
        room = await self.hub.rooms.as_host(body.get("room"), body.get("key"))
        return await projector.gauge(self.hub, room, body)
