"""Every bad input gets its own error code, and nothing already accepted is lost."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import socketio

from tests.support import Host, LiveServer, call, voter


@pytest.fixture
async def setup(live: LiveServer, host: Host) -> Any:
    ballot = await host.ballot()
    await host.open(ballot["id"])
    draft = await host.ballot(question="Not yet open")
    other = Host(live.url)
    await other.create_room(title="Another room")
    foreign = await other.ballot()
    await other.open(foreign["id"])
    phone, _ = await voter(live.url, code=host.room["code"])
    accepted = await call(phone, "vote:cast", {"ballot": ballot["id"], "choices": [1],
                                               "client_key": "first"})
    assert accepted["ok"]
    yield phone, ballot, draft, foreign
    await phone.disconnect()
    await other.aclose()


VOTES = [
    ("not an object", "bad_payload"),
    ({"choices": [0], "client_key": "k"}, "bad_payload"),
    ({"ballot": "B", "choices": "zero", "client_key": "k"}, "bad_payload"),
    ({"ballot": "B", "choices": [], "client_key": "k"}, "bad_payload"),
    ({"ballot": "B", "choices": [0, 0], "client_key": "k"}, "bad_payload"),
    ({"ballot": "B", "choices": [True], "client_key": "k"}, "bad_payload"),
    ({"ballot": "B", "choices": [-1], "client_key": "k"}, "bad_payload"),
    ({"ballot": "B", "choices": [0]}, "bad_payload"),
    ({"ballot": "B", "choices": [0], "client_key": "x" * 65}, "bad_payload"),
    ({"ballot": "nope", "choices": [0], "client_key": "k"}, "ballot_not_found"),
    ({"ballot": "FOREIGN", "choices": [0], "client_key": "k"}, "ballot_not_found"),
    ({"ballot": "DRAFT", "choices": [0], "client_key": "k"}, "ballot_not_open"),
    ({"ballot": "B", "choices": [3], "client_key": "k"}, "invalid_option"),
    ({"ballot": "B", "choices": [0, 1], "client_key": "k"}, "invalid_option"),
]


@pytest.mark.parametrize("payload,code", VOTES)
async def test_each_bad_vote_gets_its_error_code(setup: Any, host: Host, payload: Any,
                                                 code: str) -> None:
    phone, ballot, draft, foreign = setup
    if isinstance(payload, dict):
        names = {"B": ballot["id"], "DRAFT": draft["id"], "FOREIGN": foreign["id"]}
        if "ballot" in payload:
            payload = dict(payload, ballot=names.get(payload["ballot"], payload["ballot"]))

    ack = await call(phone, "vote:cast", payload)

    assert ack["ok"] is False and ack["error"]["code"] == code, ack
    assert ack["error"]["message"]
    tally = await host.tally(ballot["id"])
    assert tally["counts"] == [0, 1, 0] and tally["voters"] == 1


JOINS = [
    (None, "bad_payload"),
    ([], "bad_payload"),
    ({"code": "12ab56"}, "room_not_found"),
    ({"code": 123456}, "room_not_found"),
    ({"code": "000000"}, "room_not_found"),
    ({"room": "no-such-room"}, "room_not_found"),
    ({}, "bad_payload"),
]


@pytest.mark.parametrize("payload,code", JOINS)
async def test_each_bad_join_gets_its_error_code(live: LiveServer, payload: Any,
                                                 code: str, redis_client: Any) -> None:
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(live.url, namespaces=["/voter"], transports=["websocket"])
    ack = await call(client, "room:join", payload)
    assert ack["error"]["code"] == code, ack
    await client.disconnect()


async def test_voting_before_joining_is_refused(live: LiveServer, redis_client: Any) -> None:
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(live.url, namespaces=["/voter"], transports=["websocket"])
    ack = await call(client, "vote:cast", {"ballot": "x", "choices": [0], "client_key": "k"})
    assert ack["error"]["code"] == "not_joined"
    unknown = await call(client, "ballot:destroy", {})
    assert unknown["error"]["code"] == "unknown_event"
    await client.disconnect()


async def test_host_commands_need_the_host_key(setup: Any, live: LiveServer, host: Host) -> None:
    phone, ballot, draft, _ = setup
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(live.url, namespaces=["/host", "/screen"], transports=["websocket"])
    room = host.room["id"]

    wrong = await call(client, "ballot:close", {"room": room, "key": "guess",
                                                "ballot": ballot["id"]}, "/host")
    missing = await call(client, "ballot:open", {"room": room, "ballot": draft["id"]}, "/host")
    peek = await call(client, "screen:watch", {"room": room, "key": "guess"}, "/screen")
    again = await call(client, "ballot:open", {"room": room, "key": host.key,
                                               "ballot": ballot["id"]}, "/host")
    bad = await call(client, "ballot:create", {"room": room, "key": host.key,
                                               "question": "Q", "options": ["only one"]}, "/host")
    no_room = await call(client, "room:get", {"room": "nope", "key": host.key}, "/host")

    assert [wrong["error"]["code"], missing["error"]["code"], peek["error"]["code"]] == [
        "not_host", "not_host", "not_host"]
    assert again["error"]["code"] == "ballot_state"
    assert bad["error"] == {"code": "bad_payload", "message": "options: needs 2 to 32 options",
                            "field": "options"}
    assert no_room["error"]["code"] == "room_not_found"
    assert (await host.tally(ballot["id"]))["state"] == "open"
    await client.disconnect()


async def test_http_api_answers_bad_requests_with_codes(setup: Any, live: LiveServer,
                                                        host: Host) -> None:
    _, ballot, draft, _ = setup
    room = host.room["id"]
    async with httpx.AsyncClient(base_url=live.url) as anon:
        no_key = await anon.post(f"/api/rooms/{room}/ballots/{ballot['id']}/close")
        garbage = await anon.post("/api/rooms", content=b"{not json")
        unknown = await anon.get("/api/rooms/nope/ballots/x/tally")
        hidden = await anon.get(f"/api/rooms/{room}/ballots/{ballot['id']}/result")
    early = await host.get(f"/ballots/{ballot['id']}/result")
    bad_countdown = await host.post(f"/ballots/{ballot['id']}/countdown", {"seconds": -5})
    reset_draft = await host.post(f"/ballots/{draft['id']}/reset")

    assert (no_key.status_code, no_key.json()["error"]["code"]) == (403, "not_host")
    assert (garbage.status_code, garbage.json()["error"]["code"]) == (400, "bad_payload")
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "room_not_found")
    assert (hidden.status_code, hidden.json()["error"]["code"]) == (409, "result_not_ready")
    assert (early.status_code, early.json()["error"]["code"]) == (409, "result_not_ready")
    assert (bad_countdown.status_code, bad_countdown.json()["error"]["code"]) == (
        400, "bad_payload")
    assert (reset_draft.status_code, reset_draft.json()["error"]["code"]) == (
        409, "ballot_state")
    assert (await host.tally(ballot["id"]))["counts"] == [0, 1, 0]
