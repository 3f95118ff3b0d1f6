"""What a room's presenter screens are told and sent, by the rules of
rooms/screen.py: the host's directive or the automatic choice, and each ballot
with its counts only as far as the projector, which the whole hall sees, may
show them. The pushes themselves are the hub's (`Hub.screen_show`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rooms.polls import automatic, Ballot, Directive, Room, sees_counts, without_counts

if TYPE_CHECKING:
    from live.hub import Hub


async def live_items(hub: Hub, room_id: str) -> dict[str, int]:
    """Agenda items that went live at the meeting, and when."""
    meta = await hub.meetings.meta(room_id)
    return {k.removeprefix("live:"): int(v) for k, v in meta.items() if k.startswith("live:")}


async def directive(hub: Hub, room_id: str, ballots: list[Ballot] | None = None) -> Directive:
    """The host's directive, or the automatic choice when there is none."""
    chosen = await hub.rooms.screen(room_id)
    if chosen is not None:
        return chosen
    if ballots is None:
        ballots = await hub.rooms.ballots(room_id)
    return automatic(ballots, await live_items(hub, room_id))


async def entry(hub: Hub, ballot: Ballot, shown: Directive, for_screen: bool) -> dict[str, Any]:
    """A ballot as a room snapshot lists it: with its tally and sealed result,
    for a screen only as far as it may show them."""
    view = ballot.public()
    tally = (await hub.rooms.tally(ballot.id)).public()
    seen = not for_screen or sees_counts(ballot, shown)
    view["tally"] = tally if seen else without_counts(tally)
    view["result"] = await hub.rooms.result(ballot.id) if seen else None
    return view


async def gauge(hub: Hub, room: Room, body: dict[str, Any]) -> dict[str, Any]:
    """An agenda item's live quorum gauge as a screen may see it: attendance
    always, the votes and the provisional outcome as its counts."""
    item = await hub.meetings.item_in(room.id, body.get("ballot"))
    figures = await hub.meetings.gauge(item)
    return figures if sees_counts(item, await hub.rooms.screen(room.id)) \
        else without_counts(figures)
