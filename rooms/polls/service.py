"""The rules of live rooms: who may do what to which ballot, and when.

Randomness and time come in as arguments; Redis is reached through Store.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, replace
from typing import Any, Callable

from rooms.ledger import chain as ledger
from rooms.polls import payloads
from rooms.gates import tokens
from rooms.gates.admission import Admission, OTP_GAP_S
from rooms.errors import (BadPayload, BallotNotFound, CodesExhausted, MeetingError, NotHost,
                          RoomNotFound)
from rooms.gates.checks import Gates, read_pass
from rooms.gates.limits import Limits
from rooms.polls.reads import RoomReads
from rooms.polls.opentext import TextAnswers
from rooms.polls import figures
from rooms.polls.views import RoomViews
from rooms.polls.model import Ballot, Cast, Kind, Room, State, Tally, Visibility
from rooms.ledger.bundle import Signer
from rooms.polls.closing import Closed, Closer, Decorate
from rooms.ledger.entropy import POOL
from rooms.polls.result import canonical
from rooms.polls.screen import AUTO, Directive, request as screen_request
from rooms.store import Store

DEVICE = "device"
GATES_CACHE_MS = 1000
STATIC_CACHE = 10_000
CODE_ATTEMPTS = 50
CODE_KEEP_EVERY_S = 60.0
RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def unsigned(data: bytes) -> dict[str, str]:
    return {"signature": "", "public_key": "", "algorithm": "none"}


def new_id() -> str:
    return secrets.token_hex(6)


def new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def new_receipt() -> str:
    """8 characters of a 32-letter alphabet: 40 random bits from one system call."""
    bits = int.from_bytes(POOL.take(5), "big")
    raw = "".join(RECEIPT_ALPHABET[(bits >> (5 * i)) & 31] for i in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def shaped(ballot: Ballot, request: payloads.VoteRequest) -> payloads.VoteRequest:
    """A vote as its question type counts it: a ranking's order as its cells."""
    if ballot.kind is Kind.TEXT:
        raise BadPayload("choices", "an open-text question is answered with answer:send")
    if ballot.kind is Kind.QA:
        raise BadPayload("choices", "a Q&A board takes question:ask and question:upvote")
    if request.ranking:
        if ballot.kind is not Kind.RANKING:
            raise BadPayload("ranking", "is for ranking questions; send choices")
        request = replace(request, choices=figures.cells_of(list(request.ranking),
                                                            len(ballot.options)))
    figures.check_vote(ballot, request.choices)
    return request


@dataclass(frozen=True)
class Joined:
    room: Room
    voter: str
    device: str
    new_device: bool = False  # made for this join: no votes of its own yet


