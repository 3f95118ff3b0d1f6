"""Speaking requests over the wire: members ask and cancel on `/meeting`, the
chair grants, declines and ends turns (host key, HTTP and `/host`), and every
change reaches members, hosts and screens on every worker as `speak:queue`.
The chair's closing of the meeting (폐회), which ends the last turn, is here too."""

from __future__ import annotations

from typing import Any

from live.commands import Command
from live.hub import HOST_NS, MEETING_NS, SCREEN_NS, Hub, room_channel
from rooms.meetings.adjourning import adjourn
from rooms.meetings.speaking import Speaking
from rooms.polls import Room


def speaking(hub: Hub) -> Speaking:
    return Speaking(hub.meetings)


async def pushed(hub: Hub, room_id: str) -> dict[str, Any]:
    """The queue now, told to everyone in the room; returned to the caller too."""
    queue = await speaking(hub).queue(room_id)
    for namespace in (MEETING_NS, HOST_NS, SCREEN_NS):
        await hub.sio.emit("speak:queue", queue, to=room_channel(room_id), namespace=namespace)
    return queue


async def speak_list(hub: Hub, room: Room, body: dict[str, Any]) -> Any:
    return await speaking(hub).queue(room.id)


def chair(action: str) -> Command:
    async def step(hub: Hub, room: Room, body: dict[str, Any]) -> Any:
        request = await speaking(hub).chair(room, action, body)
        if action != "decline":  # a turn ended, or a new one starts clean
            await hub.floor_ended(room.id)
        return {"request": request} | await pushed(hub, room.id)
    return step


async def meeting_adjourn(hub: Hub, room: Room, body: dict[str, Any]) -> Any:
    """폐회: the meeting closes (rules in rooms/meetings/adjourning.py); a turn
    under way ends, the video goes off with every grant, and members, hosts
    and screens hear `meeting:adjourned`."""
    done = await adjourn(hub.meetings, room)
    if (await speaking(hub).queue(room.id))["speaking"]:
        await speaking(hub).chair(room, "end", {})
        await hub.floor_ended(room.id)
    await hub.meeting_adjourned(room.id)
    for namespace in (MEETING_NS, HOST_NS, SCREEN_NS):
        await hub.sio.emit("meeting:adjourned", done, to=room_channel(room.id),
                           namespace=namespace)
    return done | await pushed(hub, room.id)


SPEAK_COMMANDS: dict[str, Command] = {
    "speak:list": speak_list,
    "speak:grant": chair("grant"),
    "speak:decline": chair("decline"),
    "speak:end": chair("end"),
    "meeting:adjourn": meeting_adjourn,
}


async def member_asks(hub: Hub, room_id: str, person: dict[str, Any]) -> dict[str, Any]:
    request = await speaking(hub).ask(room_id, person)
    return {"request": request} | await pushed(hub, room_id)


async def member_cancels(hub: Hub, room_id: str, person: dict[str, Any]) -> dict[str, Any]:
    request = await speaking(hub).cancel(room_id, person)
    return {"request": request} | await pushed(hub, room_id)
