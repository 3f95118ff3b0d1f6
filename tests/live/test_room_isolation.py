"""Each room's data is that room's alone. The host of another room (anyone can
create one), a phone joined there, or a verified member of another meeting
tries every entry point with the victim union's ids (listed to anyone who
joins by its code): each is refused as not found, nothing in the victim's
ballots moves, and a withdrawal that names someone off the committed roster
is a finding of `live verify`."""

from __future__ import annotations

import copy
import json
import re
import time
from typing import Any

import pytest
import socketio

from live.verify import verify
from rooms.ledger.chain import entry, entry_hash
from tests.support import Host, LiveServer, call, voter

NOT_FOUND = {"ballot_not_found", "item_not_found", "member_not_found"}


def roster(prefix: str, n: int, phone_base: int) -> str:
    rows = ["member_no,name,phone,holding,weight"]
    rows += [f"{prefix}{i:03d},Member {i},010-{phone_base + i:04d}-{i:04d},{prefix}H{i:03d},"
             for i in range(1, n + 1)]
    return "\n".join(rows) + "\n"


async def meeting_room(url: str, prefix: str, phone_base: int) -> tuple[Host, str, str]:
    """A union with a frozen roster, advance voting open, one agenda item, one
    event ballot; returns the host, the item and the event ballot."""
    host = Host(url)
    await host.create_room(title=f"Union {prefix}")
    r = await host.http.post(f"/api/rooms/{host.room['id']}/roster",
                             content=roster(prefix, 5, phone_base),
                             headers={"content-type": "text/csv"})
    assert r.status_code == 200, r.text
    assert (await host.post("/record-date", {"record_date": "2026-11-01"})).status_code == 200
    item = (await host.ballot(kind="yesno", question="Budget", rule="general",
                              allow_change=True))["id"]
    poll = (await host.ballot(question="Lunch?"))["id"]
    await host.open(poll)
    r = await host.post("/early", {"closes_at": int(time.time() * 1000) + 3_600_000})
    assert r.status_code == 200, r.text
    return host, item, poll


async def verified_member(url: str, host: Host, member_no: str, phone: str
                          ) -> socketio.AsyncClient:
    people = (await host.get("/roster")).json()["data"]["people"]
    invite = next(p for p in people if p["member_no"] == member_no)["invite_url"]
    invite = invite.split("invite=")[1]
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(url, namespaces=["/meeting"], transports=["websocket"])
    assert (await call(client, "member:otp", {"invite": invite, "phone": phone}, "/meeting"))["ok"]
    outbox = (await host.get("/outbox")).json()["data"]
    code = re.search(r"\b(\d{6})\b", outbox[0]["text"]).group(1)  # type: ignore[union-attr]
    ok = await call(client, "member:verify", {"invite": invite, "phone": phone, "otp": code},
                    "/meeting")
    assert ok["ok"], ok
    return client


def refused(answer: Any, codes: set[str] = NOT_FOUND) -> bool:
    return answer.get("ok") is False and answer["error"]["code"] in codes


@pytest.fixture
async def unions(live: LiveServer, redis_client: Any) -> Any:
    victim, v_item, v_poll = await meeting_room(live.url, "V", 1000)
    thief, x_item, x_poll = await meeting_room(live.url, "X", 2000)
    # The victim's standing ballots: a written resolution and an advance e-vote.
    written = await victim.post("/written", {"member_no": "V001", "ballot": v_item,
                                             "choices": [0]})
    assert written.status_code == 200, written.text
    member = await verified_member(live.url, victim, "V002", "010-1002-0002")
    early = await call(member, "member:vote", {"ballot": v_item, "choices": [0],
                                               "client_key": "e1"}, "/meeting")
    assert early["ok"], early
    await member.disconnect()
    yield victim, v_item, v_poll, thief, x_item, x_poll
    await victim.aclose()
    await thief.aclose()


async def test_another_rooms_host_reaches_no_ballot_of_the_victim_over_http(
        live: LiveServer, unions: Any) -> None:
    victim, v_item, v_poll, thief, _, _ = unions
    before = await victim.tally(v_item)
    answers = {}
    for ballot in (v_item, v_poll):
        for path, method, body in (
                ("open", "POST", {}), ("close", "POST", {}), ("countdown", "POST", {"seconds": 5}),
                ("reset", "POST", {}), ("live", "POST", {}), ("tally", "GET", None),
                ("quorum", "GET", None), ("result", "GET", None), ("result.json", "GET", None),
                ("result.csv", "GET", None), ("bundle", "GET", None),
                ("trackers", "GET", None), ("head", "GET", None)):
            url = f"/ballots/{ballot}/{path}"
            r = await (thief.post(url, body) if method == "POST" else thief.get(url))
            answers[f"{method} {path} {ballot}"] = (r.status_code, r.json())
    for path, body in (("/withdraw", {"member_no": "X001", "ballot": v_item}),
                       ("/written", {"member_no": "X001", "ballot": v_item, "choices": [1]}),
                       ("/withdraw", {"member_no": "V001", "ballot": v_item}),
                       ("/attendance", {"member_no": "V001", "mode": "in_person"}),
                       ("/proxies", {"member_no": "V003", "ground": "adult_family",
                                     "proxy_name": "Someone"})):
        r = await thief.post(path, body)
        answers[f"POST {path} {body['member_no']}"] = (r.status_code, r.json())

    wrong = {k: v for k, v in answers.items() if v[0] != 404 or not refused(v[1])}
    assert not wrong, wrong
    assert await victim.tally(v_item) == before
    assert (await victim.tally(v_poll))["state"] == "open"


