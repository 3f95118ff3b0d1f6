"""The relay with real aiortc peers on loopback: one publisher, many viewers."""

from __future__ import annotations

import time
from typing import AsyncIterator

import pytest
from aiortc import RTCPeerConnection, RTCSessionDescription

from stream import Relay, RelayClosed, VideoSpec
from stream.encode import VideoEncoder
from tests.stream.media import Viewer, publisher, until

ROOM = "room1"


@pytest.fixture
def events() -> list[tuple[str, bool]]:
    return []


@pytest.fixture
async def relay(events: list[tuple[str, bool]]) -> AsyncIterator[Relay]:
    async def on_live(room: str, live: bool) -> None:
        events.append((room, live))

    # The periodic keyframe is a minute away: any quick first picture comes
    # from a keyframe forced for the joiner.
    r = Relay(VideoSpec(keyframe_every_s=60), on_live=on_live)
    r.start()
    yield r
    await r.close()


async def start_publisher(relay: Relay, room: str = ROOM, **kinds: bool) -> RTCPeerConnection:
    pc, offer = await publisher(**kinds)
    session = await relay.publish(room, offer)
    await pc.setRemoteDescription(RTCSessionDescription(session.sdp, "answer"))
    return pc


async def join(relay: Relay, room: str = ROOM,
               kinds: tuple[str, ...] = ("audio", "video")) -> tuple[Viewer, str]:
    viewer = Viewer(kinds)
    session = await relay.watch(room, await viewer.offer())
    await viewer.accept(session.sdp)
    return viewer, session.peer


def receiving(viewers: list[Viewer], video: int = 5, audio: int = 5) -> bool:
    return all(v.frames["video"] >= video and v.frames["audio"] >= audio for v in viewers)


async def test_every_viewer_receives_decodable_frames(
        relay: Relay, events: list[tuple[str, bool]]) -> None:
    pub = await start_publisher(relay)
    viewers = [(await join(relay))[0] for _ in range(4)]
    await until(lambda: receiving(viewers, video=10, audio=20), what="frames at every viewer")
    stats = relay.stats(ROOM)
    assert stats is not None and stats["viewers"] == 4
    # Encoded once: one encoder's output, however many viewers.
    assert stats["frames_encoded"] <= stats["frames_in"]
    assert events == [(ROOM, True)]
    for v in viewers:
        await v.close()
    await pub.close()


async def test_late_joiner_gets_a_keyframe_quickly(relay: Relay) -> None:
    pub = await start_publisher(relay)
    first, _ = await join(relay)
    await until(lambda: receiving([first], video=30), what="the first viewer's frames")
    late, _ = await join(relay)
    await until(lambda: late.frames["video"] > 0, timeout=20, what="the late joiner's picture")
    assert late.first_video_at is not None
    # Far below the 60 s periodic keyframe: this picture was forced for it.
    assert late.first_video_at - late.answered_at < 20
    await late.close()
    await first.close()
    await pub.close()


async def test_viewer_leaving_does_not_disturb_the_others(relay: Relay) -> None:
    pub = await start_publisher(relay)
    (stay, _), (go, go_peer) = await join(relay), await join(relay)
    await until(lambda: receiving([stay, go]), what="frames at both viewers")
    await relay.leave(ROOM, go_peer)
    await go.close()
    before = dict(stay.frames)
    await until(lambda: stay.frames["video"] >= before["video"] + 15
                and stay.frames["audio"] >= before["audio"] + 25, what="frames after a leave")
    stats = relay.stats(ROOM)
    assert stats is not None and stats["viewers"] == 1 and relay.live(ROOM)
    await stay.close()
    await pub.close()


async def test_publisher_leaving_ends_the_viewers_tracks(
        relay: Relay, events: list[tuple[str, bool]]) -> None:
    pub = await start_publisher(relay)
    viewers = [(await join(relay))[0] for _ in range(2)]
    await until(lambda: receiving(viewers), what="frames")
    await pub.close()
    await until(lambda: all(v.ended.get("video") and v.ended.get("audio") for v in viewers),
                timeout=30, what="ended tracks")
    assert not relay.live(ROOM) and relay.stats(ROOM) is None
    assert events == [(ROOM, True), (ROOM, False)]
    for v in viewers:
        await v.close()


