"""The phones: join a room, see its ballots, vote."""

from __future__ import annotations

from typing import Any

from live.acked import AckedNamespace, Handler
from live.hub import VOTER_NS, Hub, room_channel, voted_channel
from rooms import payloads
from rooms.errors import NotJoined


class VoterNamespace(AckedNamespace):
    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        super().__init__(VOTER_NS)

    def handlers(self) -> dict[str, Handler]:
        return {
            "room:join": self.join,
            "vote:cast": self.cast,
            "ballot:list": self.ballot_list,
            "tally:get": self.tally_get,
        }

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        await self.save_session(sid, {})

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        session = await self.get_session(sid)
        if session.get("room"):
            self.hub.phones[session["room"]] -= 1

    async def _joined(self, sid: str) -> tuple[str, str]:
        session = await self.get_session(sid)
        if not session.get("room"):
            raise NotJoined()
        return session["room"], session["voter"]

    async def join(self, sid: str, data: Any) -> dict[str, Any]:
        joined = await self.hub.rooms.join(data)
        session = await self.get_session(sid)
        if session.get("room") != joined.room.id:
            if session.get("room"):
                self.hub.phones[session["room"]] -= 1
                await self.leave_room(sid, room_channel(session["room"]))
            self.hub.phones[joined.room.id] += 1
        await self.save_session(sid, {"room": joined.room.id, "voter": joined.voter})
        await self.enter_room(sid, room_channel(joined.room.id))
        ballots = await self.hub.rooms.voter_view(joined.room.id, joined.voter)
        for view in ballots:
            if view["my_vote"] is not None:
                await self.enter_room(sid, voted_channel(view["id"]))
        return {"room": joined.room.public(), "device": joined.device, "ballots": ballots}

    async def cast(self, sid: str, data: Any) -> dict[str, Any]:
        room_id, voter = await self._joined(sid)
        cast = await self.hub.rooms.cast(room_id, voter, data)
        await self.enter_room(sid, voted_channel(cast.ballot_id))
        return cast.public()

    async def ballot_list(self, sid: str, data: Any) -> list[dict[str, Any]]:
        room_id, voter = await self._joined(sid)
        return await self.hub.rooms.voter_view(room_id, voter)

    async def tally_get(self, sid: str, data: Any) -> dict[str, Any] | None:
        room_id, voter = await self._joined(sid)
        body = payloads.as_dict(data)
        ballot = await self.hub.rooms.ballot_in(await self._room(room_id), body.get("ballot"))
        voted = await self.hub.rooms.store.my_vote(ballot.id, voter) is not None
        if not self.hub.voter_sees_tally(ballot, voted):
            return None
        return (await self.hub.rooms.tally(ballot.id)).public()

    async def _room(self, room_id: str) -> Any:
        room, _ = await self.hub.rooms.store.room(room_id)
        return room
