"""Video over the real server: `live serve`, Socket.IO signalling on `/video`,
aiortc peers on loopback for media."""

from __future__ import annotations

import asyncio
from typing import Any, AsyncIterator

import pytest
import socketio
from aiortc import RTCSessionDescription

from tests.stream.media import Viewer, publisher, until
from tests.support import Host, LiveServer, call, voter

NS = "/video"


class Member:
    """A Socket.IO client on /video that remembers what the server pushed."""

    def __init__(self, client: socketio.AsyncClient) -> None:
        self.client = client
        self.states: list[dict[str, Any]] = []
        client.on("video:state", self.states.append, namespace=NS)

    async def call(self, event: str, data: Any) -> Any:
        return await self.client.call(event, data, namespace=NS, timeout=20)


@pytest.fixture
async def connect(live: LiveServer) -> AsyncIterator[Any]:
    clients: list[socketio.AsyncClient] = []

    async def make() -> Member:
        client = socketio.AsyncClient(reconnection=False)
        await client.connect(live.url, namespaces=[NS], transports=["websocket"])
        clients.append(client)
        return Member(client)

    yield make
    for client in clients:
        await client.disconnect()


def refused(ack: dict[str, Any], code: str) -> bool:
    return ack["ok"] is False and ack["error"]["code"] == code


async def go_live(member: Member, host: Host, **auth: Any) -> Any:
    pc, offer = await publisher()
    creds = auth or {"key": host.key}
    ack = await member.call("video:publish", {"room": host.room["id"], "sdp": offer, **creds})
    assert ack["ok"], ack
    await pc.setRemoteDescription(RTCSessionDescription(ack["data"]["sdp"], "answer"))
    return pc


async def watch(member: Member, room: str, **extra: Any) -> Viewer:
    viewer = Viewer()
    ack = await member.call("video:watch", {"room": room, "sdp": await viewer.offer(), **extra})
    assert ack["ok"], ack
    assert ack["data"]["role"] == "viewer" and ack["data"]["type"] == "answer"
    await viewer.accept(ack["data"]["sdp"])
    viewer.peer = ack["data"]["peer"]  # type: ignore[attr-defined]
    return viewer


def receiving(viewers: list[Viewer], video: int = 5) -> bool:
    return all(v.frames["video"] >= video and v.frames["audio"] >= 5 for v in viewers)


async def test_host_broadcasts_and_members_watch(host: Host, connect: Any) -> None:
    room = host.room["id"]
    console, members = await connect(), [await connect() for _ in range(3)]
    status = await members[0].call("video:status", {"room": room})
    assert status["ok"] and status["data"]["enabled"] is False and status["data"]["live"] is False
    ack = await console.call("video:enable", {"room": room, "key": host.key})
    assert ack["ok"] and ack["data"]["enabled"] is True
    pc = await go_live(console, host)
    await until(lambda: any(s["live"] for s in members[0].states), what="a live push")
    viewers = [await watch(m, room) for m in members]
    await until(lambda: receiving(viewers), timeout=30, what="frames at every member")
    await pc.close()  # the speaker goes away: every viewer's tracks end
    await until(lambda: all(v.ended.get("video") for v in viewers), timeout=30, what="ends")
    await until(lambda: members[0].states[-1]["live"] is False, what="an over push")
    for v in viewers:
        await v.close()


async def test_video_is_off_until_the_host_turns_it_on(host: Host, connect: Any) -> None:
    member = await connect()
    viewer = Viewer()
    ack = await member.call("video:watch", {"room": host.room["id"],
                                            "sdp": await viewer.offer()})
    assert refused(ack, "video_off"), ack
    pc, offer = await publisher()
    ack = await member.call("video:publish", {"room": host.room["id"], "key": host.key,
                                              "sdp": offer})
    assert refused(ack, "video_off"), ack
    await viewer.close()
    await pc.close()


async def test_bad_signalling_gets_clear_errors_and_video_goes_on(
        host: Host, live: LiveServer, connect: Any) -> None:
    room = host.room["id"]
    console, member = await connect(), await connect()
    assert (await console.call("video:enable", {"room": room, "key": host.key}))["ok"]
    other = Host(live.url)
    await other.create_room("Another room")
    pc, offer = await publisher()
    cases: list[tuple[str, Any, str]] = [
        ("video:publish", {"room": room, "key": host.key, "sdp": "garbage"}, "bad_sdp"),
        ("video:publish", {"room": room, "key": host.key}, "bad_sdp"),
        ("video:publish", {"room": room, "sdp": offer}, "not_speaker"),  # a viewer publishing
        ("video:publish", {"room": room, "key": "wrong", "sdp": offer}, "not_host"),
        ("video:publish", {"room": other.room["id"], "key": host.key, "sdp": offer}, "not_host"),
        ("video:publish", {"room": "nope", "sdp": offer}, "room_not_found"),
        ("video:watch", {"room": room, "sdp": offer}, "video_not_live"),
        ("video:watch", "not an object", "bad_payload"),
        ("video:keyframe", {"room": room, "peer": "nope"}, "video_peer_not_found"),
        ("video:nonsense", {}, "unknown_event"),
    ]
    for event, data, code in cases:
        ack = await member.call(event, data)
        assert refused(ack, code), (event, ack)
    await pc.close()
    speaker = await console.call("video:speaker", {"room": other.room["id"], "key": other.key})
    pc, offer = await publisher()  # a speaker key of another room
    ack = await member.call("video:publish", {"room": room, "speaker": speaker["data"]["speaker"],
                                              "sdp": offer})
    assert refused(ack, "not_speaker"), ack
    await pc.close()
    live_pc = await go_live(console, host)
    viewer = await watch(member, room)
    ack = await member.call("video:watch", {"room": room, "sdp": "v=0\r\nbroken"})
    assert refused(ack, "bad_sdp"), ack
    ack = await member.call("video:keyframe", {"room": other.room["id"], "peer": viewer.peer})
    assert refused(ack, "video_peer_not_found"), ack  # a peer of this room, asked for another
    await until(lambda: receiving([viewer]), timeout=30, what="frames after bad input")
    assert (await member.call("video:keyframe", {"room": room, "peer": viewer.peer}))["ok"]
    await viewer.close()
    await live_pc.close()
    await other.aclose()


