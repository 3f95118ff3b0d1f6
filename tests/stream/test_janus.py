"""Large-meeting video through a real Janus (LIVE_VIDEO=janus): `live serve`
grants and takes back Janus tokens, aiortc peers publish and watch through
Janus the way the page does (one session each, the grant's token)."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from stream.janus import JanusAdmin
from stream.janusclient import Grant, publish, subscribe
from tests.stream.conftest import ICE_SERVERS
from tests.stream.janus_server import JanusProcess
from tests.stream.media import ColorTrack, ToneTrack, Viewer, until
from tests.stream.meeting import VideoClient, import_roster, member_token, roster, union
from tests.support import Host, LiveServer

UNAUTHORIZED = 403  # Janus: a request without a valid token
NOT_ALLOWED = 433  # VideoRoom: a publisher not on the room's list


@pytest.fixture(autouse=True)
def loopback_ice() -> Iterator[None]:
    """Not loopback here: Janus never offers loopback candidates, so aiortc
    offers this machine's own address (packets still stay on the machine)."""
    yield


@pytest.fixture
async def admin(janus: JanusProcess) -> AsyncIterator[JanusAdmin]:
    client = JanusAdmin(janus.admin_url, janus.admin_secret, janus.room_key)
    yield client
    await client.aclose()


@pytest.fixture
async def chair(janus_live: LiveServer, redis_client: Any) -> AsyncIterator[Host]:
    host = await union(janus_live.url)
    yield host
    await host.aclose()


@pytest.fixture
async def sockets(janus_live: LiveServer) -> AsyncIterator[Any]:
    made: list[VideoClient] = []

    async def connect(url: str = janus_live.url) -> VideoClient:
        made.append(await VideoClient.connect(url))
        return made[-1]

    yield connect
    for client in made:
        await client.close()


class Peers:
    """Janus sessions and peer connections a test opened, closed after it."""

    def __init__(self) -> None:
        self.closing: list[Any] = []

    async def broadcast(self, grant: dict[str, Any]) -> None:
        session, pc = await publish(Grant.of(grant), [ToneTrack(), ColorTrack()])
        self.closing += [session, pc]

    async def watch(self, grant: dict[str, Any]) -> Viewer:
        viewer = Viewer()
        self.closing += [viewer, await subscribe(Grant.of(grant), viewer.pc)]
        return viewer


@pytest.fixture
async def peers() -> AsyncIterator[Peers]:
    made = Peers()
    yield made
    for thing in reversed(made.closing):
        await thing.close()


def refused(ack: dict[str, Any], code: str) -> bool:
    return ack["ok"] is False and ack["error"]["code"] == code


async def on_air(console: VideoClient, host: Host, peers: Peers) -> None:
    room = host.room["id"]
    assert (await console.ok("video:enable", {"room": room, "key": host.key}))["enabled"]
    granted = await console.ok("video:publish", {"room": room, "key": host.key})
    assert granted["role"] == "publisher" and granted["janus"]["join_token"]
    await peers.broadcast(granted["janus"])
    assert (await console.ok("video:live", {"room": room, "key": host.key}))["live"] is True


async def janus_refuses(janus: JanusProcess, token: str) -> int:
    """The Janus error code for opening a session with this token (0: allowed)."""
    async with httpx.AsyncClient() as http:
        reply = await http.post(janus.url, json={"janus": "create", "transaction": "t",
                                                 "token": token})
    return int(reply.json().get("error", {}).get("code", 0))


async def test_a_member_watches_the_chair_through_janus(
        janus_live: LiveServer, chair: Host, sockets: Any, peers: Peers) -> None:
    room = chair.room["id"]
    console, member = await sockets(), await sockets()
    status = await member.ok("video:status", {"room": room})
    assert status["mode"] == "janus" and status["enabled"] is False
    assert status["ice_servers"] == json.loads(ICE_SERVERS)  # LIVE_ICE_SERVERS
    await on_air(console, chair, peers)
    await until(lambda: any(s["live"] for s in member.states), what="a live push")
    token = await member_token(janus_live.url, chair, 1)
    granted = await member.ok("video:watch", {"room": room, "member": token})
    assert granted["role"] == "viewer" and "join_token" not in granted["janus"]
    assert granted["janus"]["feeds"], "the grant names the chair's feed"
    viewer = await peers.watch(granted["janus"])
    await until(lambda: viewer.frames["video"] >= 10 and viewer.frames["audio"] >= 10,
                timeout=30, what="the chair's frames through Janus")


async def test_a_viewer_without_a_member_token_is_refused(
        janus_live: LiveServer, janus: JanusProcess, chair: Host, sockets: Any,
        peers: Peers) -> None:
    room = chair.room["id"]
    console, stranger = await sockets(), await sockets()
    await on_air(console, chair, peers)
    other = await union(janus_live.url, prefix="X")
    elsewhere = await member_token(janus_live.url, other, 1, prefix="X")
    for body in ({"room": room}, {"room": room, "member": "forged"},
                 {"room": room, "member": elsewhere}):
        assert refused(await stranger.call("video:watch", body), "video_forbidden"), body
    assert refused(await stranger.call("video:publish", {"room": room, "speaker": "guess"}),
                   "not_speaker")
    assert await janus_refuses(janus, "") == UNAUTHORIZED
    assert await janus_refuses(janus, "lv1.made.up") == UNAUTHORIZED
    # A member's own token watches, but is not on the room's list of publishers.
    token = await member_token(janus_live.url, chair, 2)
    granted = (await stranger.ok("video:watch", {"room": room, "member": token}))["janus"]
    with pytest.raises(Exception) as caught:
        await peers.broadcast(granted | {"join_token": granted["token"]})
    assert getattr(caught.value, "code", None) == NOT_ALLOWED
    await other.aclose()


