"""Bad signalling input gets a clear refusal, and the relay keeps serving."""

from __future__ import annotations

from typing import AsyncIterator

import pytest
from aiortc import RTCPeerConnection, RTCRtpSender

from stream import BadOffer, NotLive, Relay, UnknownPeer
from tests.stream.media import Viewer, publisher, until
from tests.stream.test_relay import join, receiving, start_publisher

ROOM = "room1"


@pytest.fixture
async def relay() -> AsyncIterator[Relay]:
    r = Relay()
    r.start()
    yield r
    await r.close()


async def h264_only_viewer() -> tuple[RTCPeerConnection, str]:
    pc = RTCPeerConnection()
    transceiver = pc.addTransceiver("video", direction="recvonly")
    transceiver.setCodecPreferences([c for c in RTCRtpSender.getCapabilities("video").codecs
                                     if c.mimeType == "video/H264"])
    await pc.setLocalDescription(await pc.createOffer())
    return pc, pc.localDescription.sdp


@pytest.mark.parametrize("sdp, reason", [
    (None, "non-empty string"),
    (42, "non-empty string"),
    ("", "non-empty string"),
    ("hello", "v=0"),
    ("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n", "no audio or video"),
    ("v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n", "ICE credentials"),
    ("v=0\r\nm=video port UDP/TLS/RTP/SAVPF 96\r\n", "does not parse"),
    ("v=0\r\n" + "a=x\r\n" * 20000, "longer than"),
])
async def test_garbage_sdp_is_refused(relay: Relay, sdp: object, reason: str) -> None:
    with pytest.raises(BadOffer, match=reason):
        await relay.publish(ROOM, sdp)
    assert relay.rooms() == []


async def test_offers_in_the_wrong_direction_are_refused(relay: Relay) -> None:
    viewer = Viewer()
    with pytest.raises(BadOffer, match="must send"):
        await relay.publish(ROOM, await viewer.offer())
    pub = await start_publisher(relay)
    pub2, offer = await publisher()
    with pytest.raises(BadOffer, match="must receive"):
        await relay.watch(ROOM, offer)
    for pc in (pub, pub2, viewer.pc):
        await pc.close()


async def test_a_viewer_without_vp8_is_told_why(relay: Relay) -> None:
    pub = await start_publisher(relay)
    pc, offer = await h264_only_viewer()
    with pytest.raises(BadOffer, match="VP8"):
        await relay.watch(ROOM, offer)
    stats = relay.stats(ROOM)
    assert stats is not None and stats["viewers"] == 0
    await pc.close()
    await pub.close()


async def test_nothing_to_watch_and_unknown_peers(relay: Relay) -> None:
    viewer = Viewer()
    with pytest.raises(NotLive):
        await relay.watch(ROOM, await viewer.offer())
    with pytest.raises(UnknownPeer):
        await relay.leave(ROOM, "nope")
    with pytest.raises(UnknownPeer):
        relay.keyframe(ROOM, "nope")
    await viewer.close()


async def test_the_relay_keeps_serving_after_bad_input(relay: Relay) -> None:
    for bad in ("garbage", "v=0\r\n"):
        with pytest.raises(BadOffer):
            await relay.publish(ROOM, bad)
    pub = await start_publisher(relay)
    for bad in ("garbage", None):
        with pytest.raises(BadOffer):
            await relay.watch(ROOM, bad)
    viewer, peer = await join(relay)
    with pytest.raises(UnknownPeer):
        await relay.leave("another-room", peer)  # a peer is only known in its room
    await until(lambda: receiving([viewer]), what="frames after bad input")
    await viewer.close()
    await pub.close()