async def test_host_switches_the_speaker(host: Host, connect: Any) -> None:
    room = host.room["id"]
    console, first, second, member = [await connect() for _ in range(4)]
    assert (await console.call("video:enable", {"room": room, "key": host.key}))["ok"]
    one = await console.call("video:speaker", {"room": room, "key": host.key})
    assert one["ok"] and "#room=" in one["data"]["url"]
    first_pc = await go_live(first, host, speaker=one["data"]["speaker"])
    viewer = await watch(member, room)
    await until(lambda: receiving([viewer]), timeout=30, what="the first speaker")
    two = await console.call("video:speaker", {"room": room, "key": host.key})
    pc, offer = await publisher()
    ack = await first.call("video:publish", {"room": room, "speaker": one["data"]["speaker"],
                                             "sdp": offer})
    assert refused(ack, "not_speaker"), ack  # the old link stopped working
    await pc.close()
    second_pc = await go_live(second, host, speaker=two["data"]["speaker"])
    before = viewer.frames["video"]
    await until(lambda: viewer.frames["video"] >= before + 15, timeout=30, what="the second")
    assert viewer.pc.connectionState == "connected"  # no reconnect for the audience
    await viewer.close()
    for pc in (first_pc, second_pc):
        await pc.close()


async def test_a_gated_room_needs_the_admission_pass(host: Host, live: LiveServer,
                                                     connect: Any) -> None:
    room = host.room["id"]
    r = await host.http.put(f"/api/rooms/{room}/gates", json={"pin": "2468"})
    assert r.status_code == 200, r.text
    console, member = await connect(), await connect()
    assert (await console.call("video:enable", {"room": room, "key": host.key}))["ok"]
    pc = await go_live(console, host)
    viewer = Viewer()
    ack = await member.call("video:watch", {"room": room, "sdp": await viewer.offer()})
    assert refused(ack, "pass_required"), ack
    await viewer.close()
    phone, joined = await voter(live.url, room=room)
    admitted = await call(phone, "gate:admit", {"pin": "2468"})
    assert admitted["ok"] and admitted["data"]["pass"], admitted
    seen = await watch(member, room, device=joined["device"], **{"pass": admitted["data"]["pass"]})
    await until(lambda: receiving([seen]), timeout=30, what="frames for an admitted member")
    await seen.close()
    await pc.close()
    await phone.disconnect()


async def test_a_speaker_who_disconnects_ends_the_broadcast(host: Host, connect: Any) -> None:
    room = host.room["id"]
    console, member = await connect(), await connect()
    assert (await console.call("video:enable", {"room": room, "key": host.key}))["ok"]
    pc = await go_live(console, host)
    viewer = await watch(member, room)
    await until(lambda: receiving([viewer]), timeout=30, what="frames")
    await console.client.disconnect()
    await until(lambda: viewer.ended.get("video") is True, timeout=30, what="tracks to end")
    await until(lambda: bool(member.states) and member.states[-1]["live"] is False,
                what="an over push")
    await viewer.close()
    await pc.close()
    await asyncio.sleep(0)


async def test_another_rooms_keys_passes_and_peers_reach_nothing(
        host: Host, live: LiveServer, connect: Any) -> None:
    """The video namespace with another room's ids: the thief's host key,
    speaker key, admission pass and the victim's peer ids from another socket."""
    victim = host.room["id"]
    assert (await host.http.put(f"/api/rooms/{victim}/gates", json={"pin": "2468"})).status_code == 200
    thief = Host(live.url)
    await thief.create_room()
    thief_room = thief.room["id"]
    console, stranger = await connect(), await connect()
    assert (await console.call("video:enable", {"room": victim, "key": host.key}))["ok"]
    pc = await go_live(console, host)
    speaker = (await stranger.call("video:speaker", {"room": thief_room, "key": thief.key}))
    phone, joined = await voter(live.url, room=thief_room)  # a phone of the thief's room
    pass_elsewhere = joined["pass"]
    offer = await Viewer().offer()
    publisher_peer = (await console.call("video:status", {"room": victim}))["data"]

    answers = {
        "enable": await stranger.call("video:enable", {"room": victim, "key": thief.key}),
        "speaker": await stranger.call("video:speaker", {"room": victim, "key": thief.key}),
        "publish": await stranger.call("video:publish", {
            "room": victim, "sdp": offer, "speaker": speaker["data"]["speaker"]}),
        "watch": await stranger.call("video:watch", {
            "room": victim, "sdp": offer, "device": joined["device"], "pass": pass_elsewhere}),
        "keyframe": await stranger.call("video:keyframe", {"room": victim, "peer": "p" * 12}),
        "leave": await stranger.call("video:leave", {"room": victim, "peer": "p" * 12}),
    }

    assert answers["enable"]["error"]["code"] == "not_host"
    assert answers["speaker"]["error"]["code"] == "not_host"
    assert answers["publish"]["error"]["code"] == "not_speaker"
    assert answers["watch"]["error"]["code"] in ("pass_invalid", "pass_required")
    assert all(not a["ok"] for a in answers.values()), answers
    assert publisher_peer["live"] is True, "the victim's broadcast goes on"
    await pc.close()
    await phone.disconnect()
    await thief.aclose()
