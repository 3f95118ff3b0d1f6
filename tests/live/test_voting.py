"""User stories of a live room, against a real redis-server, a real `live serve`
and real Socket.IO clients."""

from __future__ import annotations

import asyncio
import hashlib
import json
from typing import Any

import socketio

from tests.support import Host, LiveServer, call, eventually, voter


async def screen(live: LiveServer, host: Host) -> tuple[socketio.AsyncClient, list[dict[str, Any]],
                                                        dict[str, Any]]:
    client = socketio.AsyncClient(reconnection=False)
    pushed: list[dict[str, Any]] = []
    client.on("tally", pushed.append, namespace="/screen")
    await client.connect(live.url, namespaces=["/screen"], transports=["websocket"])
    ack = await call(client, "screen:watch", {"room": host.room["id"], "key": host.key}, "/screen")
    assert ack["ok"], ack
    return client, pushed, ack["data"]


def vote(ballot: str, *choices: int, key: str = "k1") -> dict[str, Any]:
    return {"ballot": ballot, "choices": list(choices), "client_key": key}


async def test_voter_vote_is_counted_and_shown_on_the_screen(live: LiveServer, host: Host) -> None:
    ballot = await host.ballot()
    await host.open(ballot["id"])
    presenter, pushed, _ = await screen(live, host)
    phone, joined = await voter(live.url, code=host.room["code"])
    assert joined["room"]["title"] == "Test room"
    assert [b["state"] for b in joined["ballots"]] == ["open"]

    ack = await call(phone, "vote:cast", vote(ballot["id"], 1))

    assert ack["ok"], ack
    assert ack["data"]["status"] == "new"
    assert len(ack["data"]["receipt"]) == 9
    seen = await eventually(lambda: _latest(pushed, ballot["id"], lambda t: t["counts"] == [0, 1, 0]))
    assert seen["voters"] == 1 and seen["percent"] == [0.0, 100.0, 0.0]
    assert (await host.tally(ballot["id"]))["counts"] == [0, 1, 0]
    await phone.disconnect()
    await presenter.disconnect()


async def _latest(pushed: list[dict[str, Any]], ballot_id: str, want: Any) -> Any:
    for t in reversed(pushed):
        if t["ballot"] == ballot_id and want(t):
            return t
    return None


async def test_voter_cannot_vote_twice(live: LiveServer, host: Host) -> None:
    ballot = await host.ballot()
    await host.open(ballot["id"])
    phone, _ = await voter(live.url, code=host.room["code"])
    assert (await call(phone, "vote:cast", vote(ballot["id"], 0, key="a")))["ok"]

    second = await call(phone, "vote:cast", vote(ballot["id"], 2, key="b"))

    assert second == {"ok": False, "error": {"code": "already_voted", "message":
                      second["error"]["message"]}}
    assert (await host.tally(ballot["id"]))["counts"] == [1, 0, 0]
    await phone.disconnect()


async def test_same_device_stays_the_same_voter_after_reconnect(live: LiveServer, host: Host) -> None:
    ballot = await host.ballot()
    await host.open(ballot["id"])
    phone, joined = await voter(live.url, code=host.room["code"])
    await call(phone, "vote:cast", vote(ballot["id"], 0, key="a"))
    await phone.disconnect()

    again, rejoined = await voter(live.url, code=host.room["code"], device=joined["device"])

    assert rejoined["ballots"][0]["my_vote"]["choices"] == [0]
    refused = await call(again, "vote:cast", vote(ballot["id"], 1, key="b"))
    assert refused["error"]["code"] == "already_voted"
    await again.disconnect()


async def test_retried_vote_with_the_same_client_key_is_applied_once(live: LiveServer,
                                                                     host: Host) -> None:
    ballot = await host.ballot(allow_change=True)
    await host.open(ballot["id"])
    phone, _ = await voter(live.url, code=host.room["code"])

    first = await call(phone, "vote:cast", vote(ballot["id"], 2, key="retry-1"))
    retry = await call(phone, "vote:cast", vote(ballot["id"], 2, key="retry-1"))

    assert retry["data"]["status"] == "repeat"
    assert retry["data"]["receipt"] == first["data"]["receipt"]
    tally = await host.tally(ballot["id"])
    assert tally["counts"] == [0, 0, 1] and tally["voters"] == 1
    await phone.disconnect()


async def test_changed_vote_moves_one_count(live: LiveServer, host: Host) -> None:
    ballot = await host.ballot(allow_change=True)
    await host.open(ballot["id"])
    phones = [await voter(live.url, code=host.room["code"]) for _ in range(3)]
    for phone, _ in phones:
        await call(phone, "vote:cast", vote(ballot["id"], 0, key="a"))

    changed = await call(phones[0][0], "vote:cast", vote(ballot["id"], 2, key="b"))

    assert changed["data"]["status"] == "changed"
    tally = await host.tally(ballot["id"])
    assert tally["counts"] == [2, 0, 1] and tally["voters"] == 3
    for phone, _ in phones:
        await phone.disconnect()


