"""The `/video` namespace when Janus carries the media (LIVE_VIDEO=janus).

LiveVote only authorises and signals: a verified member of the meeting (or
its staff) gets a Janus token for the meeting's VideoRoom, and the browser
then talks to Janus itself (`web/video-janus.js`). Nothing about a room's
video is kept in this process: whether it is on and who publishes is asked
of Janus, the tokens live in Janus, and every name is derived from the
server secret (`live/janusgrants.py`). So any worker answers any event, and
`video:state` pushes reach every worker's sockets through the client manager.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from typing import Any, AsyncIterator, Collection

from live.acked import AckedNamespace, Handler
from live.hub import Hub
from live.janusgrants import FLOOR, MEMBER, STAFF, SPEAKER, JanusGrants
from live.settings import Settings, server_secret
from live.videoauth import (VIDEO_NS, any_room, floor_holder, host_room, member_no,
                            speaker_url, video_channel)
from live import videolog
from rooms.errors import NotSpeaker, VideoForbidden, VideoNotLive, VideoOff, VideoUnavailable
from rooms.meetings.adjourning import not_adjourned
from rooms.polls import Room, payloads
from stream.errors import MediaServerError
from stream.janus import JanusAdmin

log = logging.getLogger("livevote.video")


def janus_grants(settings: Settings) -> JanusGrants | None:
    if settings.video != "janus":
        return None
    admin = JanusAdmin(settings.janus_admin_url, settings.janus_admin_secret,
                       settings.janus_room_key)
    return JanusGrants(admin, server_secret(settings), settings.janus_url)


@contextlib.asynccontextmanager
async def janus_call() -> AsyncIterator[None]:
    try:
        yield
    except MediaServerError as error:
        log.warning("janus refused or did not answer: %s (code %s)", error.message, error.code)
        raise VideoUnavailable() from None


class JanusVideoNamespace(AckedNamespace):
    def __init__(self, hub: Hub, grants: JanusGrants) -> None:
        self.hub = hub
        self.grants = grants
        super().__init__(VIDEO_NS)

    def handlers(self) -> dict[str, Handler]:
        return {
            "video:enable": self.enable,
            "video:status": self.status,
            "video:speaker": self.speaker,
            "video:publish": self.publish,
            "video:live": self.live,
            "video:watch": self.watch,
            "video:leave": self.leave,
        }

    def start(self) -> None:
        return None

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        await videolog.stopped(self.hub, await self.get_session(sid))

    async def close(self) -> None:
        await self.grants.aclose()

    # state -------------------------------------------------------------------

    async def state(self, room_id: str) -> dict[str, Any]:
        async with janus_call():
            feeds = await self.grants.publishers(room_id)
        return self._state(room_id, feeds)

    def _state(self, room_id: str, feeds: list[int] | None) -> dict[str, Any]:
        return {"room": room_id, "enabled": feeds is not None, "live": bool(feeds),
                "feeds": feeds or [], "worker": self.hub.worker, "mode": "janus",
                "ice_servers": self.hub.settings.ice_server_list,
                "ice_transport_policy": self.hub.settings.ice_policy}

    async def announce(self, room_id: str) -> dict[str, Any]:
        state = await self.state(room_id)
        await self.emit("video:state", state, to=video_channel(room_id))
        return state

    async def status(self, sid: str, data: Any) -> dict[str, Any]:
        room = await any_room(self.hub, payloads.as_dict(data))
        await self.enter_room(sid, video_channel(room.id))
        return await self.state(room.id)

    # host --------------------------------------------------------------------

    async def enable(self, sid: str, data: Any) -> dict[str, Any]:
        """On: the meeting's VideoRoom exists. Off: it goes, and with it every
        token of the meeting and every session opened with one."""
        body = payloads.as_dict(data)
        room = await host_room(self.hub, body)
        if payloads.boolean(body, "on", True):
            await not_adjourned(self.hub.meetings.store, room.id)
        async with janus_call():
            if payloads.boolean(body, "on", True):
                await self.grants.open(room.id)
            else:
                await self.grants.close(room.id)
        await self.enter_room(sid, video_channel(room.id))
        return await self.announce(room.id)

    async def speaker(self, sid: str, data: Any) -> dict[str, Any]:
        body = payloads.as_dict(data)
        room = await host_room(self.hub, body)
        key = None if payloads.boolean(body, "off", False) else secrets.token_urlsafe(18)
        async with janus_call():
            await self.grants.new_speaker(room.id, key)
        return {"room": room.id, "speaker": key,
                "url": speaker_url(self.hub, room.id, key) if key else None}

    # publishers --------------------------------------------------------------

    async def _publisher(self, body: dict[str, Any]) -> tuple[Room, str, str]:
        if body.get("key") is not None:
            return await host_room(self.hub, body), STAFF, ""
        room = await any_room(self.hub, body)
        if body.get("member") is not None:  # the member the chair gave the floor, this turn
            number, request = await floor_holder(self.hub, room, body.get("member"))
            return room, FLOOR, f"{number}:{request}"
        key = body.get("speaker")
        async with janus_call():
            if isinstance(key, str) and key and await self.grants.is_speaker(room.id, key):
                return room, SPEAKER, key
        raise NotSpeaker()

    async def publish(self, sid: str, data: Any) -> dict[str, Any]:
        """A publisher's grant: a token on the room's list of publishers."""
        room, role, subject = await self._publisher(payloads.as_dict(data))
        async with janus_call():
            feeds = await self.grants.publishers(room.id)
            if feeds is None:
                raise VideoOff()
            grant = await self.grants.grant(room.id, role, subject, publish=True, feeds=feeds)
        return {"room": room.id, "role": "publisher", "janus": grant}

    async def live(self, sid: str, data: Any) -> dict[str, Any]:
        """A publisher started or stopped: what Janus now says goes to everyone."""
        room, _, _ = await self._publisher(payloads.as_dict(data))
        return await self.announce(room.id)

    # what the hub asks of the video (its VideoGrants) -----------------------------

    async def end_floor(self, room_id: str) -> int:
        """The member's turn ended: their token and sessions go (see the grants),
        and every page hears which feeds are left, so viewers drop the speaker's."""
        ended = await self.grants.end_floor(room_id)
        if ended:
            feeds = await self.grants.publishers(room_id)
            await self.emit("video:state", self._state(room_id, feeds), to=video_channel(room_id))
        return ended

    async def end_meeting(self, room_id: str) -> None:
        """The meeting closed: its VideoRoom goes, and every token of it."""
        await self.grants.close(room_id)
        await self.emit("video:state", self._state(room_id, None), to=video_channel(room_id))

    async def revoke_members(self, room_id: str, member_nos: Collection[str]) -> int:
        return await self.grants.revoke_members(room_id, member_nos)

    # members -----------------------------------------------------------------

    async def watch(self, sid: str, data: Any) -> dict[str, Any]:
        body = payloads.as_dict(data)
        room, role, subject = await self._viewer(body)
        async with janus_call():
            feeds = await self.grants.publishers(room.id)
            if feeds is None:
                raise VideoOff()
            if not feeds:
                raise VideoNotLive()
            grant = await self.grants.grant(room.id, role, subject, feeds=feeds)
        await self.enter_room(sid, video_channel(room.id))
        if role == MEMBER:
            session = await self.get_session(sid)
            if await videolog.started(self.hub, session, room.id, subject):
                await self.save_session(sid, session)
        return {"room": room.id, "role": "viewer", "janus": grant}

    async def _viewer(self, body: dict[str, Any]) -> tuple[Room, str, str]:
        if body.get("key") is not None:
            return await host_room(self.hub, body), STAFF, ""
        room = await any_room(self.hub, body)
        if body.get("member") is None:
            raise VideoForbidden()
        return room, MEMBER, await member_no(self.hub, room, body.get("member"))

    async def leave(self, sid: str, data: Any) -> dict[str, Any]:
        """The host ends the broadcast (viewers keep their tokens; the room
        stays). A viewer leaves by hanging up on Janus; nothing to tell here."""
        body = payloads.as_dict(data)
        room = await host_room(self.hub, body)
        async with janus_call():
            await self.grants.end_broadcast(room.id)
        return await self.announce(room.id)
