"""The store against a real redis-server: key layout and exactly-once close."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis
from redis.crc import key_slot

from rooms import keys
from rooms.ledger import tracker
from rooms.errors import AlreadyVoted, BallotClosed, InvalidOption
from rooms.model import Ballot
from rooms.service import Rooms
from rooms.store import Store


@pytest.fixture
async def rooms(redis_url: str, redis_client: object) -> Rooms:
    r = Redis.from_url(redis_url)
    yield Rooms(Store(r), b"secret")
    await r.aclose()


async def cast(rooms: Rooms, ballot_id: str, voter: str, key: str,
               choices: tuple[int, ...]) -> object:
    nonce = "ab" * 8
    return await rooms.store.cast(ballot_id, [f"d:{voter}"], key, choices, f"R-{voter}{key}",
                                  tracker(ballot_id, choices, nonce), nonce, voter)


def test_all_keys_of_one_ballot_map_to_one_cluster_slot() -> None:
    slots = {key_slot(k.encode()) for k in keys.ballot_keys("42abc")}
    assert len(slots) == 1
    assert len({key_slot(keys.room(r).encode()) == key_slot(keys.room_ballots(r).encode())
                for r in ("a", "b")}) == 1


async def test_many_workers_closing_at_once_seal_one_result(rooms: Rooms) -> None:
    room, _ = await rooms.create_room({"title": "t"}, 0)
    ballot = await rooms.add_ballot(room, {"question": "q", "options": ["a", "b"]})
    await rooms.open(ballot)
    await cast(rooms, ballot.id, "v1", "k", (1,))

    closes = await asyncio.gather(*[rooms.close(ballot.id) for _ in range(20)])

    assert sum(c.announced_here for c in closes) == 1
    assert len({c.sealed["sha256"] for c in closes}) == 1
    assert closes[0].sealed["record"]["counts"] == [0, 1]


async def test_store_refuses_with_named_errors(rooms: Rooms) -> None:
    room, _ = await rooms.create_room({"title": "t"}, 0)
    ballot: Ballot = await rooms.add_ballot(room, {"question": "q", "options": ["a", "b"]})
    await rooms.open(ballot)
    await cast(rooms, ballot.id, "v1", "k1", (0,))
    with pytest.raises(AlreadyVoted):
        await cast(rooms, ballot.id, "v1", "k2", (1,))
    with pytest.raises(InvalidOption):
        await cast(rooms, ballot.id, "v2", "k1", (5,))
    await rooms.close(ballot.id)
    with pytest.raises(BallotClosed):
        await cast(rooms, ballot.id, "v3", "k1", (0,))
    assert (await rooms.tally(ballot.id)).counts == (1, 0)