async def test_the_tokens_end_with_the_meetings_video(
        janus_live: LiveServer, janus: JanusProcess, admin: JanusAdmin, chair: Host,
        sockets: Any, peers: Peers) -> None:
    room = chair.room["id"]
    console, member = await sockets(), await sockets()
    await on_air(console, chair, peers)
    token = await member_token(janus_live.url, chair, 1)
    granted = (await member.ok("video:watch", {"room": room, "member": token}))["janus"]
    viewer = await peers.watch(granted)
    await until(lambda: viewer.frames["video"] >= 5, timeout=30, what="frames")
    assert await janus_refuses(janus, granted["token"]) == 0
    off = await console.ok("video:enable", {"room": room, "key": chair.key, "on": False})
    assert off["enabled"] is False and off["live"] is False
    await until(lambda: viewer.ended.get("video") is True, timeout=30, what="the member's end")
    assert await janus_refuses(janus, granted["token"]) == UNAUTHORIZED
    assert not [t for t in await admin.tokens() if t.startswith(granted["token"][:21])]
    await until(lambda: member.states and member.states[-1]["enabled"] is False,
                what="an off push")
    assert refused(await member.call("video:watch", {"room": room, "member": token}),
                   "video_off")


async def test_a_member_removed_from_the_roster_loses_the_video(
        janus_live: LiveServer, janus: JanusProcess, chair: Host, sockets: Any,
        peers: Peers) -> None:
    room = chair.room["id"]
    console, member, neighbour = await sockets(), await sockets(), await sockets()
    await on_air(console, chair, peers)
    token = await member_token(janus_live.url, chair, 3)
    kept = await member_token(janus_live.url, chair, 1)
    granted = (await member.ok("video:watch", {"room": room, "member": token}))["janus"]
    viewer = await peers.watch(granted)
    stays = await peers.watch((await neighbour.ok("video:watch", {"room": room,
                                                                  "member": kept}))["janus"])
    await until(lambda: viewer.frames["video"] >= 5, timeout=30, what="frames")
    await import_roster(chair, roster(2))  # a corrected roster without M003
    await until(lambda: viewer.ended.get("video") is True, timeout=30, what="M003's end")
    assert await janus_refuses(janus, granted["token"]) == UNAUTHORIZED
    assert refused(await member.call("video:watch", {"room": room, "member": token}),
                   "video_forbidden")
    before = stays.frames["video"]
    await until(lambda: stays.frames["video"] > before + 5, timeout=30, what="M001 goes on")


async def test_the_speaker_link_grants_publishing_and_the_next_one_ends_it(
        janus_live: LiveServer, chair: Host, sockets: Any, peers: Peers) -> None:
    room = chair.room["id"]
    console, speaker = await sockets(), await sockets()
    assert (await console.ok("video:enable", {"room": room, "key": chair.key}))["enabled"]
    first = await console.ok("video:speaker", {"room": room, "key": chair.key})
    assert f"#room={room}&speaker=" in first["url"]
    granted = await speaker.ok("video:publish", {"room": room, "speaker": first["speaker"]})
    await peers.broadcast(granted["janus"])
    assert (await speaker.ok("video:live", {"room": room, "speaker": first["speaker"]}))["live"]
    await console.ok("video:speaker", {"room": room, "key": chair.key})
    assert refused(await speaker.call("video:publish", {"room": room,
                                                        "speaker": first["speaker"]}),
                   "not_speaker")
    state = await console.ok("video:live", {"room": room, "key": chair.key})
    assert state["live"] is False, "the previous speaker's broadcast ended with their token"


@pytest.fixture
def two_workers(redis_url: str, janus: JanusProcess, tmp_path: Path) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path / "data", redis_url=redis_url, env=janus.env(), workers=2)
    yield server
    server.stop()


async def test_video_works_with_two_workers(
        two_workers: LiveServer, redis_client: Any, sockets: Any, peers: Peers) -> None:
    url = two_workers.url
    chair = await union(url)
    room = chair.room["id"]
    clients: dict[str, VideoClient] = {}
    deadline = time.monotonic() + 60  # the second worker may still be starting (a loaded CI box)
    while len(clients) < 2 and time.monotonic() < deadline:
        client = await sockets(url)  # connections land on either worker
        worker = (await client.ok("video:status", {"room": room}))["worker"]
        if worker in clients:
            await client.close()
        clients.setdefault(worker, client)
    assert len(clients) == 2, "every connection went to one worker"
    (one, console), (other, member) = clients.items()
    await on_air(console, chair, peers)
    await until(lambda: any(s["live"] for s in member.states), what="a push from the other")
    token = await member_token(url, chair, 1)
    granted = await member.ok("video:watch", {"room": room, "member": token})
    viewer = await peers.watch(granted["janus"])
    await until(lambda: viewer.frames["video"] >= 10, timeout=30,
                what=f"frames for a member on worker {other}, the chair on {one}")
    off = await member.call("video:enable", {"room": room, "key": chair.key, "on": False})
    assert off["ok"] and off["data"]["worker"] == other
    await until(lambda: viewer.ended.get("video") is True, timeout=30, what="the end")
    await chair.aclose()

