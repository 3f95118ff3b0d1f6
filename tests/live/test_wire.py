"""Golden files pin the wire payloads that pages and load tests depend on, and
result visibility decides what phones see."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import socketio

from tests.support import Host, LiveServer, call, eventually, voter

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
VOLATILE = {"id": "<id>", "room": "<id>", "ballot": "<id>", "device": "<device>",
            "receipt": "<receipt>", "code": "<code>", "opened_at": "<ms>", "closed_at": "<ms>",
            "sha256": "<sha256>", "receipts_sha256": "<sha256>", "seq": "<seq>",
            "phones": "<n>", "pass": "<pass>", "tracker": "<sha256>", "manifest_sha256": "<sha256>",
            "hash": "<sha256>"}


def normal(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: (VOLATILE[k] if k in VOLATILE and isinstance(v, (str, int)) and v
                    else normal(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [normal(v) for v in value]
    if isinstance(value, str):
        return re.sub(r"http://[^/]+", "http://<host>", value)
    return value


def golden(name: str, value: Any) -> None:
    path = GOLDEN / f"{name}.json"
    text = json.dumps(normal(value), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(text)
    assert path.exists(), f"no golden file {path}; run once with UPDATE_GOLDEN=1"
    assert text == path.read_text(), f"wire payload {name} changed; see {path}"


async def test_wire_payloads_match_the_golden_files(live: LiveServer, host: Host) -> None:
    ballot = await host.ballot(question="Lunch?", options=["Bibimbap", "Naengmyeon"])
    await host.open(ballot["id"])
    pushed: list[Any] = []
    closed: list[Any] = []
    phone, joined = await voter(live.url, code=host.room["code"])
    phone.on("tally", pushed.append, namespace="/voter")
    phone.on("ballot:closed", closed.append, namespace="/voter")
    cast = await call(phone, "vote:cast", {"ballot": ballot["id"], "choices": [0],
                                           "client_key": "k"})

    async def counted() -> bool:
        return any(t["counts"] == [1, 0] for t in pushed)
    assert await eventually(counted)
    await host.close(ballot["id"])

    async def got_closed() -> bool:
        return bool(closed)
    assert await eventually(got_closed)
    golden("voter_join_ack", joined)
    golden("vote_cast_ack", cast)
    golden("tally_push", next(t for t in pushed if t["counts"] == [1, 0]))
    golden("ballot_closed_push", closed[0])
    await phone.disconnect()


async def watch_voter(live: LiveServer, host: Host) -> tuple[socketio.AsyncClient, list[Any]]:
    phone, _ = await voter(live.url, code=host.room["code"])
    seen: list[Any] = []
    phone.on("tally", seen.append, namespace="/voter")
    return phone, seen


async def test_after_vote_visibility_shows_counts_only_to_voters_who_voted(
        live: LiveServer, host: Host) -> None:
    ballot = await host.ballot(visibility="after_vote")
    await host.open(ballot["id"])
    voted, voted_seen = await watch_voter(live, host)
    waiting, waiting_seen = await watch_voter(live, host)

    before = await call(voted, "tally:get", {"ballot": ballot["id"]})
    await call(voted, "vote:cast", {"ballot": ballot["id"], "choices": [1], "client_key": "k"})
    after = await call(voted, "tally:get", {"ballot": ballot["id"]})

    assert before == {"ok": True, "data": None}
    assert after["data"]["counts"] == [0, 1, 0]

    async def pushed() -> bool:
        return any(t["counts"] == [0, 1, 0] for t in voted_seen)
    assert await eventually(pushed)
    assert waiting_seen == [] and (await call(waiting, "tally:get",
                                              {"ballot": ballot["id"]}))["data"] is None
    await voted.disconnect()
    await waiting.disconnect()


async def test_never_visibility_hides_the_result_from_phones(live: LiveServer,
                                                             host: Host) -> None:
    ballot = await host.ballot(visibility="never")
    await host.open(ballot["id"])
    phone, seen = await watch_voter(live, host)
    closed: list[Any] = []
    phone.on("ballot:closed", closed.append, namespace="/voter")
    await call(phone, "vote:cast", {"ballot": ballot["id"], "choices": [0], "client_key": "k"})
    await host.close(ballot["id"])

    async def got_closed() -> bool:
        return bool(closed)
    assert await eventually(got_closed)
    assert closed[0]["result"] is None and seen == []
    public = await host.http.get(f"/api/rooms/{host.room['id']}/ballots/{ballot['id']}/result",
                                 headers={"authorization": ""})
    assert public.json()["error"]["code"] == "not_host"
    assert (await host.get(f"/ballots/{ballot['id']}/result")).json()["data"]["record"][
        "counts"] == [1, 0, 0]
    await phone.disconnect()