async def test_new_speaker_takes_over_without_reconnecting_viewers(relay: Relay) -> None:
    first = await start_publisher(relay)
    viewer, _ = await join(relay)
    await until(lambda: receiving([viewer]), what="frames from the first speaker")
    second = await start_publisher(relay)
    await until(lambda: first.connectionState == "closed", what="the old speaker closed")
    before = viewer.frames["video"]
    await until(lambda: viewer.frames["video"] >= before + 15, what="frames from the new one")
    assert viewer.pc.connectionState == "connected" and relay.live(ROOM)
    await viewer.close()
    await second.close()


async def test_audio_goes_on_when_video_fails(relay: Relay,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    pub = await start_publisher(relay)
    viewer, _ = await join(relay)
    await until(lambda: receiving([viewer]), what="frames")

    def broken(*args: object) -> None:
        raise RuntimeError("encoder crashed")

    monkeypatch.setattr(VideoEncoder, "encode", broken)
    await until(lambda: viewer.ended.get("video") is True, what="video to end")
    heard = viewer.frames["audio"]
    await until(lambda: viewer.frames["audio"] >= heard + 25, what="audio after video failed")
    assert relay.live(ROOM)
    await viewer.close()
    await pub.close()


async def test_audio_only_viewer_and_publisher(relay: Relay) -> None:
    pub = await start_publisher(relay, video=False)
    viewer, _ = await join(relay, kinds=("audio",))
    await until(lambda: viewer.frames["audio"] >= 25, what="audio only")
    assert viewer.frames["video"] == 0
    await viewer.close()
    await pub.close()


async def test_rooms_are_separate(relay: Relay) -> None:
    a = await start_publisher(relay, "a")
    b = await start_publisher(relay, "b")
    va, peer_a = await join(relay, "a")
    await until(lambda: receiving([va]), what="room a")
    await b.close()
    await until(lambda: not relay.live("b"), timeout=30, what="room b to end")
    before = va.frames["video"]
    await until(lambda: va.frames["video"] >= before + 10, what="room a unaffected")
    assert relay.rooms() == ["a"]
    await va.close()
    await a.close()


async def test_close_ends_everything_and_refuses_new_offers() -> None:
    relay = Relay()
    relay.start()
    pub = await start_publisher(relay)
    viewer, _ = await join(relay)
    await until(lambda: receiving([viewer]), what="frames")
    started = time.monotonic()
    await relay.close()
    assert time.monotonic() - started < 5
    assert relay.rooms() == [] and not relay.live(ROOM)
    await until(lambda: viewer.ended.get("video") is True, what="viewer tracks ended")
    late_pc, offer = await publisher()
    with pytest.raises(RelayClosed):
        await relay.publish(ROOM, offer)
    for pc in (late_pc, pub):
        await pc.close()
    await viewer.close()


async def test_a_pli_from_a_viewer_yields_a_keyframe(relay: Relay) -> None:
    """The viewer's RTCP PLI reaches the shared encoder through the sender hook
    that stream/tracks.py installs (aiortc's `_send_keyframe`, pinned <1.17)."""
    pub = await start_publisher(relay)
    viewer, _ = await join(relay)
    await until(lambda: receiving([viewer], video=30), what="the viewer's frames")
    before = relay.stats(ROOM)
    assert before is not None
    receiver = next(t.receiver for t in viewer.pc.getTransceivers() if t.kind == "video")
    sources = receiver.getSynchronizationSources()
    assert sources, "the viewer knows the relay's video SSRC"
    await receiver._send_rtcp_pli(sources[0].source)  # what a real viewer sends on loss

    def keyframes() -> int:
        stats = relay.stats(ROOM)
        return int(stats["keyframes"]) if stats else 0  # type: ignore[call-overload]
    # The periodic keyframe is 60 s away: a new one now answers the PLI.
    await until(lambda: keyframes() > int(before["keyframes"]),  # type: ignore[call-overload]
                timeout=10, what="a keyframe after the PLI")
    await viewer.close()
    await pub.close()
