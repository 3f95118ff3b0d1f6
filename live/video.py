"""Video signalling for online general meetings: the `/video` namespace of
the built-in relay (LIVE_VIDEO=relay, the default; `live/videojanus.py` is
the same namespace when Janus carries the media).

Media flows between browsers and this process's `stream.Relay`; this module
only authorizes and passes SDP, one round trip per connection (the client
offers with its ICE candidates gathered; aiortc answers with all of its own,
so no trickle event is needed).

Which rooms have video on, and who may speak, is kept in this process, next
to the relay that serves the room (the hub's `video`: the end of a member's
turn ends their broadcast, a member left out of the roster stops watching): a broadcast is a set of UDP sockets in one
process and cannot move to another worker. With several workers, `/video`
must reach one process, or use LIVE_VIDEO=janus (docs/video-performance.md).
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from typing import Any, AsyncIterator, Collection

from live import videolog
from live.acked import AckedNamespace, Handler
from live.hub import Hub, now_ms
from live.videoauth import (VIDEO_NS, any_room, floor_holder, host_room, member_no,
                            speaker_url, video_channel)
from rooms.polls import payloads, Room
from rooms.gates import read_pass, tokens
from rooms.meetings.adjourning import not_adjourned
from rooms.errors import (BadSdp, LiveVoteError, NotSpeaker, PassRequired, VideoNotLive,
                          VideoOff, VideoPeerNotFound, VideoUnavailable)
from stream import BadOffer, NotLive, Relay, RelayClosed, Session, StreamError, UnknownPeer

__all__ = ["VIDEO_NS", "VideoNamespace", "video_channel"]
PUBLISHER, VIEWER = "publisher", "viewer"


def _speaker_hash(room_id: str, key: str) -> str:
    return hashlib.sha256(f"livevote-speaker\x00{room_id}\x00{key}".encode()).hexdigest()


def refusal(error: StreamError) -> LiveVoteError:
    """The relay's refusals as the protocol's named errors."""
    if isinstance(error, BadOffer):
        return BadSdp(error.message)
    if isinstance(error, NotLive):
        return VideoNotLive()
    if isinstance(error, UnknownPeer):
        return VideoPeerNotFound(error.message)
    if isinstance(error, RelayClosed):
        return VideoUnavailable()
    return LiveVoteError(error.message)


@contextlib.asynccontextmanager
async def relay_call() -> AsyncIterator[None]:
    try:
        yield
    except StreamError as error:
        raise refusal(error) from None


class VideoNamespace(AckedNamespace):
    def __init__(self, hub: Hub, relay: Relay) -> None:
        self.hub = hub
        self.relay = relay
        self.enabled: set[str] = set()
        self.speakers: dict[str, str] = {}  # room -> hash of the current speaker key
        self.floor: dict[str, str] = {}  # room -> the peer a member given the floor opened
        relay.on_live = self.announce
        super().__init__(VIDEO_NS)

    def handlers(self) -> dict[str, Handler]:
        return {
            "video:enable": self.enable,
            "video:status": self.status,
            "video:speaker": self.speaker,
            "video:publish": self.publish,
            "video:watch": self.watch,
            "video:keyframe": self.keyframe,
            "video:leave": self.leave,
        }

    def start(self) -> None:
        self.relay.start()

    async def close(self) -> None:
        await self.relay.close()

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        await self.save_session(sid, {"peers": {}})

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        session = await self.get_session(sid)
        for peer, (room_id, _) in list(session.get("peers", {}).items()):
            with contextlib.suppress(StreamError):
                await self.relay.leave(room_id, peer)
        await videolog.stopped(self.hub, session)

    # state -------------------------------------------------------------------

    def state(self, room_id: str) -> dict[str, Any]:
        return {"room": room_id, "enabled": room_id in self.enabled,
                "live": self.relay.live(room_id), "worker": self.hub.worker, "mode": "relay",
                "ice_servers": self.hub.settings.ice_server_list,
                "ice_transport_policy": self.hub.settings.ice_policy}

    async def announce(self, room_id: str, live: bool) -> None:
        await self.emit("video:state", self.state(room_id), to=video_channel(room_id))

    async def _room(self, body: dict[str, Any]) -> Room:
        return await any_room(self.hub, body)

    async def _host(self, body: dict[str, Any]) -> Room:
        return await host_room(self.hub, body)

    # host --------------------------------------------------------------------

    async def enable(self, sid: str, data: Any) -> dict[str, Any]:
        body = payloads.as_dict(data)
        room = await self._host(body)
        if payloads.boolean(body, "on", True):
            await not_adjourned(self.hub.meetings.store, room.id)
            self.enabled.add(room.id)
        else:
            self.enabled.discard(room.id)
            self.speakers.pop(room.id, None)
            await self.relay.end(room.id)  # its announce tells the viewers
        await self.enter_room(sid, video_channel(room.id))
        await self.announce(room.id, self.relay.live(room.id))
        return self.state(room.id)

    async def speaker(self, sid: str, data: Any) -> dict[str, Any]:
        """Choose who may broadcast besides the host: a new speaker key each
        time, so the previous speaker's link stops working."""
        body = payloads.as_dict(data)
        room = await self._host(body)
        if payloads.boolean(body, "off", False):
            self.speakers.pop(room.id, None)
            return {"room": room.id, "speaker": None, "url": None}
        key = secrets.token_urlsafe(18)
        self.speakers[room.id] = _speaker_hash(room.id, key)
        return {"room": room.id, "speaker": key, "url": speaker_url(self.hub, room.id, key)}

    # everyone ----------------------------------------------------------------

    async def status(self, sid: str, data: Any) -> dict[str, Any]:
        """Video state of a room; the socket then gets `video:state` pushes."""
        room = await self._room(payloads.as_dict(data))
        await self.enter_room(sid, video_channel(room.id))
        return self.state(room.id)

    async def publish(self, sid: str, data: Any) -> dict[str, Any]:
        body = payloads.as_dict(data)
        room = await self._speaker(body)
        if room.id not in self.enabled:
            raise VideoOff()
        async with relay_call():
            session = await self.relay.publish(room.id, body.get("sdp"))
        if body.get("key") is None and body.get("member") is not None:
            self.floor[room.id] = session.peer
        else:
            self.floor.pop(room.id, None)
        return await self._remember(sid, session, PUBLISHER)

    async def _speaker(self, body: dict[str, Any]) -> Room:
        if body.get("key") is not None:
            return await self._host(body)
        room = await self._room(body)
        if body.get("member") is not None:  # the member the chair gave the floor
            await floor_holder(self.hub, room, body.get("member"))
            return room
        key, stored = body.get("speaker"), self.speakers.get(room.id)
        # A key of another room hashes differently, so it fails here too.
        if not isinstance(key, str) or stored is None or not secrets.compare_digest(
                _speaker_hash(room.id, key), stored):
            raise NotSpeaker()
        return room

    async def watch(self, sid: str, data: Any) -> dict[str, Any]:
        body = payloads.as_dict(data)
        room, member = await self._viewer(body)
        if room.id not in self.enabled:
            raise VideoOff()
        async with relay_call():
            session = await self.relay.watch(room.id, body.get("sdp"))
        # One view per socket and room; the old one goes only once the new
        # one is answered, so a bad re-offer costs nothing.
        await self._leave_views(sid, room.id)
        await self.enter_room(sid, video_channel(room.id))
        answer = await self._remember(sid, session, VIEWER)
        if member:
            state = await self.get_session(sid)
            if await videolog.started(self.hub, state, room.id, member):
                await self.save_session(sid, state)
        return answer

    async def _viewer(self, body: dict[str, Any]) -> tuple[Room, str]:
        """Members watch with the device and admission pass of `/voter`, when
        the room asks phones for checks, or with the member token of the
        `/meeting` sign-in (their number comes back, for the access log); the
        host's key also lets one in."""
        if body.get("key") is not None:
            return await self._host(body), ""
        room = await self._room(body)
        if body.get("member") is not None:
            return room, await member_no(self.hub, room, body.get("member"))
        rooms = self.hub.rooms
        gates = await rooms.gates(room.id, now_ms())
        needs = gates.required()
        if needs:
            voter = tokens.unsign(rooms.secret, "device", body.get("device"))
            if voter is None:
                raise PassRequired(list(needs))
            read_pass(rooms.secret, body.get("pass"), room.id, voter, now_ms(), needs,
                      gates.epoch)
        return room, ""

    # what the hub asks of the video (its VideoGrants) -----------------------------

    async def end_floor(self, room_id: str) -> int:
        """The member's turn ended (speak:end, or the next grant): their
        broadcast ends with it, and viewers hear the video is over as when any
        speaker stops; the chair starts again. 1 when one was on air."""
        peer = self.floor.pop(room_id, None)
        if peer is None or self.relay.publisher(room_id) != peer:
            return 0
        await self.relay.end(room_id)
        return 1

    async def end_meeting(self, room_id: str) -> None:
        """The meeting closed: its video goes off for good (viewers are told)."""
        self.enabled.discard(room_id)
        self.speakers.pop(room_id, None)
        self.floor.pop(room_id, None)
        await self.relay.end(room_id)
        await self.announce(room_id, False)

    async def revoke_members(self, room_id: str, member_nos: Collection[str]) -> int:
        """Members a corrected roster left out stop watching at once: their
        views end (logged as stopped) and their member token lets no one in
        again. The number of sockets cut."""
        gone, cut = set(member_nos), 0
        for sid, _ in list(self.server.manager.get_participants(VIDEO_NS,
                                                                video_channel(room_id))):
            if (await self.get_session(sid)).get(videolog.KEY, {}).get(room_id) not in gone:
                continue
            await self._leave_views(sid, room_id)
            state = await self.get_session(sid)
            await videolog.stopped(self.hub, state, room_id)
            await self.save_session(sid, state)
            await self.emit("video:state", self.state(room_id) | {"removed": True}, to=sid)
            cut += 1
        return cut

    async def _remember(self, sid: str, session: Session, role: str) -> dict[str, Any]:
        state = await self.get_session(sid)
        state["peers"][session.peer] = (session.room, role)
        await self.save_session(sid, state)
        return {**session.public(), "role": role}

    async def _own(self, sid: str, body: dict[str, Any]) -> tuple[str, str, str]:
        """(room, peer, role) of a peer this socket opened; a peer of another
        socket or another room is refused alike."""
        room_id = payloads.text(body, "room", limit=64)
        peer = payloads.text(body, "peer", limit=64)
        owned = (await self.get_session(sid))["peers"].get(peer)
        if owned is None or owned[0] != room_id:
            raise VideoPeerNotFound(peer)
        return room_id, peer, owned[1]

    async def keyframe(self, sid: str, data: Any) -> dict[str, Any]:
        room_id, peer, role = await self._own(sid, payloads.as_dict(data))
        if role != VIEWER:
            raise VideoPeerNotFound(peer)
        async with relay_call():
            self.relay.keyframe(room_id, peer)
        return {"room": room_id, "peer": peer}

    async def leave(self, sid: str, data: Any) -> dict[str, Any]:
        """Leave with a peer id; or, as host with the key, end the broadcast."""
        body = payloads.as_dict(data)
        if body.get("peer") is None and body.get("key") is not None:
            room = await self._host(body)
            await self.relay.end(room.id)
            return self.state(room.id)
        room_id, peer, role = await self._own(sid, body)
        await self._forget(sid, peer)
        with contextlib.suppress(UnknownPeer):  # it already went (ICE failed, say)
            await self.relay.leave(room_id, peer)
        if role == VIEWER:
            state = await self.get_session(sid)
            await videolog.stopped(self.hub, state, room_id)
            await self.save_session(sid, state)
        return self.state(room_id)

    async def _leave_views(self, sid: str, room_id: str) -> None:
        peers = (await self.get_session(sid))["peers"]
        for peer, (room, role) in list(peers.items()):
            if room == room_id and role == VIEWER:
                await self._forget(sid, peer)
                with contextlib.suppress(StreamError):
                    await self.relay.leave(room_id, peer)

    async def _forget(self, sid: str, peer: str) -> None:
        state = await self.get_session(sid)
        state["peers"].pop(peer, None)
        await self.save_session(sid, state)
