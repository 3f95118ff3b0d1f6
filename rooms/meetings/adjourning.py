"""Closing a general meeting (폐회): the chair declares it closed, once, when no
agenda item is still open. The time (by the Redis clock) goes into the
meeting's record and its ledger; from then on nothing can be started at the
meeting (an item, advance voting), members cannot ask to speak, and its video
ends with every member's grant (the wire's part, in live/)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rooms.errors import MeetingError
from rooms.polls.model import Room, State
from rooms.store import MeetingStore

if TYPE_CHECKING:
    from rooms.meetings.meeting import Meetings


async def not_adjourned(store: MeetingStore, room_id: str) -> None:
    if "adjourned_at" in await store.meta(room_id):
        raise MeetingError("meeting_adjourned", "the meeting has been closed; nothing more "
                                                "can be started at it")


async def adjourn(meetings: "Meetings", room: Room) -> dict[str, Any]:
    still = [b.id for b in await meetings.rooms.store.ballots(room.id)
             if b.rule and b.state is State.OPEN]
    if still:
        raise MeetingError("items_open", f"close the {len(still)} agenda item(s) still open "
                                         "before closing the meeting", items=",".join(still))
    first, at = await meetings.store.adjourn(room.id)
    if not first:
        raise MeetingError("meeting_adjourned", "the meeting was already closed",
                           adjourned_at=at)
    return {"adjourned_at": at}
