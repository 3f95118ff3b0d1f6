"""Who watched a general meeting's video, from when to when: the access log
kept with the meeting's record. A member's session starts when the server
lets them watch (relay answer or Janus grant) and stops when they leave or
their video connection ends; two tabs make one session. Each start and stop
is an event of the room's ledger (the member by pseudonym, the item under
way, the time to the minute)."""

from __future__ import annotations

from typing import Any

from rooms.meetings.counting import member_of
from rooms.meetings.meeting import Meetings
from rooms.meetings.speaking import Speaking


class Watching:
    def __init__(self, meetings: Meetings) -> None:
        self.meetings = meetings

    async def step(self, room_id: str, member_no: str, action: str) -> dict[str, Any]:
        """start or stop; a member no longer on the roster is logged by number."""
        row = await self.meetings.store.person(room_id, member_no)
        holder = member_of(row) if row else member_no
        item = await Speaking(self.meetings).current_item(room_id)
        return await self.meetings.store.watch(room_id, member_no, action,
                                               self.meetings.who(room_id, holder), item)

    async def sessions(self, room_id: str,
                       people: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
        """Per member, in member-number order: [{member_no, name, sessions:
        [{from, to}]}], `to` null while they still watch."""
        listed = []
        for member_no, record in sorted((await self.meetings.store.video_sessions(room_id)).items()):
            listed.append({"member_no": member_no,
                           "name": people.get(member_no, {}).get("name", ""),
                           "sessions": [{"from": since, "to": until or None}
                                        for since, until in record.get("iv") or []]})
        return listed


MINUTE = 60_000


def during(sessions: list[dict[str, Any]], opened: int | None,
           closed: int | None) -> list[dict[str, Any]]:
    """Who watched while an agenda item was before the meeting (from its start
    at the meeting, `opened`, to its close): [{member_no, name, from, to}], each
    session cut to that window (to the minute, like the log), in member-number
    order; `to` null while both the item and the session go on. An item never
    started at the meeting (advance voting only) was watched by nobody."""
    if not opened:
        return []
    start = opened - opened % MINUTE
    watched = []
    for person in sessions:
        for session in person["sessions"]:
            since, until = session["from"], session["to"]
            if (until is not None and until < start) or (closed and since > closed):
                continue
            ends = ([] if until is None else [until]) + ([closed] if closed else [])
            watched.append({"member_no": person["member_no"], "name": person["name"],
                            "from": max(since, start), "to": min(ends) if ends else None})
    return watched
