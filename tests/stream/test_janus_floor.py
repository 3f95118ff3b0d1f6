"""A member the chair gave the floor (발언 신청) publishes into the meeting's
VideoRoom through a real Janus for that turn only, and a member who watched
is in the meeting's access log with the minutes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import socketio

from stream.janus import JanusAdmin
from tests.stream.janus_server import JanusProcess
from tests.stream.meeting import VideoClient, member_token, signed_in
from tests.stream.test_janus import (UNAUTHORIZED, Peers, admin, chair, janus_refuses,  # noqa: F401
                                     loopback_ice, on_air, peers, refused, sockets)
from tests.support import Host, LiveServer, call, eventually


@pytest.fixture
async def meeting_socket(janus_live: LiveServer) -> AsyncIterator[Any]:
    made: list[socketio.AsyncClient] = []

    async def resumed(token: str) -> socketio.AsyncClient:
        made.append(await signed_in(janus_live.url, token))
        return made[-1]

    yield resumed
    for client in made:
        await client.disconnect()


async def test_the_granted_member_publishes_for_their_turn_only(
        janus_live: LiveServer, janus: JanusProcess, admin: JanusAdmin,  # noqa: F811
        chair: Host, sockets: Any, peers: Peers, meeting_socket: Any) -> None:  # noqa: F811
    room = chair.room["id"]
    console, studio = await sockets(), await sockets()
    await on_air(console, chair, peers)
    token = await member_token(janus_live.url, chair, 1)
    phone = await meeting_socket(token)
    asked = await call(phone, "speak:request", {}, "/meeting")
    assert refused(await studio.call("video:publish", {"room": room, "member": token}),
                   "not_speaker"), "waiting in the queue is not the floor"

    r = await chair.post("/speak/grant", {"request": asked["data"]["request"]["id"]})
    assert r.status_code == 200, r.text
    granted = (await studio.ok("video:publish", {"room": room, "member": token}))["janus"]
    await peers.broadcast(granted)
    state = await studio.ok("video:live", {"room": room, "member": token})
    assert len(state["feeds"]) == 2, "the chair and the member both on air"
    other = await member_token(janus_live.url, chair, 2)
    assert refused(await studio.call("video:publish", {"room": room, "member": other}),
                   "not_speaker")

    assert (await chair.post("/speak/end", {})).status_code == 200
    assert granted["join_token"] not in await admin.tokens()
    assert await janus_refuses(janus, granted["join_token"]) == UNAUTHORIZED
    assert refused(await studio.call("video:publish", {"room": room, "member": token}),
                   "not_speaker")

    async def one_feed() -> bool:
        return len((await console.ok("video:status", {"room": room}))["feeds"]) == 1
    assert await eventually(one_feed, timeout=15), "the member's broadcast ended with the turn"


async def test_a_member_who_watched_is_in_the_access_log(
        janus_live: LiveServer, chair: Host, sockets: Any, peers: Peers) -> None:  # noqa: F811
    room = chair.room["id"]
    early = await chair.ballot(kind="yesno", question="Budget", rule="general")
    item = await chair.ballot(kind="yesno", question="Plan", rule="general")
    assert (await chair.post("/record-date", {"record_date": "2026-11-01"})).status_code == 200
    assert (await chair.post(f"/ballots/{item['id']}/live")).status_code == 200
    await on_air(await sockets(), chair, peers)
    token = await member_token(janus_live.url, chair, 1)
    viewer = await VideoClient.connect(janus_live.url)
    await viewer.ok("video:watch", {"room": room, "member": token})
    await viewer.ok("video:watch", {"room": room, "member": token})  # watching again: one session

    async def sessions() -> list[dict[str, Any]]:
        listed: list[dict[str, Any]] = (await chair.get("/minutes")).json()["data"][
            "video_sessions"]
        return listed
    watching = await sessions()
    assert [(w["member_no"], len(w["sessions"])) for w in watching] == [("M001", 1)]
    assert watching[0]["sessions"][0]["to"] is None and watching[0]["name"]
    await viewer.close()

    async def stopped() -> list[dict[str, Any]]:
        listed = await sessions()
        return listed if listed[0]["sessions"][0]["to"] else []
    session = (await eventually(stopped))[0]["sessions"][0]
    assert session["from"] % 60_000 == 0 and session["from"] <= session["to"]

    items = {i["ballot"]: i for i in (await chair.get("/minutes")).json()["data"]["items"]}
    assert [(w["member_no"], w["to"]) for w in items[item["id"]]["watchers"]] == [
        ("M001", session["to"])], "watched while the item was before the meeting"
    assert items[early["id"]]["watchers"] == [], "never started at the meeting"
    sheet = (await chair.get("/minutes.csv")).content.decode("utf-8-sig")
    log = sheet.split("영상 접속 기록", 1)[1].splitlines()
    assert log[1].split(",")[1:] == ["M001", "Member 1", str(session["from"]),
                                     str(session["to"]), "2"], "the item watched is item 2"


async def test_closing_the_meeting_takes_back_every_janus_token(
        janus_live: LiveServer, janus: JanusProcess, admin: JanusAdmin,  # noqa: F811
        chair: Host, sockets: Any, peers: Peers) -> None:  # noqa: F811
    room = chair.room["id"]
    console = await sockets()
    await on_air(console, chair, peers)
    member = await sockets()
    token = await member_token(janus_live.url, chair, 1)
    granted = (await member.ok("video:watch", {"room": room, "member": token}))["janus"]
    assert await janus_refuses(janus, granted["token"]) == 0
    assert (await chair.post("/adjourn")).status_code == 200
    assert await janus_refuses(janus, granted["token"]) == UNAUTHORIZED
    assert granted["token"] not in await admin.tokens()
    await eventually(lambda: _told_off(member))
    assert refused(await member.call("video:watch", {"room": room, "member": token}),
                   "video_off")
    assert refused(await console.call("video:enable", {"room": room, "key": chair.key}),
                   "meeting_adjourned")


async def _told_off(client: VideoClient) -> bool:
    return any(not s["enabled"] for s in client.states)
