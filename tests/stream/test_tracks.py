"""A viewer's packet queue: bounded, and a slow viewer skips to a keyframe."""

from __future__ import annotations

import av
import pytest
from aiortc.mediastreams import MediaStreamError

from stream.tracks import AUDIO_DEPTH, VIDEO_DEPTH, PacketTrack


def packet(tag: int) -> av.Packet:
    return av.Packet(bytes([tag]))


async def drain(track: PacketTrack) -> list[int]:
    out = []
    while track._queue:
        out.append(bytes(await track.recv())[0])
    return out


async def test_a_video_viewer_starts_at_a_keyframe() -> None:
    track = PacketTrack("video")
    track.offer(packet(1), keyframe=False)
    track.offer(packet(2), keyframe=True)
    track.offer(packet(3), keyframe=False)
    assert await drain(track) == [2, 3]


async def test_a_slow_viewer_skips_to_the_next_keyframe() -> None:
    asked: list[bool] = []
    track = PacketTrack("video", lambda: asked.append(True))
    track.offer(packet(0), keyframe=True)
    for n in range(1, 3 * VIDEO_DEPTH):
        track.offer(packet(n), keyframe=False)
        assert len(track._queue) <= VIDEO_DEPTH
    assert track.waiting and asked and track.skips == 1
    track.offer(packet(100), keyframe=False)
    track.offer(packet(101), keyframe=True)
    assert await drain(track) == [101]


async def test_audio_keeps_the_newest_packets() -> None:
    track = PacketTrack("audio")
    for n in range(AUDIO_DEPTH + 5):
        track.offer(packet(n), keyframe=True)
    got = await drain(track)
    assert got == list(range(5, AUDIO_DEPTH + 5)) and track.skips == 5


async def test_a_stopped_track_ends_its_sender() -> None:
    track = PacketTrack("video")
    track.offer(packet(1), keyframe=True)
    track.stop()
    with pytest.raises(MediaStreamError):
        await track.recv()
    track.offer(packet(2), keyframe=True)  # ignored, no error
    assert not track._queue


def test_only_audio_or_video() -> None:
    with pytest.raises(ValueError):
        PacketTrack("data")
