"""From the publisher's decoded track to every viewer's `PacketTrack`.

A `Fanout` is one room's encoded stream of one kind; a pump reads the
current publisher's track (decoded once by aiortc's receiver), encodes once
and hands the same packets to every viewer. A new speaker is a new source
for the same pump, so viewers keep their connections across a switch.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any, Callable

from aiortc import MediaStreamTrack
from aiortc.mediastreams import MediaStreamError
from av.audio.frame import AudioFrame
from av.packet import Packet
from av.video.frame import VideoFrame

from stream.encode import AUDIO_CLOCK, VIDEO_CLOCK, AudioEncoder, VideoEncoder, VideoSpec
from stream.tracks import PacketTrack

log = logging.getLogger("livevote.stream")

Clock = Callable[[], float]
AUDIO_SLACK_S = 0.2


class Fanout:
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.tracks: set[PacketTrack] = set()
        self.keyframe_wanted = False
        self.packets = 0
        self.ended = False

    def attach(self) -> PacketTrack:
        track = PacketTrack(self.kind, self.want_keyframe)
        if self.ended:
            track.stop()
            return track
        self.tracks.add(track)
        track.on("ended", lambda: self.tracks.discard(track))
        self.want_keyframe()  # a late joiner should not wait for the periodic one
        return track

    def want_keyframe(self) -> None:
        self.keyframe_wanted = True

    def broadcast(self, packet: Packet[Any], keyframe: bool) -> None:
        self.packets += 1
        for track in list(self.tracks):
            track.offer(packet, keyframe)

    def end(self) -> None:
        """End every viewer's track: their senders stop at the next recv()."""
        self.ended = True
        for track in list(self.tracks):
            track.stop()
        self.tracks.clear()


class Pump:
    """Reads one source track at a time; `feed` swaps the source."""

    def __init__(self, fanout: Fanout, clock: Clock) -> None:
        self.fanout = fanout
        self.clock = clock
        self.t0 = clock()
        self._reader: asyncio.Task[None] | None = None

    def feed(self, source: MediaStreamTrack) -> None:
        if self._reader is not None:
            self._reader.cancel()
        self._reader = asyncio.ensure_future(self._read(source))
        self.fanout.want_keyframe()

    async def _read(self, source: MediaStreamTrack) -> None:
        try:
            while True:
                self.take(await source.recv())
        except MediaStreamError:
            pass  # the publisher's track ended; the room decides what that means
        except Exception:
            # Audio-first: one kind failing must not take the other down.
            log.exception("%s relay failed; the other kind goes on", self.fanout.kind)
            self.fanout.end()

    def take(self, frame: object) -> None:
        """What each kind does with a decoded frame; the base drops it."""
        return None

    async def stop(self) -> None:
        for task in self._tasks():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._reader = None

    def _tasks(self) -> list[asyncio.Task[None]]:
        return [self._reader] if self._reader is not None else []


class AudioPump(Pump):
    """Opus is cheap (about 0.1 ms a packet), so it encodes on the loop."""

    def __init__(self, fanout: Fanout, clock: Clock = time.monotonic) -> None:
        super().__init__(fanout, clock)
        self._encoder = AudioEncoder()

    def take(self, frame: object) -> None:
        if not isinstance(frame, AudioFrame) or not self.fanout.tracks:
            return
        # After a silence or a switch, move the sample clock up to wall time
        # so that viewers' jitter buffers see time pass instead of a rush.
        self._encoder.resync(int((self.clock() - self.t0 - AUDIO_SLACK_S) * AUDIO_CLOCK))
        for packet in self._encoder.encode(frame):
            self.fanout.broadcast(packet, True)


class VideoPump(Pump):
    """Keeps only the newest frame and encodes it in a worker thread, so a
    slow encoder drops frames at the source instead of queueing them."""

    def __init__(self, fanout: Fanout, spec: VideoSpec, clock: Clock = time.monotonic) -> None:
        super().__init__(fanout, clock)
        self.spec = spec
        self._encoder = VideoEncoder(spec)
        self._latest: tuple[VideoFrame, int] | None = None
        self._arrived = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._last_keyframe = float("-inf")
        self.frames_in = 0
        self.frames_encoded = 0
        self.keyframes = 0

    def feed(self, source: MediaStreamTrack) -> None:
        super().feed(source)
        if self._writer is None:
            self._writer = asyncio.ensure_future(self._write())

    def take(self, frame: object) -> None:
        if isinstance(frame, VideoFrame):
            self.frames_in += 1
            self._latest = (frame, int((self.clock() - self.t0) * VIDEO_CLOCK))
            self._arrived.set()

    async def _write(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                await self._arrived.wait()
                self._arrived.clear()
                latest, self._latest = self._latest, None
                if latest is None or not self.fanout.tracks:
                    continue  # nobody watches: decode happened, encoding need not
                frame, pts = latest
                packets = await loop.run_in_executor(
                    None, self._encoder.encode, frame, pts, self._keyframe_due())
                self.frames_encoded += 1
                for packet in packets:
                    if packet.is_keyframe:
                        self._last_keyframe = self.clock()
                        self.keyframes += 1
                    self.fanout.broadcast(packet, packet.is_keyframe)
        except Exception:
            log.exception("video encoder failed; audio goes on")
            self.fanout.end()

    def _keyframe_due(self) -> bool:
        """Asked for (a joiner, a PLI), but at most every min_keyframe_gap_s so
        one lossy viewer cannot turn the whole stream into keyframes; and
        every keyframe_every_s anyway, for viewers whose requests got lost."""
        since = self.clock() - self._last_keyframe
        due = since >= self.spec.keyframe_every_s or (
            self.fanout.keyframe_wanted and since >= self.spec.min_keyframe_gap_s)
        if due:
            self.fanout.keyframe_wanted = False
        return due

    def _tasks(self) -> list[asyncio.Task[None]]:
        writer = [self._writer] if self._writer is not None else []
        return super()._tasks() + writer

    async def stop(self) -> None:
        await super().stop()
        self._writer = None
        self._encoder.close()
