"""Online general meetings: roster, record date, attendance by mode, proxies,
written and advance ballots, and the legal decision per agenda item."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from rooms.polls import payloads
from rooms.meetings import roster
from rooms.meetings.adjourning import not_adjourned
from rooms.gates import tokens
from rooms.meetings.invites import Invitations
from rooms.errors import BadPayload, BallotNotFound, MeetingError
from rooms.ledger.chain import pseudonym
from rooms.polls.model import Ballot, Room, State
from rooms.meetings.counting import ItemCount, presence, seats, member_of
from rooms.meetings.quorum import Member, Mode, counted_as
from rooms.polls.service import Rooms
from rooms.store import MeetingStore

GRACE_MS = 60_000
MEMBER_TTL_MS = 24 * 3600 * 1000
DIRECT_MODES = ("in_person", "proxy", "online")


class Meetings:
    def __init__(self, rooms: Rooms, store: MeetingStore, counting: ItemCount,
                 grace_ms: int = GRACE_MS, seal: roster.Seal | None = None) -> None:
        self.rooms = rooms
        self.store = store
        self.counting = counting
        self.grace_ms = grace_ms
        self.seal = seal
        self.invites = Invitations(store, rooms.secret)

    async def gauge(self, ballot: Ballot) -> dict[str, Any]:
        return await self.counting.gauge(ballot)

    async def meta(self, room_id: str) -> dict[str, str]:
        return await self.store.meta(room_id)

    async def people(self, room_id: str) -> dict[str, dict[str, Any]]:
        return await self.store.people(room_id)

    async def representative_of(self, room_id: str, member: str) -> dict[str, Any] | None:
        """The roster row of the person who votes for a member, if named."""
        rep = await self.store.representative(room_id, member)
        return await self.store.person(room_id, rep) if rep else None

    # roster ------------------------------------------------------------------

    async def import_roster(self, room: Room, body: dict[str, Any]) -> dict[str, Any]:
        """Replace the roster (rows left out of a corrected file are removed) until
        the record date; rows of one person and co-owners of one holding are
        grouped into members, and the report says so."""
        if "record_date" in await self.store.meta(room.id):
            raise MeetingError("roster_frozen", "the record date is set; the roster is frozen")
        result = roster.parse(body.get("csv"), self.rooms.secret, self.seal)
        people, reps, report = roster.group(result.people)
        rows = {p.member_no: json.dumps(asdict(p), ensure_ascii=False) for p in people}
        version = await self.store.replace_people(room.id, rows, reps,
                                                  roster.digest(people))
        if version is None:
            raise MeetingError("roster_frozen", "the record date is set; the roster is frozen")
        await self.invites.publish(room.id, list(rows))
        return {"imported": len(people), "errors": result.errors,
                "warnings": result.warnings,
                "persons": len({(p.name, p.phone_hash) for p in people}),
                "members": report["members"], "grouped": report["grouped"],
                "version": version}

    async def name_representative(self, room: Room, body: dict[str, Any]) -> dict[str, Any]:
        """Staff name who votes for a member with several co-owners."""
        person = await self.person(room.id, body.get("member_no"))
        await self.store.set_representative(room.id, member_of(person), person["member_no"])
        return {"member": member_of(person), "representative": person["member_no"],
                "name": person["name"]}

    async def voter_for(self, room_id: str, person: dict[str, Any]) -> str:
        """The member a person votes for, or a refusal naming who votes for it."""
        member = member_of(person)
        rep = await self.store.representative(room_id, member)
        named = await self.store.person(room_id, rep) if rep else None
        same = named is not None and (named["name"], named["phone_hash"]) == (
            person["name"], person["phone_hash"])  # the same person, another of their rows
        if rep and not same:
            who = named["name"] if named else rep
            raise MeetingError("not_representative", f"{who} ({rep}) votes for this holding "
                                                     f"(대표 조합원: {who}); staff can name "
                                                     "another representative", 403,
                               representative=who, representative_no=rep)
        return member

    async def freeze(self, room: Room, body: dict[str, Any]) -> dict[str, Any]:
        date = payloads.text(body, "record_date", limit=10)
        people = await self.store.people(room.id)
        if not people:
            raise MeetingError("roster_empty", "import the roster before setting the record date")
        n = len({member_of(p) for p in people.values()})
        if not await self.store.freeze(room.id, date, n):
            raise MeetingError("record_date_set", "the record date was already set")
        return {"record_date": date, "n": n}

    async def n(self, room_id: str) -> int:
        return await self.counting.n(room_id)

    async def person(self, room_id: str, member_no: object) -> dict[str, Any]:
        if not isinstance(member_no, str) or not member_no:
            raise BadPayload("member_no", "is required")
        found = await self.store.person(room_id, member_no)
        if found is None:
            raise MeetingError("member_not_found", f"no member {member_no} on the roster", 404)
        return found

    def invite(self, room_id: str, member_no: str) -> str:
        return tokens.sign(self.rooms.secret, "invite", f"{room_id}:{member_no}")

    async def from_invite(self, token: object) -> tuple[str, dict[str, Any]]:
        value = tokens.unsign(self.rooms.secret, "invite", token)
        if value is None:
            raise MeetingError("invite_invalid", "this invitation link is not valid", 403)
        room_id, _, member_no = value.partition(":")
        return room_id, await self.person(room_id, member_no)

    def member_token(self, room_id: str, member_no: str, now_ms: int) -> str:
        """Kept by the member's page to come back after a refresh without a new code."""
        return tokens.sign(self.rooms.secret, "member",
                           f"{room_id}:{now_ms + MEMBER_TTL_MS}:{member_no}")

    async def from_token(self, token: object, now_ms: int) -> tuple[str, dict[str, Any]]:
        value = tokens.unsign(self.rooms.secret, "member", token)
        if value is None:
            raise MeetingError("member_token_invalid", "verify your phone again", 401)
        room_id, expires, member_no = value.split(":", 2)
        if int(expires) < now_ms:
            raise MeetingError("member_token_invalid", "your session expired; verify again", 401)
        return room_id, await self.person(room_id, member_no)

    async def member_view(self, room_id: str, holding: str) -> list[dict[str, Any]]:
        """Each agenda item, the member's ballot, and how the member is counted."""
        meta = await self.store.meta(room_id)
        record = await self.store.attendance_of(room_id, holding)  # one member's, not all
        views = []
        for ballot in await self.rooms.store.ballots(room_id):
            if not ballot.rule:
                continue
            mine = await self.rooms.store.my_vote(ballot.id, f"m:{holding}")
            start = int(meta.get(f"live:{ballot.id}", 0))
            end = ballot.closed_at or await self.store.now_ms()
            present, in_person = presence(record, start, end)
            mode = Mode(mine["mode"]) if mine and mine.get("mode") else None
            member = Member(holding, present or mode in (Mode.LIVE, Mode.PAPER),
                            in_person or mode is Mode.PAPER, mode)
            sealed = await self.rooms.store.result(ballot.id)
            decided = sealed["record"].get("meeting") if sealed else None
            views.append(ballot.public() | {
                "live": bool(start), "my_vote": mine,
                "counted_as": counted_as(member, _left_before(record, meta, start)),
                "outcome": decided and {k: decided[k] for k in
                                        ("outcome", "votes", "n", "a", "d", "elected")}})
        return views

    # attendance --------------------------------------------------------------

    async def register_proxy(self, room: Room, body: dict[str, Any]) -> dict[str, Any]:
        person = await self.person(room.id, body.get("member_no"))
        ground = body.get("ground")
        if ground not in roster.PROXY_GROUNDS:
            raise MeetingError("proxy_ineligible", "a proxy is allowed only for: " + "; ".join(
                roster.PROXY_GROUNDS.values()), 422)
        proxy = {"ground": ground, "name": payloads.text(body, "proxy_name", limit=100),
                 "document": payloads.text(body, "document", required=False, limit=200,
                                           default=""),
                 "at": await self.store.now_ms()}
        await self.store.save_proxy(room.id, member_of(person), proxy,
                                    self.who(room.id, member_of(person)))
        return {"holding": person["holding"], "member": member_of(person), **proxy}

    async def attend(self, room: Room, body: dict[str, Any]) -> dict[str, Any]:
        person = await self.person(room.id, body.get("member_no"))
        action = payloads.choice(body, "action", ("arrive", "leave"), "arrive")
        mode = payloads.choice(body, "mode", ("in_person", "proxy"), "in_person")
        if mode == "proxy" and member_of(person) not in await self.store.proxies(room.id):
            raise MeetingError("proxy_not_registered", "register the proxy and its legal ground "
                                                       "before checking the proxy in", 422)
        member = member_of(person)
        return await self.store.attend(room.id, member, action, mode, self.grace_ms,
                                       self.who(room.id, member))

    async def online(self, room_id: str, holding: str, action: str) -> None:
        await self.store.attend(room_id, holding, action, "online", self.grace_ms,
                                self.who(room_id, holding))

    def who(self, room_id: str, member: str) -> str:
        """A member in the room's published ledger: a per-room pseudonym."""
        return pseudonym(self.rooms.secret, room_id, f"m:{member}")

    # ballots -----------------------------------------------------------------

    async def open_early(self, room: Room, body: dict[str, Any]) -> dict[str, Any]:
        await self.n(room.id)
        await not_adjourned(self.store, room.id)
        now = await self.store.now_ms()
        closes_at = payloads.integer(body, "closes_at", now + 1000, now + 60 * 86_400_000)
        opened = []
        for ballot in await self.rooms.store.ballots(room.id):
            if ballot.state is State.DRAFT and ballot.rule:
                opened.append((await self.open_item(room, ballot)).id)
        await self.store.set_meta(room.id, early_closes_at=closes_at)
        return {"early_closes_at": closes_at, "opened": opened}

    async def close_early(self, room: Room) -> dict[str, Any]:
        """End advance voting now; the ballots cast stand, items stay open for
        the meeting."""
        now = await self.store.now_ms()
        if now >= int((await self.store.meta(room.id)).get("early_closes_at", 0)):
            raise MeetingError("early_closed", "advance voting is not open")
        await self.store.set_meta(room.id, early_closes_at=now)
        return {"early_closes_at": now}

    async def open_item(self, room: Room, ballot: Ballot, countdown_s: int = 0) -> Ballot:
        """Open an agenda item; its manifest commits to the frozen roster."""
        await self.n(room.id)
        members = {member_of(p) for p in (await self.store.people(room.id)).values()}
        commitment = [pseudonym(self.rooms.secret, ballot.id, f"m:{m}") for m in members]
        meta = await self.store.meta(room.id)
        return await self.rooms.open(ballot, countdown_s, commitment, {
            "roster_version": int(meta.get("roster_version", 0)),
            "roster_sha256": meta.get("roster_sha256", "")})

    async def go_live(self, room: Room, ballot: Ballot) -> Ballot:
        await self.n(room.id)
        await not_adjourned(self.store, room.id)
        if ballot.state is State.CLOSED:
            raise MeetingError("ballot_closed", "this item is already closed")
        if ballot.state is State.DRAFT:
            ballot = await self.open_item(room, ballot)
        # Once: a second start must not move the item's window (and drop from it
        # members who were there when it really opened).
        await self.store.set_meta_once(room.id, f"live:{ballot.id}", await self.store.now_ms())
        return ballot

    async def vote(self, room_id: str, holding: str, payload: Any) -> Any:
        body = payloads.as_dict(payload)
        request = payloads.vote_request(body)
        ballot = await self.item_in(room_id, request.ballot_id)
        meta = await self.store.meta(room_id)
        if f"live:{ballot.id}" in meta:
            mode = "live"
            stay = _current_stay(await self.store.attendance_of(room_id, holding))
            rank = RANK["hall"] if stay in ("in_person", "proxy") else RANK["online"]
        elif await self.store.now_ms() < int(meta.get("early_closes_at", 0)):
            mode, rank = "early", RANK["early"]
        else:
            raise MeetingError("early_closed", "advance voting has closed; vote when the "
                                               "item is opened at the meeting")
        return await self.rooms.cast_as(room_id, ballot, [f"m:{holding}"], request, mode,
                                        _replaced(ballot, body), rank)

    async def written(self, room: Room, body: dict[str, Any]) -> Any:
        """A mailed written resolution (서면결의), keyed in by staff until the
        meeting's cut-off; it never replaces a ballot that counts first."""
        person = await self.person(room.id, body.get("member_no"))
        request = payloads.vote_request(dict(body, client_key=f"written-{person['member_no']}"))
        ballot = await self.item_in(room.id, request.ballot_id)
        cutoff = int((await self.store.meta(room.id)).get("written_closes_at", 0))
        if cutoff and await self.store.now_ms() > cutoff:
            raise MeetingError("written_closed", "written resolutions were accepted until the "
                                                 "meeting's cut-off; this one is too late")
        member = await self.voter_for(room.id, person)
        return await self.rooms.cast_as(room.id, ballot, [f"m:{member}"], request,
                                        "written", _replaced(ballot, body), RANK["written"])

    async def paper(self, room: Room, body: dict[str, Any]) -> Any:
        """A paper ballot cast in the hall while the item is live, by the member or
        by a registered statutory proxy, keyed in by staff: in-person attendance
        and an in-person ballot, never a written resolution."""
        person = await self.person(room.id, body.get("member_no"))
        by = payloads.choice(body, "by", ("member", "proxy"), "member")
        key = payloads.text(body, "client_key", required=False, limit=64,
                            default=f"paper-{by}-{person['member_no']}")
        request = payloads.vote_request(dict(body, client_key=key))
        ballot = await self.item_in(room.id, request.ballot_id)
        if f"live:{ballot.id}" not in await self.store.meta(room.id):
            raise MeetingError("item_not_live", "paper ballots are cast in the hall while the "
                                                "item is live; start the item first")
        member = await self.voter_for(room.id, person)
        mode = "proxy" if by == "proxy" else "in_person"
        if mode == "proxy" and member not in await self.store.proxies(room.id):
            raise MeetingError("proxy_not_registered", "register the proxy and its legal "
                                                       "ground before their ballot", 422)
        # The ballot first: a refused one (outranked, the member's own vote stands)
        # must not check anyone in.
        cast = await self.rooms.cast_as(room.id, ballot, [f"m:{member}"], request,
                                        "paper", _replaced(ballot, body), RANK["hall"],
                                        by_proxy=by == "proxy")
        await self.attend(room, {"member_no": person["member_no"], "action": "arrive",
                                 "mode": mode})
        return cast

    async def written_cutoff(self, room: Room, body: dict[str, Any]) -> dict[str, Any]:
        now = await self.store.now_ms()
        closes_at = payloads.integer(body, "closes_at", 0, now + 365 * 86_400_000)
        await self.store.set_meta(room.id, written_closes_at=closes_at)
        return {"written_closes_at": closes_at}

    async def withdraw(self, room_id: str, holding: str, body: dict[str, Any]) -> dict[str, Any]:
        ballot = await self.item_in(room_id, body.get("ballot"))
        replaced = _replaced(ballot, body)
        identity = f"m:{holding}"
        mode = await self.rooms.store.withdraw(
            room_id, ballot.id, identity, pseudonym(self.rooms.secret, ballot.id, identity),
            replaced)
        return {"ballot": ballot.id, "withdrawn": mode}

    async def item_in(self, room_id: str, ballot_id: object) -> Ballot:
        """An agenda item of this meeting, by an id a client sent."""
        try:
            ballot = await self.rooms.store.ballot_in(room_id, ballot_id)
        except BallotNotFound:
            ballot = None
        if ballot is None or not ballot.rule:
            raise MeetingError("item_not_found", "no such agenda item in this meeting", 404)
        return ballot

    # counting ----------------------------------------------------------------

    async def runoff(self, room: Room, ballot: Ballot) -> Ballot:
        """A new item between the candidates tied in a closed election (or, when no
        candidate reached the threshold, the two with the most votes), under the
        same agenda type and rule."""
        sealed = await self.rooms.store.result(ballot.id)
        decided = sealed["record"].get("meeting") if sealed else None
        if not decided or not decided.get("seats"):
            raise MeetingError("not_an_election", "only a closed election can go to a runoff",
                               409)
        votes = decided["votes"]
        seats_left = decided["seats"] - len(decided.get("elected") or [])
        if decided["outcome"] == "TIE":
            names = decided["tied"]
        elif decided["outcome"] == "FAILED" and len(votes) >= 2:
            # The most voted for the seats, with any tied with the last of them.
            ranked = sorted(votes, reverse=True)
            floor = ranked[min(len(votes), seats_left + 1) - 1]
            names = [i for i, v in enumerate(votes) if v >= floor]
        else:
            raise MeetingError("no_runoff_needed", "this election has its winners", 409)
        if len(names) < 2:
            raise MeetingError("no_runoff_needed", "a runoff needs two candidates", 409)
        fields = {k: v for k, v in ballot.rule.items()
                  if k in ("direct_min_pct", "contractor", "pass_rule")}
        seats_open = max(1, min(seats_left, len(names) - 1))
        spec: dict[str, Any] = {
            "question": f"{ballot.question} (결선 / runoff)",
            "options": [ballot.options[i] for i in sorted(names)], "secret": ballot.secret,
            "allow_change": ballot.allow_change, "confirm": ballot.confirm}
        spec |= ({"kind": "multiple", "max_choices": seats_open} if seats_open > 1
                 else {"kind": "single"})
        if ballot.rule.get("agenda"):
            spec |= {"agenda": ballot.rule["agenda"], "rule": fields}
        else:
            spec["rule"] = {"preset": "general", **fields}
        return await self.rooms.add_ballot(room, spec)


