"""One viewer's copy of an encoded stream.

A `PacketTrack` is what a viewer's RTCRtpSender pulls from. Its `recv()`
returns `av.Packet`s, which aiortc's sender packetizes as they are instead of
encoding (see `RTCRtpSender._next_encoded_frame`: frames are encoded, packets
are only packed). Every viewer gets the same packet objects; the per-viewer
cost is RTP packetization and SRTP, never a codec.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any, Callable

from aiortc import MediaStreamTrack, RTCRtpSender
from aiortc.mediastreams import MediaStreamError
from av.packet import Packet

VIDEO_DEPTH = 8     # ~0.25-0.5 s of frames: deeper only adds delay for a slow viewer
AUDIO_DEPTH = 25    # 0.5 s of 20 ms Opus packets


class PacketTrack(MediaStreamTrack):
    """A bounded queue of shared encoded packets for one viewer.

    Video starts at a keyframe, and a viewer that falls `depth` packets behind
    drops its backlog and waits for the next keyframe: a slow viewer costs a
    short freeze, never a growing queue. Audio has no keyframes; a full queue
    drops its oldest packet.
    """

    def __init__(self, kind: str, want_keyframe: Callable[[], None] | None = None) -> None:
        super().__init__()
        if kind not in ("audio", "video"):
            raise ValueError(f"kind must be audio or video, not {kind!r}")
        self.kind = kind
        self._video = kind == "video"
        self._depth = VIDEO_DEPTH if self._video else AUDIO_DEPTH
        self._want_keyframe = want_keyframe or (lambda: None)
        self._queue: deque[Packet[Any]] = deque()
        self._ready = asyncio.Event()
        self.waiting = self._video
        self.delivered = 0
        self.skips = 0

    def offer(self, packet: Packet[Any], keyframe: bool) -> None:
        """Queue a packet of the shared stream, or skip it (see the class doc)."""
        if self.readyState != "live":
            return
        if self._video:
            if keyframe:
                self._queue.clear()  # nothing before a keyframe is needed any more
                self.waiting = False
            elif self.waiting:
                return
            elif len(self._queue) >= self._depth:
                self._queue.clear()
                self.skips += 1
                self.waiting = True
                self._want_keyframe()
                return
        elif len(self._queue) >= self._depth:
            self._queue.popleft()
            self.skips += 1
        self._queue.append(packet)
        self._ready.set()

    def request_keyframe(self) -> None:
        """The viewer lost a picture (PLI/FIR) or asked over signalling."""
        if self._video:
            self._want_keyframe()

    async def recv(self) -> Packet[Any]:
        while not self._queue:
            if self.readyState != "live":
                raise MediaStreamError
            self._ready.clear()
            await self._ready.wait()
        self.delivered += 1
        return self._queue.popleft()

    def stop(self) -> None:
        super().stop()
        self._queue.clear()
        self._ready.set()  # wake a waiting recv() so the sender ends cleanly


def route_keyframe_requests(sender: RTCRtpSender, track: PacketTrack) -> None:
    """Send a viewer's PLI/FIR to the shared encoder.

    aiortc answers PLI/FIR by setting a flag that only its own encoder reads;
    with pre-encoded packets nothing would happen, and the viewer would stay
    frozen until the next periodic keyframe. `_send_keyframe` is the one hook
    aiortc's RTCP handler calls (aiortc 1.9 to 1.16); if a later aiortc drops
    it, viewers still recover at the periodic keyframe.
    """
    if callable(getattr(sender, "_send_keyframe", None)):
        setattr(sender, "_send_keyframe", track.request_keyframe)
