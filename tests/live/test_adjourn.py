"""Closing a general meeting (폐회): once, only when no agenda item is still
open; then nothing more starts at it, members cannot ask to speak, a turn under
way ends, everyone hears it, and the minutes keep the time."""

from __future__ import annotations

from typing import Any

from tests.live.test_meeting import meeting  # noqa: F401  (the fixture)
from tests.live.test_speaking import underway
from tests.support import Host, LiveServer, call, eventually


def refused(r: Any, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status and r.json()["error"]["code"] == code, r.text
    return dict(r.json()["error"])


async def test_the_chair_closes_the_meeting_once_no_item_is_open(
        live: LiveServer, host: Host, meeting: Any) -> None:
    items, members = await underway(live, host, meeting)
    heard: list[dict[str, Any]] = []
    try:
        speaker, listener = await members.verify(1), await members.verify(2)
        listener.on("meeting:adjourned", heard.append, namespace="/meeting")
        asked = await call(speaker, "speak:request", {}, "/meeting")
        await host.post("/speak/grant", {"request": asked["data"]["request"]["id"]})

        error = refused(await host.post("/adjourn"), 409, "items_open")
        assert error["items"] == items[0], "the item under way must be closed first"
        await host.close(items[0])
        done = (await host.post("/adjourn")).json()["data"]
        assert done["adjourned_at"] and done["speaking"] is None, "the turn ended with it"
        assert await eventually(lambda: _heard(heard, done["adjourned_at"]))
        again = refused(await host.post("/adjourn"), 409, "meeting_adjourned")
        assert again["adjourned_at"] == done["adjourned_at"]

        refused(await host.post(f"/ballots/{items[1]}/live"), 409, "meeting_adjourned")
        refused(await host.post("/early", {"closes_at": done["adjourned_at"] + 3_600_000}), 409,
                "meeting_adjourned")
        late = await call(listener, "speak:request", {}, "/meeting")
        assert late["error"]["code"] == "meeting_adjourned"
        status = await call(listener, "member:status", {}, "/meeting")
        assert status["data"]["adjourned_at"] == done["adjourned_at"]
    finally:
        await members.close()
    minutes = (await host.get("/minutes")).json()["data"]
    assert int(minutes["meta"]["adjourned_at"]) == done["adjourned_at"]
    spoke = minutes["items"][0]["speakers"]
    assert [(s["member_no"], s["ended_at"] is not None) for s in spoke] == [("M001", True)]


async def _heard(heard: list[dict[str, Any]], at: int) -> bool:
    return any(h.get("adjourned_at") == at for h in heard)


async def test_a_stranger_cannot_close_a_meeting(live: LiveServer, host: Host,
                                                 meeting: Any) -> None:
    other = Host(live.url)
    try:
        await other.create_room(kind="meeting")
        r = await other.http.post(f"/api/rooms/{host.room['id']}/adjourn",
                                  headers={"authorization": f"Bearer {other.key}"})
        assert r.status_code == 403, r.text
    finally:
        await other.aclose()
    assert (await host.post("/adjourn")).status_code == 200, "the stranger closed nothing"