# Which ballot counts for a member on an item, the same everywhere (vote.lua
# applies it): in the hall (a phone or paper, or a statutory proxy) over verified
# online over an advance e-vote over a mailed written resolution.
RANK = {"written": 1, "early": 2, "online": 3, "hall": 4}


def _current_stay(record: dict[str, Any] | None) -> str:
    """The mode of the member's open stay now ("" if not present)."""
    stays = (record or {}).get("iv") or []
    return str(stays[-1][2]) if stays and not stays[-1][1] else ""


def _left_before(record: dict[str, Any] | None, meta: dict[str, str], start: int) -> bool:
    """Was the member at the meeting today and gone before this item started? (A
    stay days before, to vote in advance, is not leaving the meeting.)"""
    opened = [int(v) for k, v in meta.items() if k.startswith("live:")]
    if not start or not record or not opened:
        return False
    began = min(opened)
    return any(began <= until < start for _, until, *_ in record.get("iv") or [] if until)


def _replaced(ballot: Ballot, body: dict[str, Any]) -> str:
    """Secret items: the tracker of the ballot being replaced, from the receipt
    (choices and nonce) that only the voter's phone or paper slip holds."""
    from rooms.ledger.chain import tracker
    prev = body.get("replaces")
    if not ballot.secret or prev is None:
        return ""
    prev = payloads.as_dict(prev, "replaces")
    choices, nonce = prev.get("choices"), prev.get("nonce")
    if not (isinstance(choices, list) and all(isinstance(c, int) for c in choices)
            and isinstance(nonce, str)):
        raise BadPayload("replaces", "must be {choices, nonce} of the earlier ballot")
    return tracker(ballot.id, choices, nonce)
