"""General meetings over the wire: staff commands (JSON API and /host) and the
members' `/meeting` namespace (invite link, identity check, votes, status)."""

from __future__ import annotations

from typing import Any

from live.acked import AckedNamespace, Handler
from live.commands import Command
from live.gauges import GaugePush
from live.hub import MEETING_NS, Hub, now_ms, room_channel
from live.invites import INVITE_COMMANDS
from live.speaking import SPEAK_COMMANDS, member_asks, member_cancels, speaking
from live.sms import text_code
from live.voter import address
from rooms.polls import payloads, Room
from rooms.gates import phone
from rooms.errors import GateError, MeetingError, NotJoined
from rooms.meetings import Meetings, member_of, spaced
from rooms.meetings.minutes import minutes as build_minutes



def meetings(hub: Hub) -> Meetings:
    return hub.meetings


def attendance_moved(hub: Hub, room_id: str) -> None:
    """Screens and consoles on the room's live items hear their gauges soon."""
    handler = hub.sio.namespace_handlers.get(MEETING_NS)
    if isinstance(handler, MeetingNamespace):
        handler.gauges.changed(room_id)


async def roster_import(hub: Hub, room: Room, body: dict[str, Any]) -> Any:
    before = set(await meetings(hub).people(room.id))
    imported = await meetings(hub).import_roster(room, body)
    await hub.members_removed(room.id, before - set(await meetings(hub).people(room.id)))
    return imported


async def roster_get(hub: Hub, room: Room, body: dict[str, Any]) -> Any:
    m = meetings(hub)
    people = await m.people(room.id)
    base = hub.settings.base_url
    return {"meta": await m.meta(room.id), "people": [
        {k: v for k, v in p.items() if k not in ("phone_hash", "phone_sealed")}
        | {"invite_url": f"{base}/meeting#invite={m.invite(room.id, no)}",
           "short_url": f"{base}/m/{m.invites.code(room.id, no)}",
           "code": spaced(m.invites.code(room.id, no))}
        for no, p in sorted(people.items())]}


async def record_date(hub: Hub, room: Room, body: dict[str, Any]) -> Any:
    return await meetings(hub).freeze(room, body)


async def proxy_register(hub: Hub, room: Room, body: dict[str, Any]) -> Any:
    return await meetings(hub).register_proxy(room, body)


async def attendance_mark(hub: Hub, room: Room, body: dict[str, Any]) -> Any:
    marked = await meetings(hub).attend(room, body)
    attendance_moved(hub, room.id)
    return marked


async def written_enter(hub: Hub, room: Room, body: dict[str, Any]) -> Any:
    cast = await meetings(hub).written(room, body)
    attendance_moved(hub, room.id)
    return cast.public()


async def paper_enter(hub: Hub, room: Room, body: dict[str, Any]) -> Any:
    cast = await meetings(hub).paper(room, body)
    attendance_moved(hub, room.id)
    return cast.public()


async def written_cutoff(hub: Hub, room: Room, body: dict[str, Any]) -> Any:
    return await meetings(hub).written_cutoff(room, body)


async def ballot_withdraw(hub: Hub, room: Room, body: dict[str, Any]) -> Any:
    m = meetings(hub)
    person = await m.person(room.id, body.get("member_no"))
    withdrawn = await m.withdraw(room.id, member_of(person), body)
    attendance_moved(hub, room.id)
    return withdrawn


async def representative_name(hub: Hub, room: Room, body: dict[str, Any]) -> Any:
    return await meetings(hub).name_representative(room, body)


async def early_open(hub: Hub, room: Room, body: dict[str, Any]) -> Any:
    opened = await meetings(hub).open_early(room, body)
    for ballot_id in opened["opened"]:
        await hub.ballot_changed(await hub.rooms.ballot(ballot_id))
    return opened


