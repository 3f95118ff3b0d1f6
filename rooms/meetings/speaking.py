"""Speaking requests at a general meeting (발언 신청): a member asks to speak on
the item under way, the chair sees the queue in order, grants or declines, and
ends a turn; one member speaks at a time. Every step is an event of the room's
ledger (the member by pseudonym, with the item and the time), and the minutes
list who spoke on each item."""

from __future__ import annotations

import json
import secrets
from typing import Any

from rooms.meetings.counting import member_of
from rooms.meetings.meeting import Meetings
from rooms.errors import BadPayload, MeetingError
from rooms.polls.model import Room, State

REFUSALS = {
    "nothing_to_cancel": ("you have no request waiting", 409),
    "request_not_found": ("no such speaking request in this meeting", 404),
    "request_not_queued": ("this request is no longer waiting", 409),
    "someone_speaking": ("someone is speaking: end their turn first", 409),
    "not_speaking": ("this member is not speaking", 409),
    "meeting_adjourned": ("the meeting has been closed; there is nothing left to speak on",
                          409),
}


def shown(request: dict[str, Any]) -> dict[str, Any]:
    """A request as members and staff see it (no pseudonym, no holding)."""
    return {k: request.get(k) for k in ("id", "name", "member_no", "ballot", "state", "at",
                                         "granted_at", "ended_at")}


class Speaking:
    def __init__(self, meetings: Meetings) -> None:
        self.meetings = meetings

    async def current_item(self, room_id: str) -> str:
        """The agenda item under way: the last one started at the meeting and not closed."""
        meta = await self.meetings.store.meta(room_id)
        started = sorted(((int(v), k[5:]) for k, v in meta.items() if k.startswith("live:")),
                         reverse=True)
        for _, ballot_id in started:
            ballot = await self.meetings.rooms.store.ballot(ballot_id)
            if ballot.state is not State.CLOSED:
                return ballot_id
        return ""

    async def ask(self, room_id: str, person: dict[str, Any]) -> dict[str, Any]:
        member = member_of(person)
        request = {"id": secrets.token_hex(6), "member": member,
                   "member_no": person["member_no"], "name": person["name"],
                   "ballot": await self.current_item(room_id)}
        return shown(await self._step(room_id, "request", json.dumps(request, ensure_ascii=False),
                                      self.meetings.who(room_id, member)))

    async def cancel(self, room_id: str, person: dict[str, Any]) -> dict[str, Any]:
        return shown(await self._step(room_id, "cancel", member_of(person)))

    async def chair(self, room: Room, action: str, body: dict[str, Any]) -> dict[str, Any]:
        """grant, decline or end (end without a request: whoever is speaking)."""
        request = body.get("request", "")
        if not isinstance(request, str) or len(request) > 40 or (
                not request and action != "end"):
            raise BadPayload("request", "must be the id of a speaking request")
        return shown(await self._step(room.id, action, request))

    async def _step(self, room_id: str, action: str, arg: str, who: str = "") -> dict[str, Any]:
        done = await self.meetings.store.speak(room_id, action, arg, who)
        if "refused" in done:
            message, status = REFUSALS[done["refused"]]
            raise MeetingError(done["refused"], message, status)
        return done

    async def queue(self, room_id: str) -> dict[str, Any]:
        speaking, waiting = await self.meetings.store.speaking_now(room_id)
        return {"speaking": shown(speaking) if speaking else None,
                "queue": [shown(r) for r in waiting]}

    async def speakers(self, room_id: str) -> dict[str, list[dict[str, Any]]]:
        """Who spoke, per item ("" for between items), in order, for the minutes."""
        spoke: dict[str, list[dict[str, Any]]] = {}
        for request in await self.meetings.store.speak_requests(room_id):
            if request.get("granted_at"):
                spoke.setdefault(request["ballot"], []).append(
                    {k: request.get(k) for k in ("name", "member_no", "granted_at", "ended_at")})
        return spoke
