"""With the built-in relay, the server itself takes back what a member's
rights gave: the end of a member's turn to speak ends their broadcast, and a
member a corrected roster leaves out stops watching at once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import socketio
from aiortc import RTCSessionDescription

from tests.stream.media import Viewer, publisher, until
from tests.stream.meeting import (VideoClient, import_roster, member_token, roster, signed_in,
                                  union)
from tests.support import Host, LiveServer, call, eventually


@pytest.fixture
async def chair(live: LiveServer) -> AsyncIterator[Host]:
    host = await union(live.url)
    yield host
    await host.aclose()


@pytest.fixture
async def clients(live: LiveServer) -> AsyncIterator[Any]:
    made: list[Any] = []

    async def video() -> VideoClient:
        made.append(await VideoClient.connect(live.url))
        return made[-1]  # type: ignore[no-any-return]

    async def meeting(token: str) -> socketio.AsyncClient:
        made.append(await signed_in(live.url, token))
        return made[-1]

    yield video, meeting
    for client in made:
        await (client.close() if isinstance(client, VideoClient) else client.disconnect())


async def on_air(console: VideoClient, chair: Host) -> Any:
    """The chair's camera on air through the relay; its peer connection."""
    room = chair.room["id"]
    await console.ok("video:enable", {"room": room, "key": chair.key})
    pc, offer = await publisher()
    answer = await console.ok("video:publish", {"room": room, "key": chair.key, "sdp": offer})
    await pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], "answer"))
    return pc


async def watch(client: VideoClient, room: str, token: str) -> Viewer:
    viewer = Viewer()
    answer = await client.ok("video:watch", {"room": room, "member": token,
                                             "sdp": await viewer.offer()})
    await viewer.accept(answer["sdp"])
    return viewer


async def test_the_end_of_a_members_turn_ends_their_broadcast(
        live: LiveServer, chair: Host, clients: Any) -> None:
    video, meeting = clients
    room = chair.room["id"]
    console = await video()
    await console.ok("video:enable", {"room": room, "key": chair.key})
    speaker, watcher = [await member_token(live.url, chair, i) for i in (1, 2)]
    asked = await call(await meeting(speaker), "speak:request", {}, "/meeting")
    r = await chair.post("/speak/grant", {"request": asked["data"]["request"]["id"]})
    assert r.status_code == 200, r.text

    studio = await video()
    pc, offer = await publisher()
    answer = await studio.ok("video:publish", {"room": room, "member": speaker, "sdp": offer})
    await pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], "answer"))
    member = await video()
    viewer = await watch(member, room, watcher)
    try:
        await until(lambda: viewer.frames["audio"] >= 5, what="the speaker's voice")
        assert (await chair.post("/speak/end", {})).status_code == 200
        await until(lambda: any(not s["live"] for s in member.states), what="video over")
        assert (await console.ok("video:status", {"room": room}))["live"] is False
        again = await studio.call("video:publish", {"room": room, "member": speaker,
                                                    "sdp": (await publisher())[1]})
        assert again["ok"] is False and again["error"]["code"] == "not_speaker"
    finally:
        await viewer.close()
        await pc.close()


async def test_a_chairs_broadcast_outlives_a_turn_it_was_not_replaced_by(
        live: LiveServer, chair: Host, clients: Any) -> None:
    video, meeting = clients
    room = chair.room["id"]
    console = await video()
    pc = await on_air(console, chair)
    try:
        token = await member_token(live.url, chair, 1)
        asked = await call(await meeting(token), "speak:request", {}, "/meeting")
        await chair.post("/speak/grant", {"request": asked["data"]["request"]["id"]})
        assert (await chair.post("/speak/end", {})).status_code == 200
        assert (await console.ok("video:status", {"room": room}))["live"] is True, \
            "the member never went on air: the chair's broadcast goes on"
    finally:
        await pc.close()


async def test_a_member_left_out_of_the_roster_stops_watching(
        live: LiveServer, chair: Host, clients: Any) -> None:
    video, _ = clients
    room = chair.room["id"]
    console = await video()
    pc = await on_air(console, chair)
    stays, goes = [await member_token(live.url, chair, i) for i in (1, 3)]
    kept, removed = await video(), await video()
    viewers = [await watch(kept, room, stays), await watch(removed, room, goes)]
    try:
        await until(lambda: all(v.frames["video"] >= 3 for v in viewers), what="both watch")
        await import_roster(chair, roster(2))  # member 3 is no longer on it
        await until(lambda: any(s.get("removed") for s in removed.states), what="told")
        assert not any(s.get("removed") for s in kept.states)

        async def stopped() -> bool:
            log = (await chair.get("/minutes")).json()["data"]["video_sessions"]
            return {w["member_no"]: w["sessions"][-1]["to"] is not None for w in log} == {
                "M001": False, "M003": True}
        assert await eventually(stopped), "the access log shows member 3 stopped watching"
        refused = await removed.call("video:watch", {"room": room, "member": goes,
                                                     "sdp": await Viewer().offer()})
        assert refused["ok"] is False and refused["error"]["code"] == "video_forbidden"
        before = viewers[0].frames["video"]
        await until(lambda: viewers[0].frames["video"] > before + 3, what="member 1 still sees")
    finally:
        for viewer in viewers:
            await viewer.close()
        await pc.close()


async def test_closing_the_meeting_ends_its_video_for_good(
        live: LiveServer, chair: Host, clients: Any) -> None:
    video, _ = clients
    room = chair.room["id"]
    console = await video()
    pc = await on_air(console, chair)
    member = await video()
    viewer = await watch(member, room, await member_token(live.url, chair, 1))
    try:
        await until(lambda: viewer.frames["video"] >= 3, what="watching")
        assert (await chair.post("/adjourn")).status_code == 200
        await until(lambda: any(not s["enabled"] for s in member.states), what="video off")
        again = await console.call("video:enable", {"room": room, "key": chair.key})
        assert again["ok"] is False and again["error"]["code"] == "meeting_adjourned"
    finally:
        await viewer.close()
        await pc.close()