async def item_live(hub: Hub, room: Room, body: dict[str, Any]) -> Any:
    ballot = await meetings(hub).item_in(room.id, body.get("ballot"))
    live = await meetings(hub).go_live(room, ballot)
    await hub.ballot_changed(live)
    return live.public()


async def item_runoff(hub: Hub, room: Room, body: dict[str, Any]) -> Any:
    ballot = await hub.rooms.ballot_in(room, body.get("ballot"))
    runoff = await meetings(hub).runoff(room, ballot)
    await hub.ballot_changed(runoff)
    return runoff.public()


async def item_quorum(hub: Hub, room: Room, body: dict[str, Any]) -> Any:
    ballot = await meetings(hub).item_in(room.id, body.get("ballot"))
    return await meetings(hub).gauge(ballot)


async def minutes(hub: Hub, room: Room, body: dict[str, Any]) -> Any:
    return await build_minutes(meetings(hub), room)


MEETING_COMMANDS: dict[str, Command] = {
    "roster:import": roster_import,
    "roster:get": roster_get,
    "meeting:record_date": record_date,
    "proxy:register": proxy_register,
    "attendance:mark": attendance_mark,
    "written:enter": written_enter,
    "ballot:withdraw": ballot_withdraw,
    "paper:enter": paper_enter,
    "representative:name": representative_name,
    "written:cutoff": written_cutoff,
    "early:open": early_open,
    "item:live": item_live,
    "item:runoff": item_runoff,
    "item:quorum": item_quorum,
    "minutes:get": minutes,
} | INVITE_COMMANDS | SPEAK_COMMANDS


