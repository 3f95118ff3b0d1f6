"""`Store`, the one object that talks to Redis: rooms, ballots, votes and results
here, ledgers and gates in its bases."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import orjson
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import ResponseError

from rooms.store import keys
from rooms.errors import BallotNotFound, RoomNotFound, refusal
from rooms.polls.model import Ballot, Cast, Kind, Room, State, Tally, Visibility
from rooms.store.answers import (FIGURE_FIELDS, WRITTEN_KINDS, AnswerStore, answer_list,
                                 figure_fields, tally_figures)
from rooms.store.base import Client, _s, lua, script
from rooms.store.batch import ScriptBatcher
from rooms.store.gates import GatesStore
from rooms.store.ledger import LedgerStore
from rooms.store.screen import ScreenStore

VOTE_ARGS = 13  # arguments of one vote in vote.lua
REWRITE_TRIES, REWRITE_WAIT_S = 50, 0.2
ROOM_CACHE_S = 30.0
ROOM_CACHE_SIZE = 10_000


class Store(LedgerStore, GatesStore, ScreenStore, AnswerStore):
    """Rooms, ballots, votes, deadlines and results; ledgers, gates and the
    screens' directive come from the bases (rooms/store/ledger.py, gates.py,
    screen.py)."""

    def __init__(self, redis: Client, vote_replicas: int = 0) -> None:
        """`vote_replicas`: replicas that must hold a vote before it is answered
        (rooms/store/batch.py)."""
        self.redis = redis
        self._votes = ScriptBatcher(redis, lua("vote"), VOTE_ARGS, vote_replicas)
        self._open = script(redis, "open")
        self._countdown = script(redis, "countdown")
        self._close = script(redis, "close")
        self._reset = script(redis, "reset")
        self._otp = script(redis, "otp")
        self._attempt = script(redis, "attempt")
        self._chain = script(redis, "chain")
        self._result_event = script(redis, "result_event")
        self._withdraw = script(redis, "withdraw")
        self._receipts = script(redis, "receipts")
        self._answer_scripts()
        self._rooms: dict[str, tuple[float, tuple[Room, str]]] = {}
        self._codes: dict[str, tuple[float, str]] = {}

    # rooms ---------------------------------------------------------------

    async def claim_code(self, code: str, room_id: str, idle_s: int) -> bool:
        """Take a free join code for `idle_s`; each use (a join by code, a host's
        action) keeps it another `idle_s`, and an idle room's code is freed."""
        return bool(await self.redis.set(keys.code(code), room_id, nx=True, ex=idle_s))

    async def keep_code(self, code: str, room_id: str, idle_s: int) -> None:
        """Another `idle_s` for a room's code, if the code is still the room's."""
        if _s(await self.redis.get(keys.code(code)) or b"") == room_id:
            await self.redis.expire(keys.code(code), idle_s)

    async def save_room(self, room: Room, host_key_hash: str) -> None:
        await self.redis.hset(keys.room(room.id), mapping={
            "code": room.code, "title": room.title, "lang": room.lang, "kind": room.kind,
            "created_at": room.created_at, "host": host_key_hash,
        })

    async def room(self, room_id: str) -> tuple[Room, str]:
        """A room never changes once created: each worker keeps what it read for
        ROOM_CACHE_S (10,000 phones joining read it 10,000 times)."""
        cached = self._rooms.get(room_id)
        if cached is not None and time.monotonic() - cached[0] < ROOM_CACHE_S:
            return cached[1]
        raw = await self.redis.hgetall(keys.room(room_id))
        if not raw:
            raise RoomNotFound(room_id)
        f = {_s(k): _s(v) for k, v in raw.items()}
        room = Room(room_id, f["code"], f["title"], f["lang"], int(f["created_at"]),
                    f.get("kind", "event"))
        if len(self._rooms) >= ROOM_CACHE_SIZE:
            self._rooms.clear()
        self._rooms[room_id] = (time.monotonic(), (room, f["host"]))
        return room, f["host"]

    def cached_code(self, code: str) -> str | None:
        """The room of a code this worker looked up within ROOM_CACHE_S, or None."""
        cached = self._codes.get(code)
        if cached is not None and time.monotonic() - cached[0] < ROOM_CACHE_S:
            return cached[1]
        return None

    async def room_by_code(self, code: str, idle_s: int) -> str:
        """The room a join code names; a look-up (at most one per worker per
        ROOM_CACHE_S) keeps the code another `idle_s`."""
        cached = self._codes.get(code)
        if cached is not None and time.monotonic() - cached[0] < ROOM_CACHE_S:
            return cached[1]
        room_id = await self.redis.getex(keys.code(code), ex=idle_s)
        if room_id is None:
            raise RoomNotFound(code)
        if len(self._codes) >= ROOM_CACHE_SIZE:
            self._codes.clear()
        self._codes[code] = (time.monotonic(), _s(room_id))
        return _s(room_id)

    # ballots -------------------------------------------------------------

    async def save_ballot(self, ballot: Ballot) -> None:
        definition = {"question": ballot.question, "options": list(ballot.options),
                      "kind": ballot.kind.value, "visibility": ballot.visibility.value,
                      "secret": ballot.secret, "rule": ballot.rule, "confirm": ballot.confirm,
                      "form": ballot.form}
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hset(keys.ballot(ballot.id), mapping={
                "room": ballot.room_id, "def": json.dumps(definition, ensure_ascii=False),
                "state": ballot.state.value, "n": ballot.cells, **figure_fields(ballot),
                "max": ballot.max_choices, "change": int(ballot.allow_change),
                "opened_at": 0, "closes_at": 0, "closed_at": 0, "seq": 0, "resets": 0,
            })
            pipe.rpush(keys.room_ballots(ballot.room_id), ballot.id)
            await pipe.execute()

    async def ballot(self, ballot_id: str) -> Ballot:
        """A ballot by an id the server itself holds (a deadline, a closed result).
        An id a client sent goes through `ballot_in`."""
        raw = await self.redis.hgetall(keys.ballot(ballot_id))
        if not raw:
            raise BallotNotFound(ballot_id)
        return _ballot(ballot_id, {_s(k): _s(v) for k, v in raw.items()})

    async def ballot_in(self, room_id: str, ballot_id: object) -> Ballot:
        """The one check that a ballot (or agenda item) id sent by a client belongs
        to the room it acts in; another room's id is answered as no such ballot.
        The scripts that change a ballot (vote, withdraw) check the room again."""
        if not isinstance(ballot_id, str) or not 0 < len(ballot_id) <= 64:
            raise BallotNotFound(str(ballot_id)[:64])
        raw = await self.redis.hgetall(keys.ballot(ballot_id))
        ballot = _ballot(ballot_id, {_s(k): _s(v) for k, v in raw.items()}) if raw else None
        if ballot is None or ballot.room_id != room_id:
            raise BallotNotFound(ballot_id)
        return ballot

    async def ballot_ids(self, room_id: str) -> list[str]:
        return [_s(b) for b in await self.redis.lrange(keys.room_ballots(room_id), 0, -1)]

    async def ballots(self, room_id: str) -> list[Ballot]:
        ids = await self.ballot_ids(room_id)
        async with self.redis.pipeline(transaction=False) as pipe:
            for ballot_id in ids:
                pipe.hgetall(keys.ballot(ballot_id))
            rows = await pipe.execute()
        return [_ballot(b, {_s(k): _s(v) for k, v in row.items()}) for b, row in zip(ids, rows)]

    async def open(self, ballot_id: str, countdown_ms: int, manifest: str,
                   manifest_hash: str) -> tuple[int, int]:
        await self.redis.set(keys.manifest(ballot_id), manifest)
        reply = await self._open(keys=[keys.ballot(ballot_id), keys.log(ballot_id)],
                                 args=[countdown_ms, manifest_hash])
        _check(reply, ballot_id)
        return int(reply[1]), int(reply[2])

    async def countdown(self, ballot_id: str, ms: int) -> int:
        reply = await self._countdown(keys=[keys.ballot(ballot_id), keys.log(ballot_id)],
                                      args=[ms])
        _check(reply, ballot_id)
        return int(reply[1])

    async def close(self, ballot_id: str) -> tuple[bool, int]:
        """(whether this call closed it, closed_at)."""
        reply = await self._close(keys=[keys.ballot(ballot_id), keys.log(ballot_id)])
        _check(reply, ballot_id)
        return _s(reply[0]) == "closed", int(reply[1])

    async def reset(self, ballot_id: str, reason: str) -> int:
        reply = await self._reset(keys=keys.ballot_keys(ballot_id)[:4] + [
            keys.log(ballot_id), keys.secret_box(ballot_id), keys.secret_links(ballot_id),
            keys.answers(ballot_id)], args=[reason])
        _check(reply, ballot_id)
        return int(reply[1])

    async def resets(self, ballot_id: str) -> list[dict[str, Any]]:
        return [orjson.loads(r) for r in await self.redis.lrange(keys.resets(ballot_id), 0, -1)]

    # votes and tallies -----------------------------------------------------

    async def cast(self, room_id: str, ballot_id: str, identities: list[str], client_key: str,
                   choices: tuple[int, ...], receipt: str, tracker: str, nonce: str,
                   pseudonym: str, mode: str = "live", secret: bool = False,
                   replaces: str = "", rank: int = 0, by_proxy: bool = False) -> Cast:
        reply = await self._votes.call(
            ballot_id,
            [keys.ballot(ballot_id), keys.counts(ballot_id), keys.voters(ballot_id),
             keys.log(ballot_id), keys.secret_box(ballot_id), keys.secret_links(ballot_id)],
            [",".join(identities), client_key, ",".join(map(str, choices)), receipt,
             tracker, nonce, pseudonym, mode, "1" if secret else "0", replaces, room_id,
             str(rank), "1" if by_proxy else "0"])
        _check(reply, ballot_id)
        applied = tuple(int(c) for c in _s(reply[4]).split(",") if c)
        return Cast(ballot_id, int(reply[1]), _s(reply[2]), _s(reply[3]), applied,
                    _s(reply[5]))

    async def my_votes(self, ballot_ids: list[str], identity: str
                       ) -> list[dict[str, Any] | None]:
        """`my_vote` for several ballots in two round trips."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for ballot_id in ballot_ids:
                pipe.hget(keys.voters(ballot_id), f"i:{identity}")
            owners = await pipe.execute()
        async with self.redis.pipeline(transaction=False) as pipe:
            for ballot_id, owner in zip(ballot_ids, owners):
                pipe.hget(keys.voters(ballot_id), f"v:{_s(owner)}" if owner else "v:")
            entries = await pipe.execute()
        return [None if owner is None or raw is None else _mine(orjson.loads(raw))
                for owner, raw in zip(owners, entries)]

    async def my_vote(self, ballot_id: str, identity: str) -> dict[str, Any] | None:
        owner = await self.redis.hget(keys.voters(ballot_id), f"i:{identity}")
        if owner is None:
            return None
        raw = await self.redis.hget(keys.voters(ballot_id), f"v:{_s(owner)}")
        if raw is None:
            return None
        return _mine(orjson.loads(raw))

    async def tally(self, ballot_id: str) -> Tally:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hmget(keys.ballot(ballot_id), "state", "n", "seq", "closes_at", *FIGURE_FIELDS)
            pipe.hgetall(keys.counts(ballot_id))
            meta, counts = await pipe.execute()
        if meta[0] is None:
            raise BallotNotFound(ballot_id)
        # Open answers and Q&A questions, read after seq: at least as new as it.
        given = await self.redis.hgetall(keys.answers(ballot_id)) \
            if _s(meta[4] or b"") in WRITTEN_KINDS else {}
        c = {_s(k): int(v) for k, v in counts.items()}
        numbers = tuple(c.get(str(i), 0) for i in range(int(meta[1])))
        return Tally(ballot_id, int(meta[2]), State(_s(meta[0])), numbers,
                     c.get("voters", 0), int(meta[3]),
                     tally_figures(meta[4:], numbers, answer_list(given)))

    async def seqs(self, ballot_ids: list[str]) -> dict[str, int]:
        async with self.redis.pipeline(transaction=False) as pipe:
            for ballot_id in ballot_ids:
                pipe.hget(keys.ballot(ballot_id), "seq")
            rows = await pipe.execute()
        return {b: int(s) for b, s in zip(ballot_ids, rows) if s is not None}

    async def counted(self, ballot_id: str) -> list[dict[str, Any]]:
        """The current ballot of every voter: receipt, mode, pseudonym and, for named
        ballots, tracker, nonce and choices."""
        entries = await self.redis.hgetall(keys.voters(ballot_id))
        return [orjson.loads(v) for k, v in entries.items() if _s(k).startswith("v:")]

    async def receipts(self, ballot_id: str) -> list[str]:
        """The receipts of the counted ballots (what the seal hashes), read in Redis."""
        text = _s(await self._receipts(keys=[keys.voters(ballot_id)]))
        return text.split("\n") if text else []

    async def ballots_by_owner(self, ballot_id: str) -> dict[str, dict[str, Any]]:
        entries = await self.redis.hgetall(keys.voters(ballot_id))
        return {_s(k)[2:]: orjson.loads(v) for k, v in entries.items() if _s(k).startswith("v:")}

    async def secret_box(self, ballot_id: str) -> dict[str, tuple[list[int], str]]:
        """Secret ballots: tracker -> (choices, nonce), with no voter attached."""
        raw = await self.redis.hgetall(keys.secret_box(ballot_id))
        box = {}
        for tracker, value in raw.items():
            choices, _, nonce = _s(value).partition("|")
            box[_s(tracker)] = ([int(c) for c in choices.split(",")], nonce)
        return box

    async def withdraw(self, room_id: str, ballot_id: str, identity: str, member: str,
                       tracker: str = "") -> str:
        reply = await self._withdraw(
            keys=[keys.ballot(ballot_id), keys.counts(ballot_id), keys.voters(ballot_id),
                  keys.log(ballot_id), keys.secret_box(ballot_id), keys.secret_links(ballot_id)],
            args=[identity, tracker, room_id, member])
        _check(reply, ballot_id)
        return _s(reply[1])

    async def forget_secret_links(self, ballot_id: str) -> bool:
        """Drop which voter cast which secret ballot (kept only while the ballot
        was open), and store the secret box again in tracker order: a small hash
        keeps its fields in the order they came, which is the voters' order.
        True if there were links. (At close: nothing writes the box any more.)"""
        box_key = keys.secret_box(ballot_id)
        box = await self.redis.hgetall(box_key)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(keys.secret_links(ballot_id))
            if box:
                pipe.delete(box_key)
                pipe.hset(box_key, mapping=dict(sorted(box.items())))
            replies = await pipe.execute()
        return bool(replies[0])

    async def rewrite_append_only_file(self) -> bool:
        """Ask the server to rewrite its append-only file (if it keeps one), so
        that history no longer stored is no longer on disk either. On a cluster,
        every node: a replica's file holds the same history as its primary's."""
        if isinstance(self.redis, RedisCluster):
            done = [await _rewrite(self.redis, node) for node in self.redis.get_nodes()]
            return any(done)
        return await _rewrite(self.redis)

    # deadlines and results -------------------------------------------------

    async def add_deadline(self, ballot_id: str, closes_at: int) -> None:
        if closes_at:
            await self.redis.zadd(keys.DEADLINES, {ballot_id: closes_at})
        else:
            await self.redis.zrem(keys.DEADLINES, ballot_id)

    async def due(self) -> list[str]:
        seconds, micros = await self.redis.time()
        now = seconds * 1000 + micros // 1000
        return [_s(b) for b in await self.redis.zrangebyscore(keys.DEADLINES, "-inf", now)]

    async def drop_deadline(self, ballot_id: str) -> None:
        await self.redis.zrem(keys.DEADLINES, ballot_id)

    async def save_result(self, ballot_id: str, sealed: dict[str, Any]) -> bool:
        """Store the sealed record once; False if one was already stored."""
        body = json.dumps(sealed, ensure_ascii=False, sort_keys=True)
        return bool(await self.redis.set(keys.result(ballot_id), body, nx=True))

    async def result(self, ballot_id: str) -> dict[str, Any] | None:
        raw = await self.redis.get(keys.result(ballot_id))
        return None if raw is None else dict(orjson.loads(raw))

    async def results(self, ballot_ids: list[str]) -> list[dict[str, Any] | None]:
        """`result` for several ballots in one round trip."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for ballot_id in ballot_ids:
                pipe.get(keys.result(ballot_id))
            rows = await pipe.execute()
        return [None if raw is None else dict(orjson.loads(raw)) for raw in rows]