class Rooms(RoomReads, TextAnswers):
    def __init__(self, store: Store, secret: bytes, *,
                 make_id: Callable[[], str] = new_id,
                 make_code: Callable[[], str] = new_code,
                 make_receipt: Callable[[], str] = new_receipt,
                 otp_gap_s: int = OTP_GAP_S,
                 sign: Signer = unsigned,
                 limits: Limits | None = None,
                 decorate: Decorate | None = None) -> None:
        self.store = store
        self.limits = limits or Limits(store)
        self.secret = secret
        self._id = make_id
        self._code = make_code
        self._receipt = make_receipt
        self.admission = Admission(store, secret, otp_gap_s)
        self.closer = Closer(store, sign, decorate) if decorate else Closer(store, sign)
        self._gates: dict[str, tuple[int, Gates]] = {}
        self._static: dict[str, Ballot] = {}
        self._kept: dict[str, float] = {}
        self.views = RoomViews()  # phones' view of each event room, per worker

    # host --------------------------------------------------------------------

    async def create_room(self, payload: Any, now_ms: int, address: str | None = None
                          ) -> tuple[Room, str]:
        """A new room and its host key; `address` (an anonymous visitor's) is held
        to the creation limit, None (the operator, the demo) is not."""
        spec = payloads.room_spec(payload)
        if address is not None:
            await self.limits.room_created(address)
        room_id = self._id()
        for _ in range(CODE_ATTEMPTS):
            code = self._code()
            if await self.store.claim_code(code, room_id, self.limits.code_idle_s):
                break
        else:
            raise CodesExhausted()
        room = Room(room_id, code, spec.title, spec.lang, now_ms, spec.kind)
        host_key = secrets.token_urlsafe(24)
        await self.store.save_room(room, tokens.key_hash(host_key))
        return room, host_key

    async def as_host(self, room_id: object, host_key: object) -> Room:
        if not isinstance(room_id, str) or not room_id:
            raise RoomNotFound(str(room_id))
        room, stored = await self.store.room(room_id)
        if not isinstance(host_key, str) or not secrets.compare_digest(
                tokens.key_hash(host_key), stored):
            raise NotHost()
        if self._kept.get(room.id, 0.0) < time.monotonic():  # a host's use keeps the code
            if len(self._kept) > 10_000:
                self._kept.clear()
            self._kept[room.id] = time.monotonic() + CODE_KEEP_EVERY_S
            await self.store.keep_code(room.code, room.id, self.limits.code_idle_s)
        return room

    async def add_ballot(self, room: Room, payload: Any) -> Ballot:
        spec = payloads.ballot_spec(payload)
        ballot = Ballot(self._id(), room.id, spec.question, spec.options, spec.kind,
                        spec.max_choices, spec.allow_change, spec.visibility,
                        secret=spec.secret, rule=spec.rule or {}, confirm=spec.confirm,
                        form=spec.form or {})
        await self.store.save_ballot(ballot)
        return ballot

    async def ballot_in(self, room: Room, ballot_id: object) -> Ballot:
        """A ballot id from a client, checked to belong to `room` (in the store)."""
        return await self.store.ballot_in(room.id, ballot_id)

    async def open(self, ballot: Ballot, countdown_s: int = 0,
                   roster: list[str] | None = None,
                   roster_info: dict[str, Any] | None = None) -> Ballot:
        """Open (or re-open after a reset), publishing the manifest; an agenda
        item passes its roster commitment (`Meetings.open_item`)."""
        room, _ = await self.store.room(ballot.room_id)
        gates = list((await self.admission.gates(room.id)).required())
        text = canonical(ledger.manifest(ballot, room.title, gates, roster)
                         | (roster_info or {})).decode()
        _, closes_at = await self.store.open(ballot.id, countdown_s * 1000, text,
                                             ledger.sha256_hex(text.encode()))
        await self.store.add_deadline(ballot.id, closes_at)
        return await self.store.ballot(ballot.id)

    async def countdown(self, ballot: Ballot, seconds: int) -> Ballot:
        closes_at = await self.store.countdown(ballot.id, seconds * 1000)
        await self.store.add_deadline(ballot.id, closes_at)
        return await self.store.ballot(ballot.id)

    async def reset(self, ballot: Ballot, reason: str) -> int:
        discarded = await self.store.reset(ballot.id, reason)
        await self.store.drop_deadline(ballot.id)
        return discarded

    async def show_on_screen(self, room: Room, payload: Any, now_ms: int) -> Directive | None:
        """Store what the room's screens show from now on (None: they follow the
        floor again); a ballot or agenda item must be the room's own."""
        asked = screen_request(payload)
        shown = None
        if asked.view != AUTO:
            ballot = None if asked.view == "welcome" else await self.ballot_in(room, asked.ballot)
            if asked.view == "quorum" and not (ballot and ballot.rule):
                raise BadPayload("ballot", "the quorum gauge is shown for agenda items only")
            shown = Directive(asked.view, ballot.id if ballot else None, asked.reveal, now_ms)
        await self.store.save_screen(room.id, shown.dumps() if shown else None)
        return shown

    async def close(self, ballot_id: str) -> Closed:
        """Close once and seal the result once; safe to call from every worker."""
        return await self.closer.close(ballot_id)

    async def seal(self, ballot_id: str) -> Closed:
        """Close once and seal once, without the signed bundle: what to announce."""
        return await self.closer.seal(ballot_id)

    async def finish(self, ballot_id: str) -> None:
        """The signed bundle of a sealed ballot (once; safe from every worker)."""
        await self.closer.finish(ballot_id)

    async def close_due(self) -> list[Closed]:
        """Seal every ballot whose countdown ran out (their bundles via `finish`)."""
        return [await self.seal(b) for b in await self.store.due()]

    # voters ------------------------------------------------------------------

    async def join(self, payload: Any, address: str = "") -> Joined:
        body = payloads.as_dict(payload)
        code = body.get("code")
        if code is not None:
            room_id = await self.limits.room_by_code(code, address)
        else:
            room_id = payloads.text(body, "room", limit=64)
        room, _ = await self.store.room(room_id)
        voter = tokens.unsign(self.secret, DEVICE, body.get("device"))
        if voter is not None:
            return Joined(room, voter, body["device"])
        device = tokens.sign(self.secret, DEVICE, self._id())
        made = tokens.unsign(self.secret, DEVICE, device)
        assert made is not None
        return Joined(room, made, device, new_device=True)

    async def set_gates(self, room_id: str, payload: Any) -> tuple[Gates, Gates]:
        """(before, after) the host's change; this worker's cache forgets the old
        checks at once (other workers within GATES_CACHE_MS)."""
        before = await self.admission.gates(room_id)
        after = await self.admission.set_gates(room_id, payload)
        self._gates.pop(room_id, None)
        return before, after

    async def gates(self, room_id: str, now_ms: int) -> Gates:
        """The room's gates, re-read at most once a second per worker: a host's
        change reaches every vote within that second."""
        cached = self._gates.get(room_id)
        if cached is None:
            cached = self._gates[room_id] = (now_ms, await self.admission.gates(room_id))
        elif now_ms - cached[0] > GATES_CACHE_MS:
            # One refresh at a time: votes arriving meanwhile use what was read a
            # second ago instead of each reading Redis again.
            self._gates[room_id] = (now_ms, cached[1])
            cached = self._gates[room_id] = (now_ms, await self.admission.gates(room_id))
        return cached[1]

    async def cast(self, room_id: str, voter: str, payload: Any, now_ms: int) -> Cast:
        request = payloads.vote_request(payload)
        gates = await self.gates(room_id, now_ms)
        admitted = read_pass(self.secret, request.pass_token, room_id, voter, now_ms,
                             gates.required(), gates.epoch)
        ballot = await self.static_ballot(request.ballot_id)
        if ballot.room_id != room_id:
            raise BallotNotFound(request.ballot_id)
        if ballot.rule:
            raise MeetingError("members_only", "members vote on agenda items through their "
                                               "personal invitation link", 403)
        return await self.cast_as(room_id, ballot, admitted.ids(), shaped(ballot, request))

    async def static_ballot(self, ballot_id: str) -> Ballot:
        """A ballot for the parts that never change (room, options, rule, secret),
        remembered per worker: a vote then costs one Redis round trip, not two.
        Its state may be stale; the vote script checks the live state itself."""
        ballot = self._static.get(ballot_id)
        if ballot is None:
            if len(self._static) >= STATIC_CACHE:
                self._static.clear()
            ballot = self._static[ballot_id] = await self.store.ballot(ballot_id)
        return ballot

    async def cast_as(self, room_id: str, ballot: Ballot, ids: list[str],
                      request: payloads.VoteRequest, mode: str = "live",
                      replaces: str = "", rank: int = 0, by_proxy: bool = False) -> Cast:
        """Apply a vote for these identities (the first names the voter), acting in
        `room_id`: the vote script refuses a ballot of another room."""
        nonce = request.nonce or POOL.hex(16)
        # A client key repeats a ballot only in its own mode: an advance vote's key
        # never makes a later paper or written ballot look like a repeat.
        key = request.client_key if mode == "live" else f"{mode}:{request.client_key}"
        return await self.store.cast(
            room_id, ballot.id, ids, key, request.choices, self._receipt(),
            ledger.tracker(ballot.id, request.choices, nonce), nonce,
            ledger.pseudonym(self.secret, ballot.id, ids[0]), mode, ballot.secret, replaces,
            rank, by_proxy)

    async def voter_view(self, room_id: str, voter: str, *, new_device: bool = False,
                         cached: bool = True) -> list[dict[str, Any]]:
        """Every ballot of the room as this voter may see it: the shared part from
        this worker's `views` unless `cached` is off, the voter's own votes from
        Redis unless the device is new (it has none)."""
        shared = await (self.views.get(room_id, self._shared_views) if cached
                        else self._shared_views(room_id))
        mine = ([None] * len(shared) if new_device else
                await self.store.my_votes([v["id"] for v in shared], f"d:{voter}"))
        for view, my_vote in zip(shared, mine):  # an open answer: its text, to show again
            if my_vote is not None and "answer" in my_vote:
                given = await self.store.my_answer(view["id"], my_vote["answer"])
                my_vote["text"] = given["text"] if given else None
        return [dict(view, my_vote=my_vote) for view, my_vote in zip(shared, mine)]

    async def _shared_views(self, room_id: str) -> list[dict[str, Any]]:
        ballots = await self.store.ballots(room_id)
        shown = [b.id for b in ballots if b.state is State.CLOSED
                 and b.visibility is not Visibility.NEVER]
        results = dict(zip(shown, await self.store.results(shown)))
        views = []
        for ballot in ballots:
            view = ballot.public()
            if ballot.state is State.CLOSED:
                view["result"] = results.get(ballot.id)
            views.append(view)
        return views

    async def tally(self, ballot_id: str) -> Tally:
        return await self.store.tally(ballot_id)