async def test_vote_after_close_is_refused(live: LiveServer, host: Host) -> None:
    ballot = await host.ballot()
    await host.open(ballot["id"])
    phone, _ = await voter(live.url, code=host.room["code"])
    await call(phone, "vote:cast", vote(ballot["id"], 1, key="a"))
    sealed = await host.close(ballot["id"])

    late = await call(phone, "vote:cast", vote(ballot["id"], 1, key="b"))
    other, _ = await voter(live.url, code=host.room["code"])
    late_new = await call(other, "vote:cast", vote(ballot["id"], 0, key="c"))

    assert late["error"]["code"] == "ballot_closed"
    assert late_new["error"]["code"] == "ballot_closed"
    assert sealed["record"]["counts"] == [0, 1, 0]
    assert (await host.tally(ballot["id"]))["counts"] == [0, 1, 0]
    await phone.disconnect()
    await other.disconnect()


async def test_burst_of_500_voters_gives_exact_counts(live: LiveServer, host: Host) -> None:
    ballot = await host.ballot(options=["A", "B", "C", "D"])
    await host.open(ballot["id"])
    phones = await asyncio.gather(*[voter(live.url, code=host.room["code"]) for _ in range(500)])
    seen: list[dict[str, Any]] = [{} for _ in phones]
    told: list[list[Any]] = [[] for _ in phones]
    for (phone, _), last, closed in zip(phones, seen, told):
        phone.on("tally", last.update, namespace="/voter")
        phone.on("ballot:closed", closed.append, namespace="/voter")

    acks = await asyncio.gather(*[
        call(phone, "vote:cast", vote(ballot["id"], i % 4, key=f"k{i}"))
        for i, (phone, _) in enumerate(phones)])

    assert all(a["ok"] for a in acks), [a for a in acks if not a["ok"]][:3]
    assert len({a["data"]["receipt"] for a in acks}) == 500
    assert sorted(a["data"]["seq"] for a in acks) == list(range(2, 502))
    tally = await host.tally(ballot["id"])
    assert tally["counts"] == [125, 125, 125, 125] and tally["voters"] == 500

    async def every_phone_sees_the_count() -> bool:  # more phones than one tick's share
        return all(last.get("voters") == 500 for last in seen)
    assert await eventually(every_phone_sees_the_count, timeout=10), \
        sum(last.get("voters") == 500 for last in seen)
    sealed = await host.close(ballot["id"])
    assert sealed["record"]["counts"] == [125, 125, 125, 125]
    assert sealed["record"]["receipts"] == 500
    mine = "\n".join(sorted(a["data"]["receipt"] for a in acks))
    assert sealed["record"]["receipts_sha256"] == hashlib.sha256(mine.encode()).hexdigest(), \
        "the seal covers exactly the receipts the phones were given"

    async def every_phone_has_the_result() -> bool:
        return all(closed for closed in told)
    assert await eventually(every_phone_has_the_result, timeout=10)
    assert {closed[0]["result"]["sha256"] for closed in told} == {sealed["sha256"]}
    await asyncio.gather(*[phone.disconnect() for phone, _ in phones])


async def test_countdown_closes_the_ballot_by_itself(live: LiveServer, host: Host) -> None:
    ballot = await host.ballot()
    phone, _ = await voter(live.url, code=host.room["code"])
    closed: list[dict[str, Any]] = []
    phone.on("ballot:closed", closed.append, namespace="/voter")
    opened = await host.open(ballot["id"], countdown=1)
    assert opened["closes_at"] - opened["opened_at"] == 1000
    await call(phone, "vote:cast", vote(ballot["id"], 0, key="a"))

    async def got_result() -> bool:
        return bool(closed)
    assert await eventually(got_result, timeout=5)

    assert closed[0]["result"]["record"]["counts"] == [1, 0, 0]
    assert closed[0]["result"]["record"]["closed_at"] == opened["closes_at"]
    late = await call(phone, "vote:cast", vote(ballot["id"], 1, key="b"))
    assert late["error"]["code"] == "ballot_closed"
    await phone.disconnect()


