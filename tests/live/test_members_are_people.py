"""A member is a person, not a row: one person owning several holdings is one
member with one vote, co-owners of a holding vote through one representative
that staff name, and a corrected roster replaces the old one until the record
date, each version committed in the items' manifests."""

from __future__ import annotations

import asyncio
import json
import re
import time
from typing import Any

import socketio

from tests.live.test_meeting import staff
from tests.support import Host, LiveServer, call

ROSTER = """member_no,name,phone,holding
A1,Kim Owner,010-5100-0001,H1
A2,Kim Owner,010-5100-0001,H2
A3,Kim Owner,+82 10-5100-0001,H3
B1,Lee Co,010-5200-0002,H4
C1,Park Co,010-5300-0003,H4
D1,Choi Solo,010-5400-0004,H5
"""


async def import_roster(host: Host, text: str) -> Any:
    r = await host.http.post(f"/api/rooms/{host.room['id']}/roster", content=text,
                             headers={"content-type": "text/csv"})
    assert r.status_code == 200, r.text
    return r.json()["data"]


async def member_phone(live: LiveServer, host: Host, member_no: str, number: str
                       ) -> tuple[socketio.AsyncClient, Any]:
    people = (await host.get("/roster")).json()["data"]["people"]
    invite = next(p for p in people if p["member_no"] == member_no)["invite_url"]
    invite = invite.split("invite=")[1]
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(live.url, namespaces=["/meeting"], transports=["websocket"])
    assert (await call(client, "member:otp", {"invite": invite, "phone": number},
                       "/meeting"))["ok"]
    outbox = (await host.get("/outbox")).json()["data"]
    code = re.search(r"\b(\d{6})\b", outbox[0]["text"]).group(1)  # type: ignore[union-attr]
    ok = await call(client, "member:verify", {"invite": invite, "phone": number, "otp": code},
                    "/meeting")
    assert ok["ok"], ok
    return client, ok["data"]


async def test_one_person_with_three_holdings_is_one_member_with_one_vote(
        live: LiveServer, host: Host) -> None:
    report = await import_roster(host, ROSTER)
    assert (report["imported"], report["persons"], report["members"]) == (6, 4, 3)
    grouped = {tuple(g["member_nos"]): g for g in report["grouped"]}
    assert grouped[("A1", "A2", "A3")]["holdings"] == ["H1", "H2", "H3"]
    assert grouped[("B1", "C1")]["representative"] == "B1"
    assert (await staff(host, "/record-date", {"record_date": "2026-11-01"}))["data"]["n"] == 3
    item = (await host.ballot(kind="yesno", question="Budget", agenda="general"))["id"]
    await staff(host, f"/ballots/{item}/live", {})

    votes = []
    for no in ("A1", "A2"):  # the same person through two invitation links
        phone, _ = await member_phone(live, host, no, "010-5100-0001")
        votes.append(await call(phone, "member:vote", {"ballot": item, "choices": [0],
                                                       "client_key": no}, "/meeting"))
        await phone.disconnect()
        await asyncio.sleep(2.1)  # LIVE_OTP_GAP_S of the test server: one code per 2 s
    tally = await host.tally(item)

    assert votes[0]["data"]["status"] == "new"
    assert votes[1]["error"]["code"] == "already_voted", "the second holding is the same member"
    assert tally["voters"] == 1


async def test_co_owners_vote_through_the_representative_staff_name(
        live: LiveServer, host: Host) -> None:
    await import_roster(host, ROSTER)
    await staff(host, "/record-date", {"record_date": "2026-11-01"})
    item = (await host.ballot(kind="yesno", question="Budget", agenda="general"))["id"]
    await staff(host, f"/ballots/{item}/live", {})
    park, status = await member_phone(live, host, "C1", "010-5300-0003")

    refused = await call(park, "member:vote", {"ballot": item, "choices": [1],
                                               "client_key": "p1"}, "/meeting")
    slip = await host.post("/written", {"member_no": "C1", "ballot": item, "choices": [1]})
    named = await staff(host, "/representative", {"member_no": "C1"})
    allowed = await call(park, "member:vote", {"ballot": item, "choices": [1],
                                               "client_key": "p2"}, "/meeting")
    lee, _ = await member_phone(live, host, "B1", "010-5200-0002")
    lee_refused = await call(lee, "member:vote", {"ballot": item, "choices": [0],
                                                  "client_key": "l1"}, "/meeting")

    assert status["votes"] is False and status["representative"]["name"] == "Lee Co"
    assert refused["error"]["code"] == "not_representative"
    assert "Lee Co" in refused["error"]["message"]
    assert slip.json()["error"]["code"] == "not_representative"
    assert named["data"] == {"member": "H4", "representative": "C1", "name": "Park Co"}
    assert allowed["data"]["status"] == "new"
    assert "Park Co" in lee_refused["error"]["message"]
    assert (await host.tally(item))["voters"] == 1
    await park.disconnect()
    await lee.disconnect()


async def test_a_corrected_roster_removes_rows_and_each_version_is_committed(
        live: LiveServer, host: Host) -> None:
    first = await import_roster(host, ROSTER)
    corrected = await import_roster(host, "\n".join(ROSTER.splitlines()[:-1]) + "\n")
    people = (await host.get("/roster")).json()["data"]["people"]
    frozen = (await staff(host, "/record-date", {"record_date": "2026-11-01"}))["data"]
    again = await host.http.post(f"/api/rooms/{host.room['id']}/roster", content=ROSTER,
                                 headers={"content-type": "text/csv"})
    item = (await host.ballot(kind="yesno", question="Budget", agenda="general"))["id"]
    await staff(host, "/early", {"closes_at": int(time.time() * 1000) + 3_600_000})
    await host.post(f"/ballots/{item}/close")
    manifest = json.loads((await host.get(f"/ballots/{item}/bundle")).json()["bundle"][
        "manifest"])

    assert (first["version"], corrected["version"]) == (1, 2)
    assert "D1" not in {p["member_no"] for p in people}, "the row left out is removed"
    assert frozen["n"] == 2
    assert again.json()["error"]["code"] == "roster_frozen"
    assert manifest["roster_version"] == 2 and len(manifest["roster"]) == 2
    assert re.fullmatch(r"[0-9a-f]{64}", manifest["roster_sha256"])


async def test_a_roster_never_lands_after_the_record_date(live: LiveServer, host: Host) -> None:
    await import_roster(host, ROSTER)
    smaller = "\n".join(ROSTER.splitlines()[:-1]) + "\n"
    raced = await asyncio.gather(
        *[host.http.post(f"/api/rooms/{host.room['id']}/roster", content=smaller,
                         headers={"content-type": "text/csv"}) for _ in range(6)],
        host.post("/record-date", {"record_date": "2026-11-01"}))
    frozen_n = raced[-1].json()["data"]["n"]
    members = {p["member"] for p in (await host.get("/roster")).json()["data"]["people"]}

    assert frozen_n == len(members), "N is the roster that stands at the record date"
    late = await host.http.post(f"/api/rooms/{host.room['id']}/roster", content=ROSTER,
                                headers={"content-type": "text/csv"})
    assert late.json()["error"]["code"] == "roster_frozen"
