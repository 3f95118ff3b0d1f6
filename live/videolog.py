"""The video access log as the `/video` namespaces keep it: a member's session
starts when the server lets them watch and stops when they leave or their
`/video` connection ends (in Janus mode the page keeps that connection open
while it watches). Per socket, the rooms it watches as a member are kept in
its Socket.IO session, so a stop is logged once."""

from __future__ import annotations

import logging
from typing import Any

from live.hub import Hub
from rooms.meetings.watching import Watching

log = logging.getLogger("livevote.video")
KEY = "watching"  # session field: room -> member number


async def started(hub: Hub, session: dict[str, Any], room_id: str, member_no: str) -> bool:
    """Log a start unless this socket already watches the room as this member;
    True when the session changed (the caller saves it)."""
    watching: dict[str, str] = session.setdefault(KEY, {})
    if watching.get(room_id) == member_no:
        return False
    if watching.get(room_id):
        await _step(hub, room_id, watching[room_id], "stop")
    watching[room_id] = member_no
    await _step(hub, room_id, member_no, "start")
    return True


async def stopped(hub: Hub, session: dict[str, Any], room_id: str | None = None) -> None:
    """Log the stop of one room's session (or, on disconnect, of all)."""
    watching: dict[str, str] = session.get(KEY) or {}
    for room in [room_id] if room_id else list(watching):
        member_no = watching.pop(room, None) if room else None
        if member_no:
            await _step(hub, room, member_no, "stop")


async def _step(hub: Hub, room_id: str, member_no: str, action: str) -> None:
    try:
        await Watching(hub.meetings).step(room_id, member_no, action)
    except Exception:  # the video goes on; the server's log says what the record lost
        log.exception("room %s: video %s of %s not recorded", room_id, action, member_no)
