"""Test media and test peers: aiortc's own sources, real peer connections."""

from __future__ import annotations

import asyncio
import math
import struct
import time
from typing import Any

import av
from aiortc import (AudioStreamTrack, MediaStreamTrack, RTCPeerConnection,
                    RTCSessionDescription, VideoStreamTrack)
from aiortc.mediastreams import MediaStreamError


class ColorTrack(VideoStreamTrack):
    """A camera stand-in: a scrolling pattern, so frames differ and the
    encoder has real work, at aiortc's own 30 fps pacing."""

    def __init__(self, width: int = 320, height: int = 240, fps: int | None = None) -> None:
        super().__init__()
        self.width, self.height = width, height
        self.fps = fps
        row = bytes((x * 7 + (x // 16) * 40) % 256 for x in range(width))
        self._luma = b"".join(row[y % width:] + row[:y % width] for y in range(height * 2))
        self._n = 0
        self._start = 0.0

    async def recv(self) -> av.VideoFrame:
        if self.fps is None:
            pts, time_base = await self.next_timestamp()
        else:
            pts, time_base = await self._paced()
        frame = av.VideoFrame(self.width, self.height, "yuv420p")
        offset = (self._n * 2 % self.height) * self.width
        self._n += 1
        frame.planes[0].update(self._luma[offset:offset + self.width * self.height])
        for plane, value in ((frame.planes[1], 90), (frame.planes[2], 160 + self._n % 60)):
            plane.update(bytes([value]) * plane.buffer_size)
        frame.pts, frame.time_base = pts, time_base
        return frame

    async def _paced(self) -> tuple[int, Any]:
        from fractions import Fraction
        assert self.fps
        if self._n == 0:
            self._start = time.monotonic()
        wait = self._start + self._n / self.fps - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        return int(self._n * 90000 / self.fps), Fraction(1, 90000)


class ToneTrack(AudioStreamTrack):
    """A microphone stand-in: a 440 Hz tone in 20 ms frames."""

    def __init__(self) -> None:
        super().__init__()
        self._t = 0

    async def recv(self) -> av.AudioFrame:
        frame = await super().recv()  # paced silence from aiortc
        samples, rate = frame.samples, frame.sample_rate
        tone = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * (self._t + i)
                                                               / rate)))
                        for i in range(samples))
        frame.planes[0].update(tone)
        self._t += samples
        return frame


async def publisher(video: bool = True, audio: bool = True,
                    track: MediaStreamTrack | None = None) -> tuple[RTCPeerConnection, str]:
    pc = RTCPeerConnection()
    if audio:
        pc.addTransceiver(ToneTrack(), direction="sendonly")
    if video:
        pc.addTransceiver(track or ColorTrack(), direction="sendonly")
    await pc.setLocalDescription(await pc.createOffer())
    return pc, pc.localDescription.sdp


class Viewer:
    """A member watching: receive-only, counts the frames it could decode."""

    def __init__(self, kinds: tuple[str, ...] = ("audio", "video")) -> None:
        self.pc = RTCPeerConnection()
        self.kinds = kinds
        self.frames: dict[str, int] = {"audio": 0, "video": 0}
        self.first_video_at: float | None = None
        self.ended: dict[str, bool] = {}
        self._readers: list[asyncio.Task[None]] = []
        self.pc.on("track", self._track)
        for kind in kinds:
            self.pc.addTransceiver(kind, direction="recvonly")

    def _track(self, track: MediaStreamTrack) -> None:
        self._readers.append(asyncio.ensure_future(self._read(track)))

    async def _read(self, track: MediaStreamTrack) -> None:
        self.ended[track.kind] = False
        try:
            while True:
                frame = await track.recv()
                if isinstance(frame, av.VideoFrame) and self.first_video_at is None:
                    self.first_video_at = time.monotonic()
                self.frames[track.kind] += 1
        except MediaStreamError:
            self.ended[track.kind] = True

    async def offer(self) -> str:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return self.pc.localDescription.sdp

    async def accept(self, answer: str) -> None:
        self.answered_at = time.monotonic()
        await self.pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))

    async def close(self) -> None:
        await self.pc.close()
        for task in self._readers:
            task.cancel()
        await asyncio.gather(*self._readers, return_exceptions=True)


async def until(check: Any, timeout: float = 15.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)
