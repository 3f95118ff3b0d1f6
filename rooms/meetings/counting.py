"""Counting one agenda item: who was there while it was live and how, whose
ballot stands, and the legal outcome; frozen into the sealed record at close
(the closer calls `freeze_item`, given to `Rooms` at construction)."""

from __future__ import annotations

from typing import Any

from rooms.errors import MeetingError
from rooms.polls.model import Ballot
from rooms.meetings.quorum import Count, Member, Mode, Rule, count, decide, needed_direct
from rooms.store import MeetingStore, Store


class ItemCount:
    def __init__(self, store: Store, meetings: MeetingStore) -> None:
        self.store = store
        self.meetings = meetings
        # The members of each frozen roster, by (room, roster version): a gauge
        # is counted several times a second while members arrive, and reading
        # a 5,000-row roster each time was most of its cost.
        self._members: dict[tuple[str, str], frozenset[str]] = {}

    async def n(self, room_id: str) -> int:
        return _n(await self.meetings.meta(room_id))

    async def members(self, room_id: str, meta: dict[str, str]) -> frozenset[str]:
        """Every member (voting unit) of the roster frozen at the record date."""
        key = (room_id, meta.get("roster_version", ""))
        if key not in self._members:
            people = await self.meetings.people(room_id)
            if len(self._members) >= MEMBER_LISTS_KEPT:
                self._members.pop(next(iter(self._members)))
            self._members[key] = frozenset(member_of(p) for p in people.values())
        return self._members[key]

    async def item_count(self, ballot: Ballot) -> Count:
        room_id = ballot.room_id
        meta = await self.meetings.meta(room_id)
        n = _n(meta)
        start = int(meta.get(f"live:{ballot.id}", 0))
        end = ballot.closed_at or await self.meetings.now_ms()
        attendance = await self.meetings.attendance(room_id)
        cast = await self.store.ballots_by_owner(ballot.id)
        members = []
        # Only members who were there or whose ballot stands count towards
        # anything; the others (most of a big roster) are left out.
        roster = await self.members(room_id, meta)
        seen = set(attendance) | {owner[2:] for owner in cast if owner.startswith("m:")}
        for holding in sorted(seen & roster):
            stay = stay_of(attendance.get(holding), start, end)
            entry = cast.get(f"m:{holding}")
            mode = Mode(entry["m"]) if entry else None
            if not stay and mode in (Mode.LIVE, Mode.PAPER):
                stay = "in_person" if mode is Mode.PAPER else "online"
            members.append(Member(holding, bool(stay), stay in ("in_person", "proxy"), mode,
                                  stay=stay))
        tally = await self.store.tally(ballot.id)
        base = count(n, members, len(ballot.options))
        return Count(base.n, base.d, base.d_in_person, base.a, tally.counts, base.by_mode,
                     base.d_by_mode)

    async def gauge(self, ballot: Ballot) -> dict[str, Any]:
        c = await self.item_count(ballot)
        rule = Rule(**ballot.rule)
        return {"ballot": ballot.id, "n": c.n, "d": c.d, "d_in_person": c.d_in_person, "a": c.a,
                "d_by_mode": c.d_by_mode,
                "votes": list(c.votes), "by_mode": c.by_mode, "rule": ballot.rule,
                "needs_direct": needed_direct(c, rule),
                "needs_attendance": max(0, c.n // 2 + 1 - c.a),
                "provisional": decide(c, rule, seats(ballot)).outcome.value}

    async def freeze_item(self, ballot: Ballot, record: dict[str, Any]) -> None:
        """At close: the outcome and every input, frozen into the hashed record."""
        if not ballot.rule:
            return
        c = await self.item_count(ballot)
        decision = decide(c, Rule(**ballot.rule), seats(ballot))
        record["meeting"] = {"n": c.n, "d": c.d, "d_in_person": c.d_in_person, "a": c.a,
                             "d_by_mode": c.d_by_mode,
                             "votes": list(c.votes), "by_mode": c.by_mode, "rule": ballot.rule,
                             "seats": seats(ballot), "outcome": decision.outcome.value,
                             "reasons": list(decision.reasons),
                             "elected": list(decision.elected), "tied": list(decision.tied)}


MEMBER_LISTS_KEPT = 64


def _n(meta: dict[str, str]) -> int:
    """N, frozen with the roster at the record date."""
    if "n" not in meta:
        raise MeetingError("no_record_date", "set the record date (which freezes N) first")
    return int(meta["n"])


def member_of(person: dict[str, Any]) -> str:
    """The member (voting unit) a roster row belongs to."""
    return str(person.get("member") or person["holding"])


def presence(record: dict[str, Any] | None, start: int, end: int) -> tuple[bool, bool]:
    """(present, in the hall or by proxy) for an item live over [start, end]: a
    member counts if present at any time while it was live. A stay that ended
    before the item started is not stretched by the reconnect grace: a drop and
    a return within the grace are already one unbroken stay (attend.lua), so a
    phone that dropped before the item and never came back does not count."""
    stay = stay_of(record, start, end)
    return bool(stay), stay in ("in_person", "proxy")


def stay_of(record: dict[str, Any] | None, start: int, end: int) -> str:
    """How the member was present while the item was live: "in_person" over
    "proxy" over "online", or "" if not at all."""
    if not record or not start:
        return ""
    modes = {mode for since, until, mode, _ in record.get("iv") or []
             if since <= end and (until or end) >= start}
    return next((m for m in ("in_person", "proxy", "online") if m in modes), "")
def seats(ballot: Ballot) -> int:
    """0 for a yes/no item; an item listing candidates is an election, for one
    seat (single choice) or up to max_choices seats (multiple choice)."""
    if ballot.kind.value == "yesno":
        return 0
    return ballot.max_choices if ballot.kind.value == "multiple" else 1
