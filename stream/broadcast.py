"""One room's live broadcast: its publisher, its viewers, one encoder per kind."""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass, field
from typing import Callable

from aiortc import (MediaStreamTrack, RTCConfiguration, RTCPeerConnection, RTCRtpSender,
                    RTCSessionDescription)
from aiortc.rtcrtpparameters import RTCRtpCodecCapability

from stream.encode import VideoSpec
from stream.errors import BadOffer, NotLive, UnknownPeer
from stream.fanout import AudioPump, Fanout, Pump, VideoPump
from stream.sdp import Offer
from stream.tracks import PacketTrack, route_keyframe_requests

log = logging.getLogger("livevote.stream")

# What the shared encoders produce; a viewer must take exactly this.
SENT_CODECS = {"audio": "audio/opus", "video": "video/VP8"}
GONE = ("failed", "closed")


def sent_codecs(kind: str) -> list[RTCRtpCodecCapability]:
    wanted = SENT_CODECS[kind].lower()
    return [c for c in RTCRtpSender.getCapabilities(kind).codecs
            if c.mimeType.lower() in (wanted, f"{kind}/rtx")]


@dataclass
class Peer:
    id: str
    pc: RTCPeerConnection
    tracks: list[PacketTrack] = field(default_factory=list)


class Broadcast:
    """Created when a publisher starts, ended when it leaves; a new speaker
    replaces the publisher without touching the viewers' connections."""

    def __init__(self, room: str, spec: VideoSpec, configuration: RTCConfiguration | None,
                 gone: Callable[[str, str], None]) -> None:
        self.room = room
        self.video = Fanout("video")
        self.audio = Fanout("audio")
        self._video_pump = VideoPump(self.video, spec)
        self._pumps: dict[str, Pump] = {"video": self._video_pump,
                                        "audio": AudioPump(self.audio)}
        self._configuration = configuration
        self._gone = gone  # (room, peer id): a peer connection failed or closed
        self.publisher: Peer | None = None
        self.viewers: dict[str, Peer] = {}
        self.ended = False
        self._chores: set[asyncio.Task[None]] = set()

    def _new_peer(self) -> Peer:
        peer = Peer(secrets.token_hex(8), RTCPeerConnection(self._configuration))

        @peer.pc.on("connectionstatechange")
        def changed() -> None:
            if peer.pc.connectionState in GONE and not self.ended:
                self._gone(self.room, peer.id)

        return peer

    async def _answer(self, peer: Peer, offer: Offer) -> str:
        try:
            await peer.pc.setRemoteDescription(RTCSessionDescription(offer.text, "offer"))
            await peer.pc.setLocalDescription(await peer.pc.createAnswer())
        except Exception as exc:  # aiortc's refusals have no common base class
            await self._drop(peer)
            raise BadOffer(f"cannot answer this offer: {exc or type(exc).__name__} (the relay "
                           "sends VP8 video and Opus audio)") from None
        return str(peer.pc.localDescription.sdp)

    async def publish(self, offer: Offer) -> tuple[str, str | None, str]:
        """Answer a publisher's offer; returns (peer, replaced peer, answer)."""
        if not offer.sends:
            raise BadOffer("a publisher's offer must send audio or video")
        peer = self._new_peer()
        sources: list[MediaStreamTrack] = []
        peer.pc.on("track", sources.append)  # fired inside setRemoteDescription
        answer = await self._answer(peer, offer)
        old, self.publisher = self.publisher, peer
        for source in sources:
            self._pumps[source.kind].feed(source)
        if old is not None:
            await self._drop(old)
        return peer.id, old.id if old else None, answer

    async def watch(self, offer: Offer) -> tuple[str, str]:
        """Answer a viewer's offer with the shared tracks it asks to receive."""
        if self.publisher is None or self.ended:
            raise NotLive(f"nobody is broadcasting in room {self.room!r}")
        kinds = [k for k in ("audio", "video") if k in offer.receives]
        if not kinds:
            raise BadOffer("a viewer's offer must receive audio or video")
        peer = self._new_peer()
        fanouts = {"audio": self.audio, "video": self.video}
        for kind in kinds:
            track = fanouts[kind].attach()
            transceiver = peer.pc.addTransceiver(track, direction="sendonly")
            transceiver.setCodecPreferences(sent_codecs(kind))
            route_keyframe_requests(transceiver.sender, track)
            self._stop_with(track, transceiver.sender)
            peer.tracks.append(track)
        answer = await self._answer(peer, offer)
        self.viewers[peer.id] = peer
        return peer.id, answer

    def _stop_with(self, track: PacketTrack, sender: RTCRtpSender) -> None:
        """When a shared stream ends under a viewer (the video encoder
        failed, say), stop its sender: the RTCP BYE ends the viewer's track
        while the other kind plays on."""
        def stop() -> None:
            task = asyncio.ensure_future(sender.stop())
            self._chores.add(task)
            task.add_done_callback(self._chores.discard)

        track.on("ended", stop)

    def keyframe(self, peer_id: str) -> None:
        peer = self.viewers.get(peer_id)
        if peer is None:
            raise UnknownPeer(f"no viewer {peer_id!r} in room {self.room!r}")
        self.video.want_keyframe()

    async def leave(self, peer_id: str) -> bool:
        """Drop a viewer; True when the peer was the publisher (the room ends)."""
        if self.publisher is not None and self.publisher.id == peer_id:
            return True
        peer = self.viewers.pop(peer_id, None)
        if peer is None:
            raise UnknownPeer(f"no peer {peer_id!r} in room {self.room!r}")
        await self._drop(peer)
        return False

    async def end(self) -> None:
        """Viewers' tracks end first (their senders stop cleanly), then every
        connection closes and the encoders go."""
        if self.ended:
            return
        self.ended = True
        self.video.end()
        self.audio.end()
        for pump in self._pumps.values():
            await pump.stop()
        peers = list(self.viewers.values()) + ([self.publisher] if self.publisher else [])
        self.viewers.clear()
        self.publisher = None
        await asyncio.gather(*(self._drop(p) for p in peers))
        await asyncio.gather(*self._chores, return_exceptions=True)

    async def _drop(self, peer: Peer) -> None:
        for track in peer.tracks:
            track.stop()
        try:
            # Shielded: cancelling this wait would cancel aiortc's own
            # "closed" future under a close() that is still running.
            await asyncio.shield(peer.pc.close())
        except Exception:
            log.exception("closing a peer connection failed")

    def stats(self) -> dict[str, object]:
        video = self._video_pump
        return {"room": self.room, "live": self.publisher is not None,
                "viewers": len(self.viewers),
                "video_packets": self.video.packets, "audio_packets": self.audio.packets,
                "frames_in": video.frames_in, "frames_encoded": video.frames_encoded,
                "keyframes": video.keyframes,
                "skips": sum(t.skips for p in self.viewers.values() for t in p.tracks)}