async def test_another_rooms_host_reaches_no_ballot_of_the_victim_over_socketio(
        live: LiveServer, unions: Any) -> None:
    victim, v_item, v_poll, thief, _, _ = unions
    before = await victim.tally(v_item)
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(live.url, namespaces=["/host"], transports=["websocket"])
    auth = {"room": thief.room["id"], "key": thief.key}
    answers = {}
    for event, extra in (("ballot:open", {}), ("ballot:close", {}),
                         ("ballot:countdown", {"seconds": 5}), ("ballot:reset", {}),
                         ("tally:get", {}), ("result:get", {}), ("item:live", {}),
                         ("item:quorum", {}), ("written:enter", {"member_no": "X001",
                                                                 "choices": [1]}),
                         ("ballot:withdraw", {"member_no": "X001"})):
        for ballot in (v_item, v_poll):
            answers[f"{event} {ballot}"] = await call(
                client, event, {**auth, "ballot": ballot, **extra}, "/host")
    # The victim's own room id with the thief's key.
    answers["room:get victim"] = await call(client, "room:get", {
        "room": victim.room["id"], "key": thief.key}, "/host")
    screen = socketio.AsyncClient(reconnection=False)
    await screen.connect(live.url, namespaces=["/screen"], transports=["websocket"])
    answers["screen:watch victim"] = await call(screen, "screen:watch", {
        "room": victim.room["id"], "key": thief.key}, "/screen")

    wrong = {k: v for k, v in answers.items()
             if not refused(v, NOT_FOUND | {"not_host"})}
    assert not wrong, wrong
    assert answers["room:get victim"]["error"]["code"] == "not_host"
    assert await victim.tally(v_item) == before
    await client.disconnect()
    await screen.disconnect()


async def test_a_phone_or_member_of_another_room_reaches_no_ballot_of_the_victim(
        live: LiveServer, unions: Any) -> None:
    victim, v_item, v_poll, thief, x_item, _ = unions
    before = await victim.tally(v_item), await victim.tally(v_poll)
    phone, _ = await voter(live.url, code=thief.room["code"])
    member = await verified_member(live.url, thief, "X001", "010-2001-0001")

    answers = {
        "vote:cast poll": await call(phone, "vote:cast", {"ballot": v_poll, "choices": [0],
                                                          "client_key": "a"}),
        "vote:cast item": await call(phone, "vote:cast", {"ballot": v_item, "choices": [0],
                                                          "client_key": "b"}),
        "tally:get poll": await call(phone, "tally:get", {"ballot": v_poll}),
        "member:vote item": await call(member, "member:vote", {
            "ballot": v_item, "choices": [1], "client_key": "c"}, "/meeting"),
        "member:vote poll": await call(member, "member:vote", {
            "ballot": v_poll, "choices": [1], "client_key": "d"}, "/meeting"),
        "member:withdraw item": await call(member, "member:withdraw", {"ballot": v_item},
                                           "/meeting"),
    }

    wrong = {k: v for k, v in answers.items() if not refused(v)}
    assert not wrong, wrong
    assert (await victim.tally(v_item), await victim.tally(v_poll)) == before
    own = await call(member, "member:vote", {"ballot": x_item, "choices": [0],
                                             "client_key": "own"}, "/meeting")
    assert own["ok"], "the member's own meeting still works"
    await phone.disconnect()
    await member.disconnect()


async def test_a_withdrawal_names_a_member_of_the_committed_roster(
        live: LiveServer, unions: Any) -> None:
    victim, v_item, _, _, _, _ = unions
    r = await victim.post("/withdraw", {"member_no": "V001", "ballot": v_item})
    assert r.status_code == 200 and r.json()["data"]["withdrawn"] == "written", r.text
    await victim.post(f"/ballots/{v_item}/close", {})
    doc = (await victim.get(f"/ballots/{v_item}/bundle")).json()
    assert verify(doc) == []
    manifest = json.loads(doc["bundle"]["manifest"])
    assert len(manifest["roster"]) == 5
    events = [json.loads(link["payload"]) for link in doc["bundle"]["chain"]]
    withdrawal = next(e for e in events if e["type"] == "withdraw")
    assert withdrawal["member"] in manifest["roster"]

    # A chain rebuilt consistently around a withdrawal by someone else.
    forged = copy.deepcopy(doc)
    chain = forged["bundle"]["chain"]
    at = next(i for i, link in enumerate(chain) if '"withdraw"' in link["payload"])
    event = dict(json.loads(chain[at]["payload"]), member="f" * 32)
    parent = chain[at - 1]["hash"] if at else "0" * 64
    for i in range(at, len(chain)):
        text = json.dumps(event) if i == at else chain[i]["payload"]
        e = entry(i, parent, text)
        chain[i] = {"entry": e, "hash": entry_hash(e), "payload": text}
        parent = chain[i]["hash"]
    findings = verify(forged)
    assert any("not on the roster committed in the manifest" in f for f in findings), findings
