"""Who may do what with a room's video, the same whichever media path serves
it (the built-in relay or Janus): the host by the host key, a member by the
member token of the `/meeting` sign-in, a speaker by the key the host made,
and a member the chair gave the floor (발언 신청) by their member token."""

from __future__ import annotations

from typing import Any

from live.hub import Hub, now_ms
from rooms.errors import MeetingError, NotSpeaker, VideoForbidden
from rooms.meetings.speaking import Speaking
from rooms.polls import Room, payloads

VIDEO_NS = "/video"


def video_channel(room_id: str) -> str:
    return f"video:{room_id}"


async def any_room(hub: Hub, body: dict[str, Any]) -> Room:
    return await hub.rooms.room(payloads.text(body, "room", limit=64))


async def host_room(hub: Hub, body: dict[str, Any]) -> Room:
    return await hub.rooms.as_host(body.get("room"), body.get("key"))


async def member_no(hub: Hub, room: Room, token: object) -> str:
    """The member number of a verified member of this room's meeting; their
    token for another meeting, an expired one, or one of a member since
    removed from the roster is refused alike."""
    try:
        room_id, person = await hub.meetings.from_token(token, now_ms())
    except MeetingError:
        raise VideoForbidden() from None
    if room_id != room.id:
        raise VideoForbidden()
    return str(person["member_no"])


async def floor_holder(hub: Hub, room: Room, token: object) -> tuple[str, str]:
    """(member number, speaking request) of the member the chair gave the floor,
    when `token` is theirs; anyone else is refused as `not_speaker`."""
    number = await member_no(hub, room, token)
    speaking = (await Speaking(hub.meetings).queue(room.id))["speaking"]
    if not speaking or speaking.get("member_no") != number:
        raise NotSpeaker()
    return number, str(speaking["id"])


def speaker_url(hub: Hub, room_id: str, key: str) -> str:
    return f"{hub.settings.base_url}/static/video.html#room={room_id}&speaker={key}"