async def _rewrite(redis: Client, node: Any = None) -> bool:
    """BGREWRITEAOF on one server (or one cluster node), once no rewrite runs."""
    target = {} if node is None else {"target_nodes": node}
    for _ in range(REWRITE_TRIES):
        persistence = await redis.info("persistence", **target)
        if not int(persistence.get("aof_enabled", 0)):
            return False
        if not int(persistence.get("aof_rewrite_in_progress", 0)):
            try:
                await redis.bgrewriteaof(**target)
                return True
            except ResponseError:
                pass  # one started just now; it may predate what we dropped
        await asyncio.sleep(REWRITE_WAIT_S)
    return False


def _mine(entry: dict[str, Any]) -> dict[str, Any]:
    """What a voter is shown of their own counted ballot (an open-text answer:
    its id, `answer`)."""
    mine = {"choices": sorted(int(c) for c in entry.get("c") or []), "receipt": entry["r"],
            "tracker": entry.get("t"), "mode": entry.get("m", "live")}
    return mine | {"answer": entry["a"]} if "a" in entry else mine


def _check(reply: list[Any], ballot_id: str) -> None:
    if _s(reply[0]) == "err":
        raise refusal(_s(reply[1]), ballot_id)


def _ballot(ballot_id: str, f: dict[str, str]) -> Ballot:
    d = orjson.loads(f["def"])
    return Ballot(
        id=ballot_id, room_id=f["room"], question=d["question"], options=tuple(d["options"]),
        kind=Kind(d["kind"]), max_choices=int(f["max"]), allow_change=f["change"] == "1",
        visibility=Visibility(d["visibility"]), state=State(f["state"]),
        opened_at=int(f["opened_at"]), closes_at=int(f["closes_at"]),
        closed_at=int(f["closed_at"]), resets=int(f["resets"]),
        manifest_sha256=f.get("manifest", ""), secret=bool(d.get("secret")),
        rule=d.get("rule") or {},
        confirm=bool(d.get("confirm", bool(d.get("rule")))),  # stored before the field: by kind
        form=d.get("form") or {},
    )
