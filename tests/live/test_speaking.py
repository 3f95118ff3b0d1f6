"""Speaking requests at a general meeting: members ask in order, the chair
grants, declines and ends turns, one member speaks at a time, everyone hears
the queue, and the minutes list who spoke on each item."""

from __future__ import annotations

from typing import Any

from tests.live.test_exports import pdf_text, sheet_rows
from tests.live.test_meeting import Members, meeting  # noqa: F401  (the fixture)
from tests.support import Host, LiveServer, call, eventually


async def started(host: Host, items: list[str]) -> None:
    assert (await host.post("/record-date", {"record_date": "2026-11-01"})).status_code == 200
    assert (await host.post(f"/ballots/{items[0]}/live")).status_code == 200


async def members_of(live: LiveServer, host: Host) -> Members:
    """The meeting's members, each to verify through their own invite link."""
    people = (await host.get("/roster")).json()["data"]["people"]
    return Members(live, host, {p["member_no"]: p["invite_url"].split("invite=", 1)[1]
                                for p in people})


async def underway(live: LiveServer, host: Host, meeting: Any) -> tuple[list[str], Members]:
    """The meeting's first item started; its members, to sign in."""
    _, items = meeting
    await started(host, items)
    return items, await members_of(live, host)


async def chair(host: Host, action: str, request: str = "", status: int = 200) -> Any:
    r = await host.post(f"/speak/{action}", {"request": request} if request else {})
    assert r.status_code == status, r.text
    return r.json()


async def test_members_ask_in_order_and_the_chair_runs_one_turn_at_a_time(
        live: LiveServer, host: Host, meeting: Any) -> None:
    items, members = await underway(live, host, meeting)
    heard: list[dict[str, Any]] = []
    try:
        phones = [await members.verify(i) for i in (1, 2, 3)]
        phones[2].on("speak:queue", heard.append, namespace="/meeting")
        asks = [await call(p, "speak:request", {}, "/meeting") for p in phones]
        assert all(a["ok"] for a in asks), asks
        again = await call(phones[0], "speak:request", {}, "/meeting")
        assert again["data"]["request"]["id"] == asks[0]["data"]["request"]["id"]
        queue = (await host.get("/speak")).json()["data"]
        assert [r["member_no"] for r in queue["queue"]] == ["M001", "M002", "M003"]
        assert queue["speaking"] is None and queue["queue"][0]["ballot"] == items[0]
        ids = [a["data"]["request"]["id"] for a in asks]

        granted = await chair(host, "grant", ids[0])
        assert granted["data"]["speaking"]["member_no"] == "M001"
        busy = await chair(host, "grant", ids[1], 409)
        assert busy["error"]["code"] == "someone_speaking"
        ended = await chair(host, "end")
        assert ended["data"]["request"]["state"] == "ended" and ended["data"]["speaking"] is None
        await chair(host, "grant", ids[1])
        declined = await chair(host, "decline", ids[2])
        assert declined["data"]["request"]["state"] == "declined"
        gone = await call(phones[2], "speak:cancel", {}, "/meeting")
        assert gone["error"]["code"] == "nothing_to_cancel"
        later = await call(phones[0], "speak:request", {}, "/meeting")
        assert later["data"]["request"]["id"] != ids[0]  # a new turn asked for
        assert (await call(phones[0], "speak:cancel", {}, "/meeting"))["data"]["request"][
            "state"] == "cancelled"
        await chair(host, "end", ids[1])
        await eventually(lambda: _heard(heard, "M002"))
    finally:
        await members.close()
    minutes = (await host.get("/minutes")).json()["data"]
    spoke = minutes["items"][0]["speakers"]
    assert [s["member_no"] for s in spoke] == ["M001", "M002"]
    assert all(s["granted_at"] <= s["ended_at"] for s in spoke)
    assert minutes["items"][1]["speakers"] == []
    # the minutes files list them too: item 1, in order, with the times of each turn
    sheet = (await host.get("/minutes.csv")).content.decode("utf-8-sig")
    listed = [row.split(",") for row in sheet.split("발언자", 1)[1].splitlines()[1:3]]
    assert [(row[1], row[2], row[4], row[5]) for row in listed] == [
        ("1", s["member_no"], str(s["granted_at"]), str(s["ended_at"])) for s in spoke]
    book = sheet_rows((await host.get("/minutes.xlsx?lang=en")).content, "Speakers")
    assert [row[1:4] for row in book[1:]] == [[1, "M001", spoke[0]["name"]],
                                              [1, "M002", spoke[1]["name"]]]
    printed = pdf_text((await host.get("/minutes.pdf")).content)
    assert "발언자" in printed and "Speakers" in printed and spoke[1]["name"] in printed


async def test_a_request_of_another_meeting_is_not_found(live: LiveServer, host: Host,
                                                         meeting: Any) -> None:
    imported, items = meeting
    await started(host, items)
    members = await members_of(live, host)
    try:
        asked = await call(await members.verify(1), "speak:request", {}, "/meeting")
    finally:
        await members.close()
    other = Host(live.url)
    try:
        await other.create_room(kind="meeting")
        r = await other.post("/speak/grant", {"request": asked["data"]["request"]["id"]})
        assert r.status_code == 404 and r.json()["error"]["code"] == "request_not_found"
        r = await other.post("/speak/grant", {})
        assert r.status_code == 400 and r.json()["error"]["code"] == "bad_payload"
    finally:
        await other.aclose()


async def _heard(heard: list[dict[str, Any]], member_no: str) -> bool:
    return any((q.get("speaking") or {}).get("member_no") == member_no for q in heard)
