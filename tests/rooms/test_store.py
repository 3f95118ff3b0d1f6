"""The store against a real redis-server: key layout and exactly-once close."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from tests.support import async_client
from redis.crc import key_slot

from rooms.store import keys, Store
from rooms.ledger.chain import tracker
from rooms.errors import AlreadyVoted, BallotClosed, BallotNotFound, InvalidOption
from rooms.polls.model import Ballot
from rooms.polls.service import Rooms


@pytest.fixture
async def rooms(redis_url: str, redis_client: object) -> Rooms:
    r = async_client(redis_url)
    yield Rooms(Store(r), b"secret")
    await r.aclose()


async def cast(rooms: Rooms, ballot: Ballot, voter: str, key: str,
               choices: tuple[int, ...], room_id: str | None = None) -> object:
    nonce = "ab" * 8
    ballot_id, room_id = ballot.id, room_id or ballot.room_id
    return await rooms.store.cast(room_id, ballot_id, [f"d:{voter}"], key, choices,
                                  f"R-{voter}{key}", tracker(ballot_id, choices, nonce), nonce,
                                  voter)


def test_all_keys_of_one_ballot_map_to_one_cluster_slot() -> None:
    slots = {key_slot(k.encode()) for k in keys.ballot_keys("42abc")}
    assert len(slots) == 1
    assert len({key_slot(keys.room(r).encode()) == key_slot(keys.room_ballots(r).encode())
                for r in ("a", "b")}) == 1


async def test_many_workers_closing_at_once_seal_one_result(rooms: Rooms) -> None:
    room, _ = await rooms.create_room({"title": "t"}, 0)
    ballot = await rooms.add_ballot(room, {"question": "q", "options": ["a", "b"]})
    await rooms.open(ballot)
    await cast(rooms, ballot, "v1", "k", (1,))

    closes = await asyncio.gather(*[rooms.close(ballot.id) for _ in range(20)])

    assert sum(c.announced_here for c in closes) == 1
    assert len({c.sealed["sha256"] for c in closes}) == 1
    assert closes[0].sealed["record"]["counts"] == [0, 1]


async def test_store_refuses_with_named_errors(rooms: Rooms) -> None:
    room, _ = await rooms.create_room({"title": "t"}, 0)
    ballot: Ballot = await rooms.add_ballot(room, {"question": "q", "options": ["a", "b"]})
    await rooms.open(ballot)
    await cast(rooms, ballot, "v1", "k1", (0,))
    with pytest.raises(AlreadyVoted):
        await cast(rooms, ballot, "v1", "k2", (1,))
    with pytest.raises(InvalidOption):
        await cast(rooms, ballot, "v2", "k1", (5,))
    await rooms.close(ballot.id)
    with pytest.raises(BallotClosed):
        await cast(rooms, ballot, "v3", "k1", (0,))
    assert (await rooms.tally(ballot.id)).counts == (1, 0)


async def test_votes_arriving_together_each_get_their_own_answer(rooms: Rooms) -> None:
    """Votes that reach a worker together go to Redis together: one refused vote
    must not spoil the others, and each caller hears about its own vote."""
    room, _ = await rooms.create_room({"title": "t"}, 0)
    ballot = await rooms.add_ballot(room, {"question": "q", "options": ["a", "b", "c"]})
    await rooms.open(ballot)

    async def attempt(coro: Any) -> Any:
        try:
            return await coro
        except (AlreadyVoted, InvalidOption) as refused:
            return refused.code

    first = [attempt(cast(rooms, ballot, f"v{i}", "k", (i % 3,))) for i in range(200)]
    bad = [attempt(cast(rooms, ballot, f"w{i}", "k", (7,))) for i in range(40)]
    answers = await asyncio.gather(*first, *bad)
    again = await asyncio.gather(
        *[attempt(cast(rooms, ballot, f"v{i}", "k", (i % 3,))) for i in range(30)],
        *[attempt(cast(rooms, ballot, f"v{i}", "other", (0,))) for i in range(30, 60)])

    applied, refused = answers[:200], answers[200:]
    assert all(getattr(a, "status", None) == "new" for a in applied)
    assert sorted(a.seq for a in applied) == list(range(2, 202))
    assert [a.receipt for a in applied] == [f"R-v{i}k" for i in range(200)]
    assert refused == ["invalid_option"] * 40
    assert [getattr(a, "status", a) for a in again] == ["repeat"] * 30 + ["already_voted"] * 30
    tally = await rooms.tally(ballot.id)
    assert tally.counts == (67, 67, 66) and tally.voters == 200
    assert sorted(await rooms.store.receipts(ballot.id)) == sorted(f"R-v{i}k" for i in range(200))


async def test_the_vote_script_refuses_a_ballot_of_another_room(rooms: Rooms) -> None:
    room, _ = await rooms.create_room({"title": "victim"}, 0)
    other, _ = await rooms.create_room({"title": "thief"}, 0)
    ballot = await rooms.add_ballot(room, {"question": "q", "options": ["a", "b"]})
    await rooms.open(ballot)

    with pytest.raises(BallotNotFound):
        await cast(rooms, ballot, "v1", "k", (1,), room_id=other.id)
    with pytest.raises(BallotNotFound):
        await rooms.store.withdraw(other.id, ballot.id, "d:v1", "p")
    with pytest.raises(BallotNotFound):
        await rooms.store.ballot_in(other.id, ballot.id)
    assert (await rooms.store.tally(ballot.id)).voters == 0
    assert (await rooms.store.ballot_in(room.id, ballot.id)).id == ballot.id