class MeetingNamespace(AckedNamespace):
    """Members at home or in the hall: invite link, identity check, then vote."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.gauges = GaugePush(hub)
        super().__init__(MEETING_NS)

    def handlers(self) -> dict[str, Handler]:
        return {"member:open": self.open, "member:otp": self.otp, "member:verify": self.verify,
                "member:resume": self.resume, "member:vote": self.vote,
                "member:withdraw": self.withdraw, "member:status": self.status,
                "speak:request": self.speak, "speak:cancel": self.speak_cancel,
                "speak:queue": self.speak_queue}

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        await self.save_session(sid, {"address": address(environ)})

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        session = await self.get_session(sid)
        if session.get("room"):
            self.hub.phones[session["room"]] -= 1
        if session.get("holding") and session.get("voter", True):
            await meetings(self.hub).online(session["room"], session["holding"], "drop")
            self.gauges.changed(session["room"])

    async def _member(self, sid: str) -> dict[str, Any]:
        session: dict[str, Any] = await self.get_session(sid)
        if not session.get("holding"):
            raise NotJoined()
        return session

    async def open(self, sid: str, data: Any) -> dict[str, Any]:
        room_id, person = await meetings(self.hub).from_invite(payloads.as_dict(data).get("invite"))
        room = await self.hub.rooms.room(room_id)
        return {"room": room.public(), "member": {"name": person["name"],
                                                 "member_no": person["member_no"],
                                                 "phone": person["phone_masked"]}}

    async def otp(self, sid: str, data: Any) -> dict[str, Any]:
        body = payloads.as_dict(data)
        room_id, person = await meetings(self.hub).from_invite(body.get("invite"))
        e164 = self._roster_phone(person, body)
        session = await self.get_session(sid)
        await text_code(self.hub.rooms, self.hub.sms, room_id, e164, session["address"])
        return {"sent_to": person["phone_masked"], "expires_in": 300}

    def _roster_phone(self, person: dict[str, Any], body: dict[str, Any]) -> str:
        e164 = phone.normalise(body.get("phone"))
        if phone.phone_hash(self.hub.rooms.secret, e164) != person["phone_hash"]:
            raise GateError("phone_mismatch", "this is not the phone number on the roster for "
                                              "this invitation; ask the union office")
        return e164

    async def verify(self, sid: str, data: Any) -> dict[str, Any]:
        body = payloads.as_dict(data)
        room_id, person = await meetings(self.hub).from_invite(body.get("invite"))
        self._roster_phone(person, body)
        await self.hub.rooms.admission.check_code(room_id, body)
        token = meetings(self.hub).member_token(room_id, person["member_no"], now_ms())
        return await self._enter(sid, room_id, person) | {"token": token}

    async def resume(self, sid: str, data: Any) -> dict[str, Any]:
        room_id, person = await meetings(self.hub).from_token(
            payloads.as_dict(data).get("token"), now_ms())
        return await self._enter(sid, room_id, person)

    async def _enter(self, sid: str, room_id: str, person: dict[str, Any]) -> dict[str, Any]:
        m = meetings(self.hub)
        session = await self.get_session(sid)
        try:  # a co-owner who is not the representative may watch, not vote or attend
            await m.voter_for(room_id, person)
            voter = True
        except MeetingError:
            voter = False
        if session.get("room") != room_id:  # a phone connected to the room, as voters' are
            if session.get("room"):
                self.hub.phones[session["room"]] -= 1
            self.hub.phones[room_id] += 1
        session.update(room=room_id, holding=member_of(person), member_no=person["member_no"],
                       voter=voter)
        await self.save_session(sid, session)
        await self.enter_room(sid, room_channel(room_id))
        await m.invites.signed_in(room_id, person["member_no"], now_ms())
        if voter:
            await m.online(room_id, member_of(person), "arrive")
            self.gauges.changed(room_id)
        return await self._status(session)

    async def _voter(self, sid: str) -> dict[str, Any]:
        """The session of a member who votes for their holding (else the refusal
        naming who does)."""
        session = await self._member(sid)
        m = meetings(self.hub)
        person = await m.person(session["room"], session["member_no"])
        await m.voter_for(session["room"], person)
        return session

    async def vote(self, sid: str, data: Any) -> dict[str, Any]:
        session = await self._voter(sid)
        cast = await meetings(self.hub).vote(session["room"], session["holding"], data)
        self.gauges.changed(session["room"])
        return dict(cast.public())

    async def withdraw(self, sid: str, data: Any) -> dict[str, Any]:
        session = await self._voter(sid)
        withdrawn = await meetings(self.hub).withdraw(session["room"], session["holding"],
                                                      payloads.as_dict(data))
        self.gauges.changed(session["room"])
        return withdrawn

    async def speak(self, sid: str, data: Any) -> dict[str, Any]:
        """Ask to speak on the item under way (any signed-in member)."""
        session = await self._member(sid)
        person = await meetings(self.hub).person(session["room"], session["member_no"])
        return await member_asks(self.hub, session["room"], person)

    async def speak_cancel(self, sid: str, data: Any) -> dict[str, Any]:
        session = await self._member(sid)
        person = await meetings(self.hub).person(session["room"], session["member_no"])
        return await member_cancels(self.hub, session["room"], person)

    async def speak_queue(self, sid: str, data: Any) -> dict[str, Any]:
        session = await self._member(sid)
        return await speaking(self.hub).queue(session["room"])

    async def status(self, sid: str, data: Any) -> dict[str, Any]:
        return await self._status(await self._member(sid))

    async def _status(self, session: dict[str, Any]) -> dict[str, Any]:
        room = await self.hub.rooms.room(session["room"])
        m = meetings(self.hub)
        items = await m.member_view(room.id, session["holding"])
        meta = await m.meta(room.id)
        named = await m.representative_of(room.id, session["holding"])
        return {"room": room.public(), "member_no": session["member_no"], "items": items,
                "early_closes_at": int(meta.get("early_closes_at", 0)) or None,
                "adjourned_at": int(meta.get("adjourned_at", 0)) or None,
                "votes": session.get("voter", True),
                "representative": {"member_no": named["member_no"], "name": named["name"]}
                if named else None}