async def test_result_hash_recomputes_from_the_stored_record(live: LiveServer, host: Host) -> None:
    ballot = await host.ballot(kind="multiple", options=["A", "B", "C"], max_choices=2)
    await host.open(ballot["id"])
    phone, _ = await voter(live.url, code=host.room["code"])
    cast = await call(phone, "vote:cast", vote(ballot["id"], 0, 2))
    await host.close(ballot["id"])

    stored = (await host.http.get(
        f"/api/rooms/{host.room['id']}/ballots/{ballot['id']}/result.json")).json()["data"]

    canonical = json.dumps(stored["record"], sort_keys=True, separators=(",", ":"),
                           ensure_ascii=False).encode()
    assert hashlib.sha256(canonical).hexdigest() == stored["sha256"]
    receipt = cast["data"]["receipt"]
    assert stored["record"]["receipts_sha256"] == hashlib.sha256(receipt.encode()).hexdigest()
    assert stored["record"]["counts"] == [1, 0, 1]
    await phone.disconnect()


async def test_closing_twice_keeps_one_result(live: LiveServer, host: Host) -> None:
    ballot = await host.ballot()
    await host.open(ballot["id"])
    first, second = await asyncio.gather(host.close(ballot["id"]), host.close(ballot["id"]))
    assert first == second


async def test_reset_ballot_is_recorded_not_silent(live: LiveServer, host: Host) -> None:
    ballot = await host.ballot()
    await host.open(ballot["id"])
    phone, _ = await voter(live.url, code=host.room["code"])
    await call(phone, "vote:cast", vote(ballot["id"], 0, key="a"))

    reset = await host.post(f"/ballots/{ballot['id']}/reset", {"reason": "wrong question"})

    assert reset.json()["data"]["votes_discarded"] == 1
    assert (await host.tally(ballot["id"]))["counts"] == [0, 0, 0]
    await host.open(ballot["id"])
    assert (await call(phone, "vote:cast", vote(ballot["id"], 1, key="b")))["ok"]
    record = (await host.close(ballot["id"]))["record"]
    assert record["counts"] == [0, 1, 0]
    assert [(r["votes_discarded"], r["reason"]) for r in record["resets"]] == [
        (1, "wrong question")]
    await phone.disconnect()


async def test_result_exports_as_csv(live: LiveServer, host: Host) -> None:
    ballot = await host.ballot(kind="yesno", question="Approve the budget?")
    await host.open(ballot["id"])
    phone, _ = await voter(live.url, code=host.room["code"])
    await call(phone, "vote:cast", vote(ballot["id"], 0))
    sealed = await host.close(ballot["id"])

    csv = await host.http.get(f"/api/rooms/{host.room['id']}/ballots/{ballot['id']}/result.csv")

    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.splitlines()
    assert lines[1].endswith(",0,Yes / 찬성,1,100.0")
    assert lines[-1] == f"결과 지문 record_sha256,{sealed['sha256']}"
    await phone.disconnect()


async def test_presenter_catches_up_after_reconnect(live: LiveServer, host: Host) -> None:
    ballot = await host.ballot()
    await host.open(ballot["id"])
    presenter, _, _ = await screen(live, host)
    await presenter.disconnect()
    phone, _ = await voter(live.url, code=host.room["code"])
    await call(phone, "vote:cast", vote(ballot["id"], 2))

    again, _, picture = await screen(live, host)

    assert picture["ballots"][0]["tally"]["counts"] == [0, 0, 1]
    assert picture["links"]["join_url"].endswith(f"/j/{host.room['code']}")
    await again.disconnect()
    await phone.disconnect()


async def test_screen_counts_connected_phones(live: LiveServer, host: Host) -> None:
    ballot = await host.ballot()
    await host.open(ballot["id"])
    presenter, _, _ = await screen(live, host)
    presence: list[dict[str, Any]] = []
    presenter.on("room:presence", presence.append, namespace="/screen")
    phones = [await voter(live.url, code=host.room["code"]) for _ in range(3)]

    async def three() -> bool:
        return bool(presence) and presence[-1]["phones"] == 3
    assert await eventually(three, timeout=5), presence
    await phones[0][0].disconnect()

    async def two() -> bool:
        return presence[-1]["phones"] == 2
    assert await eventually(two, timeout=5), presence
    for phone, _ in phones:
        await phone.disconnect()
    await presenter.disconnect()


async def test_phones_are_told_which_ballots_ask_them_to_confirm(
        live: LiveServer, host: Host) -> None:
    poll = await host.ballot(question="Lunch?")
    await host.ballot(question="Approve the budget?", kind="yesno", rule="general")
    await host.ballot(question="Pick a date?", confirm=True)
    await host.open(poll["id"])
    phone, joined = await voter(live.url, code=host.room["code"])

    confirm = {b["question"]: b["confirm"] for b in joined["ballots"]}
    assert confirm == {"Lunch?": False, "Approve the budget?": True, "Pick a date?": True}
    refused = await host.post("/ballots", {"question": "Q", "options": ["a", "b"],
                                           "confirm": "yes"})
    assert refused.status_code == 400 and "confirm" in refused.json()["error"]["message"]
    await phone.disconnect()
