"""Advance voting closes on time, and a dropped phone keeps its attendance for
the reconnect grace but not longer."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from tests.live.test_meeting import YES, Members, staff
from tests.support import MEMBER_GRACE_MS, Host, LiveServer, call, voter


async def small_meeting(host: Host, members: int = 4) -> str:
    csv = "member_no,name,phone,holding\n" + "".join(
        f"M{i:03d},Member {i},010-5{i:03d}-{i:04d},H{i:03d}\n" for i in range(1, members + 1))
    await host.http.post(f"/api/rooms/{host.room['id']}/roster", content=csv,
                         headers={"content-type": "text/csv"})
    await staff(host, "/record-date", {"record_date": "2026-11-01"})
    item = await host.ballot(kind="yesno", question="Budget", rule="general", allow_change=True)
    return str(item["id"])


async def invites(host: Host) -> dict[str, str]:
    people = (await host.get("/roster")).json()["data"]["people"]
    return {p["member_no"]: p["invite_url"].split("invite=")[1] for p in people}


async def test_advance_voting_closes_at_its_set_time(live: LiveServer, host: Host) -> None:
    item = await small_meeting(host)
    await staff(host, "/early", {"closes_at": int(time.time() * 1000) + 1500})
    members = Members(live, host, await invites(host))
    await members.verify(1)
    await members.verify(2)

    early = await members.vote(1, item, YES)
    await asyncio.sleep(1.6)
    late = await members.vote(2, item, YES)
    await staff(host, f"/ballots/{item}/live", {})
    at_meeting = await members.vote(2, item, YES)

    assert early["ok"] and late["error"]["code"] == "early_closed"
    assert at_meeting["data"]["status"] == "new"
    status = (await staff(host, f"/ballots/{item}/close", {}))["data"]["record"]["meeting"]
    assert status["by_mode"] == {"early": 1, "live": 1}
    await members.close()


async def test_a_dropped_phone_keeps_attendance_only_for_the_grace(live: LiveServer,
                                                                   host: Host) -> None:
    item = await small_meeting(host)
    members = Members(live, host, await invites(host))
    for i in (1, 2):
        await members.verify(i)
    await members.leave(1)  # drops, and comes back within the grace
    await members.resume(1)
    await members.leave(2)  # drops for good
    await asyncio.sleep(MEMBER_GRACE_MS / 1000 + 0.3)

    await staff(host, f"/ballots/{item}/live", {})
    gauge = (await host.get(f"/ballots/{item}/quorum")).json()["data"]

    assert (gauge["n"], gauge["d"], gauge["a"]) == (4, 1, 1)
    assert gauge["needs_attendance"] == 2
    await members.close()


async def test_agenda_items_are_not_open_to_anonymous_phones(live: LiveServer,
                                                             host: Host) -> None:
    item = await small_meeting(host)
    await staff(host, f"/ballots/{item}/live", {})
    stranger, _ = await voter(live.url, code=host.room["code"])

    ack = await call(stranger, "vote:cast", {"ballot": item, "choices": YES, "client_key": "k"})

    assert ack["error"]["code"] == "members_only"
    assert (await host.tally(item))["voters"] == 0
    await stranger.disconnect()


async def test_a_phone_that_dropped_just_before_the_item_and_never_came_back_is_absent(
        live: LiveServer, host: Host) -> None:
    item = await small_meeting(host)
    members = Members(live, host, await invites(host))
    for i in (1, 2):
        await members.verify(i)
    await members.leave(2)  # a second before the item starts, inside the grace

    await staff(host, f"/ballots/{item}/live", {})
    gauge = (await host.get(f"/ballots/{item}/quorum")).json()["data"]

    assert (gauge["d"], gauge["a"]) == (1, 1), "the grace covers only those there at the start"
    await members.close()


async def test_starting_an_item_twice_keeps_its_window(live: LiveServer, host: Host) -> None:
    item = await small_meeting(host)
    members = Members(live, host, await invites(host))
    for i in (1, 2, 3):
        await members.verify(i)
    first = (await staff(host, f"/ballots/{item}/live", {}))["data"]
    await members.leave(3)  # walks out while the item is live
    await asyncio.sleep(MEMBER_GRACE_MS / 1000 + 0.3)
    again = (await staff(host, f"/ballots/{item}/live", {}))["data"]
    gauge = (await host.get(f"/ballots/{item}/quorum")).json()["data"]
    closed = (await staff(host, f"/ballots/{item}/close", {}))["data"]["record"]["meeting"]

    assert again["opened_at"] == first["opened_at"]
    assert (gauge["d"], gauge["a"]) == (3, 3), "present while it was live: still counted"
    assert (closed["d"], closed["a"]) == (3, 3)
    await members.close()


async def articles_meeting(host: Host, rule: dict[str, object] | None) -> dict[str, object]:
    """31 members; 6 in the hall (not voting) and 10 written resolutions, all yes."""
    csv = "member_no,name,phone,holding\n" + "".join(
        f"M{i:03d},Member {i},010-5{i:03d}-{i:04d},H{i:03d}\n" for i in range(1, 32))
    await host.http.post(f"/api/rooms/{host.room['id']}/roster", content=csv,
                         headers={"content-type": "text/csv"})
    await staff(host, "/record-date", {"record_date": "2026-11-01"})
    spec: dict[str, object] = {"kind": "yesno", "question": "Change article 12",
                               "agenda": "articles"}
    if rule:
        spec["rule"] = rule
    item = str((await host.ballot(**spec))["id"])
    await staff(host, f"/ballots/{item}/live", {})
    for i in range(1, 7):
        await staff(host, "/attendance", {"member_no": f"M{i:03d}", "mode": "in_person"})
    for i in range(7, 17):
        await staff(host, "/written", {"member_no": f"M{i:03d}", "ballot": item,
                                       "choices": YES})
    return dict((await staff(host, f"/ballots/{item}/close", {}))["data"]["record"])


async def test_an_articles_change_needs_ten_percent_in_the_hall(live: LiveServer,
                                                                host: Host) -> None:
    record = await articles_meeting(host, None)
    m = record["meeting"]
    assert (m["n"], m["d"], m["a"]) == (31, 6, 16)
    assert m["rule"]["agenda"] == "articles" and m["rule"]["direct_min_pct"] == 10
    # Quorum met (6 of 31 in the hall is 10 % or more); 10 yes is not a majority of all.
    assert m["outcome"] == "FAILED" and "under all" in m["reasons"][0], m["reasons"]


async def test_an_override_of_the_agenda_rule_is_explicit_and_in_the_manifest(
        live: LiveServer, host: Host) -> None:
    record = await articles_meeting(host, {"direct_min_pct": 20})
    m = record["meeting"]
    assert m["outcome"] == "QUORUM_NOT_MET" and m["rule"]["overridden"] == ["direct_min_pct"]
    bundle = (await host.get(f"/ballots/{record['ballot']}/bundle")).json()["bundle"]
    manifest = __import__("json").loads(bundle["manifest"])
    assert manifest["rule"]["agenda"] == "articles"
    assert manifest["rule"]["overridden"] == ["direct_min_pct"]


async def run_election(live: LiveServer, host: Host, votes: list[list[int]],
                       seats: int = 1) -> tuple[Any, str]:
    """An election among three candidates for `seats`; member i votes votes[i-1]."""
    await small_meeting(host, members=len(votes))
    kind = {"kind": "multiple", "max_choices": seats} if seats > 1 else {}
    item = (await host.ballot(question="Board", options=["Kim", "Lee", "Park"],
                              agenda="election", **kind))["id"]
    members = Members(live, host, await invites(host))
    for i in range(1, len(votes) + 1):
        await members.verify(i)
    await staff(host, f"/ballots/{item}/live", {})
    for i, choices in enumerate(votes, 1):
        assert (await members.vote(i, item, choices))["ok"]
    record = (await staff(host, f"/ballots/{item}/close", {}))["data"]["record"]
    await members.close()
    return record, item


async def test_an_item_with_candidates_is_an_election(live: LiveServer, host: Host) -> None:
    record, item = await run_election(live, host, [[1], [1], [1], [1], [0], [2]])
    m = record["meeting"]

    assert (m["outcome"], m["elected"], m["tied"], m["seats"]) == ("PASSED", [1], [], 1)
    doc = (await host.get(f"/ballots/{item}/bundle")).json()
    from live.verify import verify
    assert verify(doc) == []
    assert doc["bundle"]["outcome"]["winners"] == [1], "the plurality field agrees"
    refused = await host.post(f"/ballots/{item}/runoff")
    assert refused.json()["error"]["code"] == "no_runoff_needed"


async def test_an_even_split_elects_nobody_and_goes_to_a_runoff(live: LiveServer,
                                                                host: Host) -> None:
    record, item = await run_election(live, host, [[0], [0], [0], [2], [2], [2]])
    m = record["meeting"]
    runoff = await host.post(f"/ballots/{item}/runoff")

    # 3 of A = 6 is not more than half: nobody is elected, and the reason says who led.
    assert (m["outcome"], m["elected"], m["tied"]) == ("FAILED", [], []), m
    assert "most votes: [0, 2] with 3" in m["reasons"][0]
    assert runoff.status_code == 201, runoff.text
    made = runoff.json()["data"]
    assert made["options"] == ["Kim", "Park"] and made["rule"]["agenda"] == "election"
    doc = (await host.get(f"/ballots/{item}/bundle")).json()
    from live.verify import verify
    assert verify(doc) == []


async def test_a_tie_for_the_last_seat_is_reported_as_a_tie(live: LiveServer,
                                                            host: Host) -> None:
    record, item = await run_election(
        live, host, [[0, 1], [0, 1], [1, 2], [1, 2], [0, 2], [0, 2]], seats=2)
    m = record["meeting"]
    runoff = (await host.post(f"/ballots/{item}/runoff")).json()["data"]

    # 4 votes each, every one past the threshold (8 > 6), three for two seats.
    assert (m["outcome"], m["elected"], m["tied"]) == ("TIE", [], [0, 1, 2]), m
    assert runoff["options"] == ["Kim", "Lee", "Park"]
    from live.verify import verify
    assert verify((await host.get(f"/ballots/{item}/bundle")).json()) == []
