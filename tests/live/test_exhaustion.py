"""Anonymous visitors cannot use the server up: room creation is limited per
address (or needs the operator's token), wrong join codes are limited per
address while right ones never are, and an idle room's join code expires and
can then be taken by a new room."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from rooms.store import keys
from tests.support import Host, LiveServer, call, eventually, voter


@pytest.fixture
def limited(tmp_path: Path, redis_url: str, redis_client: redis.Redis) -> Any:
    server = LiveServer(tmp_path / "data", redis_url=redis_url, env={
        "LIVE_ROOMS_PER_HOUR": "5", "LIVE_WRONG_CODES_PER_MINUTE": "10",
        "LIVE_CODE_IDLE_DAYS": "0.0001"})  # about 9 s
    yield server
    server.stop()


async def test_room_creation_is_limited_per_address(limited: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=limited.url) as client:
        answers = await asyncio.gather(*[client.post("/api/rooms", json={"title": f"r{i}"})
                                         for i in range(40)])
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [201] * 5 + [429] * 35, statuses
    refused = next(r for r in answers if r.status_code == 429).json()["error"]
    assert refused["code"] == "rate_limited" and "minutes" in refused["message"]


async def test_only_the_operator_creates_rooms_when_a_token_is_set(tmp_path: Path,
                                                                   redis_url: str) -> None:
    server = LiveServer(tmp_path / "data", redis_url=redis_url,
                        env={"LIVE_OPERATOR_TOKEN": "op-secret-123", "LIVE_ROOMS_PER_HOUR": "1"})
    try:
        async with httpx.AsyncClient(base_url=server.url) as client:
            anonymous = await client.post("/api/rooms", json={"title": "mine"})
            wrong = await client.post("/api/rooms", json={"title": "t", "operator_token": "x"})
            made = [await client.post("/api/rooms", json={"title": f"t{i}",
                                                          "operator_token": "op-secret-123"})
                    for i in range(3)]
        assert anonymous.status_code == 401
        assert anonymous.json()["error"]["code"] == "operator_required"
        assert wrong.status_code == 401
        assert [r.status_code for r in made] == [201] * 3, "the operator is not limited"
    finally:
        server.stop()


async def test_wrong_codes_are_limited_and_right_ones_never(limited: LiveServer) -> None:
    host, other = Host(limited.url), Host(limited.url)
    await host.create_room()
    await other.create_room()  # a room nobody has joined yet
    right = host.room["code"]
    wrong = [f"{(int(right) + i) % 1_000_000:06d}" for i in range(1, 40)]
    phone, _ = await voter(limited.url, code=right)

    guesses = [await call(phone, "room:join", {"code": c}) for c in wrong]
    http_guess = httpx.get(f"{limited.url}/api/join/{wrong[0]}")
    hall = await asyncio.gather(*[voter(limited.url, code=right) for _ in range(10)])

    codes = [g["error"]["code"] for g in guesses]
    assert codes.count("room_not_found") <= 10 and codes[-1] == "rate_limited", codes
    assert http_guess.status_code == 429
    # A guesser slowed down learns nothing from a code nobody is joining...
    unjoined = await call(phone, "room:join", {"code": other.room["code"]})
    assert unjoined["error"]["code"] == "rate_limited"
    # ...while the hall's phones (same address, the code of the room they are
    # joining) get in: only wrong codes count.
    assert len(hall) == 10
    for p, _ in hall:
        await p.disconnect()
    await phone.disconnect()
    await host.aclose()
    await other.aclose()


async def test_an_idle_rooms_code_expires_and_is_reused(limited: LiveServer,
                                                       redis_client: redis.Redis) -> None:
    host = Host(limited.url)
    await host.create_room()
    code = host.room["code"]
    ttl = redis_client.ttl(keys.code(code))
    assert 0 < ttl <= 9

    async def expired() -> bool:
        return not redis_client.exists(keys.code(code))
    assert await eventually(expired, timeout=20), "the code never expired"
    # A new room may now draw the same code (forced here by taking the code space
    # down to that one code is not possible from outside; check the lookup instead).
    lookup = httpx.get(f"{limited.url}/api/join/{code}")
    assert lookup.status_code == 404 and lookup.json()["error"]["code"] == "room_not_found"
    room = (await host.get("")).json()["data"]["room"]
    assert room["code"] == code, "the room itself lives on; only its code was freed"
    await host.aclose()
