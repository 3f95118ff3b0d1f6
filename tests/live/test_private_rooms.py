"""Gates mean private: a phone that has not passed a room's checks sees none of
its questions, tallies or pushes (unless the host chose a preview), and a
change of a check ends every pass issued before it."""

from __future__ import annotations

import asyncio
from typing import Any

import socketio

from tests.support import Host, LiveServer, call, eventually, voter


async def set_gates(host: Host, **gates: Any) -> dict[str, Any]:
    r = await host.http.put(f"/api/rooms/{host.room['id']}/gates", json=gates)
    assert r.status_code == 200, r.text
    return dict(r.json()["data"])


def recorder(phone: socketio.AsyncClient) -> list[tuple[str, Any]]:
    heard: list[tuple[str, Any]] = []
    for event in ("tally", "ballot:update", "ballot:closed", "gates:changed"):
        phone.on(event, lambda data, e=event: heard.append((e, data)), namespace="/voter")
    return heard


async def test_a_private_room_shows_nothing_before_its_checks_are_passed(
        live: LiveServer, host: Host) -> None:
    await set_gates(host, pin="1357")
    ballot = await host.ballot(question="Secret question?")
    await host.open(ballot["id"])
    outsider, joined = await voter(live.url, code=host.room["code"])
    heard = recorder(outsider)
    insider, _ = await voter(live.url, code=host.room["code"])
    assert (await call(insider, "gate:admit", {"pin": "1357"}))["data"]["pass"]

    listed = await call(outsider, "ballot:list", {})
    tally = await call(outsider, "tally:get", {"ballot": ballot["id"]})
    assert (await call(insider, "vote:cast", {"ballot": ballot["id"], "choices": [0],
                                              "client_key": "a"}))["ok"]
    later = await host.ballot(question="Another secret?")
    await host.open(later["id"])
    await host.close(ballot["id"])

    async def insider_list() -> Any:
        return len((await call(insider, "ballot:list", {}))["data"]) == 2
    assert await eventually(insider_list)
    assert joined["ballots"] == [] and joined["needs"] == ["pin"]
    assert listed["error"]["code"] == "pass_required"
    assert tally["error"]["code"] == "pass_required"
    assert heard == [], "no pushes reach a phone that has not passed the checks"

    admitted = await call(outsider, "gate:admit", {"pin": "1357"})
    shown = await call(outsider, "ballot:list", {})
    assert admitted["data"]["pass"] and [b["question"] for b in shown["data"]] == [
        "Secret question?", "Another secret?"]
    await host.close(later["id"])

    async def pushed() -> bool:
        return any(e == "ballot:closed" for e, _ in heard)
    assert await eventually(pushed), "admitted phones get the room's pushes"
    await outsider.disconnect()
    await insider.disconnect()


async def test_the_host_may_show_questions_before_admission(live: LiveServer,
                                                            host: Host) -> None:
    gates = await set_gates(host, pin="2468", preview=True)
    ballot = await host.ballot(question="Visible?")
    await host.open(ballot["id"])
    phone, joined = await voter(live.url, code=host.room["code"])
    refused = await call(phone, "vote:cast", {"ballot": ballot["id"], "choices": [0],
                                              "client_key": "a"})

    assert gates["preview"] is True
    assert [b["question"] for b in joined["ballots"]] == ["Visible?"]
    assert refused["error"]["code"] == "pass_required"
    await phone.disconnect()


async def test_changing_a_check_ends_the_passes_it_issued(live: LiveServer, host: Host) -> None:
    await set_gates(host, pin="1111")
    ballot = await host.ballot(allow_change=True)
    await host.open(ballot["id"])
    phone, joined = await voter(live.url, code=host.room["code"])
    heard = recorder(phone)
    device = joined["device"]
    kept = (await call(phone, "gate:admit", {"pin": "1111"}))["data"]["pass"]
    back = await call(phone, "room:join", {"code": host.room["code"], "pass": kept,
                                           "device": device})
    assert back["data"]["pass"] and len(back["data"]["ballots"]) == 1, "a kept pass readmits"
    first = await call(phone, "vote:cast", {"ballot": ballot["id"], "choices": [0],
                                            "client_key": "a"})
    assert first["ok"], first

    await set_gates(host, pin="2222")

    async def told() -> bool:
        return any(e == "gates:changed" for e, _ in heard)
    assert await eventually(told)
    stale_vote = await call(phone, "vote:cast", {"ballot": ballot["id"], "choices": [1],
                                                 "client_key": "b"})
    readmit = await call(phone, "gate:admit", {})
    again, rejoined = await voter(live.url, code=host.room["code"], device=device, **{
        "pass": kept})
    old_pin = await call(again, "gate:admit", {"pin": "1111"})
    new_pin = await call(again, "gate:admit", {"pin": "2222"})
    fresh_vote = await call(again, "vote:cast", {"ballot": ballot["id"], "choices": [1],
                                                 "client_key": "c"})

    assert stale_vote["error"]["code"] == "pass_required", stale_vote
    assert readmit["data"]["pass"] is None and readmit["data"]["needs"] == ["pin"]
    assert rejoined["pass"] is None and rejoined["ballots"] == []
    assert old_pin["error"]["code"] == "pin_wrong"
    assert new_pin["data"]["pass"] and fresh_vote["data"]["status"] == "changed"
    unchanged = await set_gates(host, preview=False)  # not a check: passes stand
    assert unchanged["pin_set"]
    assert (await call(again, "vote:cast", {"ballot": ballot["id"], "choices": [0],
                                            "client_key": "d"}))["ok"]
    await asyncio.gather(phone.disconnect(), again.disconnect())


async def test_hosts_changing_checks_at_once_lose_no_change(live: LiveServer,
                                                            host: Host) -> None:
    first = (await set_gates(host, pin="1000"))["epoch"]
    changes = await asyncio.gather(*[
        host.http.put(f"/api/rooms/{host.room['id']}/gates", json={"pin": f"{2000 + i}"})
        for i in range(12)])
    final = (await host.get("/gates")).json()["data"]["epoch"]

    assert all(c.status_code == 200 for c in changes)
    # Each change of the PIN is a new epoch: twelve at once are twelve epochs.
    assert sorted(c.json()["data"]["epoch"] for c in changes) == list(range(first + 1,
                                                                            first + 13))
    assert final == first + 12
