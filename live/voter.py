"""The phones: join a room, pass its gates, see its ballots, vote."""

from __future__ import annotations

from typing import Any

from live.acked import AckedNamespace, Handler
from live.hub import VOTER_NS, Hub, now_ms, room_channel, voted_channel
from live.sms import text_code
from rooms.polls import payloads
from rooms.errors import GateError, NotJoined
from rooms.gates import Gates, masked, read_pass


def address(environ: dict[str, Any]) -> str:
    client = (environ.get("asgi.scope") or {}).get("client")
    return str(client[0]) if client else str(environ.get("REMOTE_ADDR", "?"))


class VoterNamespace(AckedNamespace):
    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        super().__init__(VOTER_NS)

    def handlers(self) -> dict[str, Handler]:
        return {
            "room:join": self.join,
            "gate:admit": self.admit,
            "otp:send": self.otp_send,
            "vote:cast": self.cast,
            "answer:send": self.answer,
            "question:ask": self.ask,
            "question:upvote": self.upvote,
            "ballot:list": self.ballot_list,
            "tally:get": self.tally_get,
        }

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        await self.save_session(sid, {"address": address(environ)})

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        session = await self.get_session(sid)
        if session.get("room"):
            self.hub.phones[session["room"]] -= 1

    async def _joined(self, sid: str) -> dict[str, Any]:
        session: dict[str, Any] = await self.get_session(sid)
        if not session.get("room"):
            raise NotJoined()
        return session

    async def join(self, sid: str, data: Any) -> dict[str, Any]:
        session = await self.get_session(sid)
        joined = await self.hub.rooms.join(data, session.get("address", ""))
        room_id, voter = joined.room.id, joined.voter
        if joined.room.kind != "event":
            # Members and owners take part through their personal links: this
            # phone learns where to go, and is neither counted nor sent the room's pushes.
            return {"room": joined.room.public(), "device": joined.device, "ballots": [],
                    "pass": None, "needs": [], "gates": {"preview": False}}
        if session.get("room") != room_id:
            if session.get("room"):
                self.hub.phones[session["room"]] -= 1
                await self.leave_room(sid, room_channel(session["room"]))
            self.hub.phones[room_id] += 1
        session.update(room=room_id, voter=voter, passed=[], phone="", epoch=0)
        admission = await self._restore(session, payloads.as_dict(data))
        ballots = await self._show(sid, session, admission, joined.new_device)
        await self.save_session(sid, session)
        return {"room": joined.room.public(), "device": joined.device, "ballots": ballots,
                **admission}

    async def _show(self, sid: str, session: dict[str, Any], admission: dict[str, Any],
                    new_device: bool = False) -> list[dict[str, Any]]:
        """The room's questions, and its pushes from now on, once the phone may see
        them: a room with checks shows nothing before they are passed (unless the
        host chose `preview`). The phone enters the room's channel first, so a
        change after the list was read reaches it as a push; the list comes from
        this worker's views, which a worker with no phone in the room (hearing
        none of its pushes) reads afresh."""
        if admission["pass"] is None and not admission["gates"]["preview"] and \
                admission["needs"]:
            return []
        channel = room_channel(session["room"])
        if not self.server.manager.rooms.get(VOTER_NS, {}).get(channel):
            self.hub.rooms.views.forget(session["room"])
        await self.enter_room(sid, channel)
        ballots = await self.hub.rooms.voter_view(session["room"], session["voter"],
                                                  new_device=new_device)
        for view in ballots:
            if view["my_vote"] is not None:
                await self.enter_room(sid, voted_channel(view["id"]))
        return ballots

    async def _may_see(self, session: dict[str, Any]) -> None:
        gates = await self.hub.rooms.gates(session["room"], now_ms())
        if gates.shows_before_admission():
            return
        if session.get("epoch") != gates.epoch or not set(gates.required()) <= set(
                session["passed"]):
            raise GateError("pass_required", "pass the room's checks to see its questions")

    async def _restore(self, session: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        """Re-admit with a pass kept from before a refresh, and check a scanned QR.
        The room's checks as this worker read them within the last second (as
        votes see them): a hall joining at once does not read them per phone."""
        gates = await self.hub.rooms.gates(session["room"], now_ms())
        if body.get("pass") is not None:
            try:
                kept = read_pass(self.hub.rooms.secret, body["pass"], session["room"],
                                 session["voter"], now_ms(), (), gates.epoch)
                if kept.epoch == gates.epoch:  # checks changed since: pass them again
                    session.update(passed=list(kept.gates), phone=kept.phone,
                                   epoch=kept.epoch)
            except GateError:
                pass  # a stale pass just means the phone passes the gates again
        proofs = {k: body[k] for k in ("qr",) if k in body}
        return await self._admit(session, proofs, gates)

    async def admit(self, sid: str, data: Any) -> dict[str, Any]:
        session = await self._joined(sid)
        try:
            admission = await self._admit(session, payloads.as_dict(data))
            if admission["pass"] is not None:
                await self._show(sid, session, admission)  # the page asks for the list
            return admission
        finally:
            await self.save_session(sid, session)

    async def _admit(self, session: dict[str, Any], proofs: dict[str, Any],
                     gates: Gates | None = None) -> dict[str, Any]:
        rooms = self.hub.rooms
        gates = gates or await rooms.admission.gates(session["room"])
        if session.get("epoch") != gates.epoch:  # the host changed a check since
            session.update(passed=[], phone="", epoch=gates.epoch)
        passed, phone = await rooms.admission.admit(
            session["room"], session["voter"], set(session["passed"]), proofs,
            session["address"], now_ms(), gates)
        session.update(passed=sorted(passed), phone=phone or session["phone"])
        token = rooms.admission.seal(session["room"], session["voter"], passed,
                                     session["phone"], gates, now_ms())
        needs = [g for g in gates.required() if g not in passed]
        if token is not None and proofs:
            await rooms.admission.log_admit(session["room"], session["voter"], passed, now_ms())
        return {"gates": gates.public(), "passed": sorted(passed), "needs": needs,
                "pass": token}

    async def otp_send(self, sid: str, data: Any) -> dict[str, Any]:
        session = await self._joined(sid)
        e164 = await self.hub.rooms.admission.otp_number(session["room"], data)
        await text_code(self.hub.rooms, self.hub.sms, session["room"], e164, session["address"])
        return {"sent_to": masked(e164), "expires_in": 300}

    async def cast(self, sid: str, data: Any) -> dict[str, Any]:
        session = await self._joined(sid)
        with self.hub.pressure.vote():  # `busy` while this worker is behind
            cast = await self.hub.rooms.cast(session["room"], session["voter"], data, now_ms())
        await self.enter_room(sid, voted_channel(cast.ballot_id))
        return cast.public()

    async def answer(self, sid: str, data: Any) -> dict[str, Any]:
        """An open-text answer: acked once it is stored, like a vote."""
        session = await self._joined(sid)
        given = await self.hub.rooms.answer(session["room"], session["voter"], data, now_ms())
        await self.enter_room(sid, voted_channel(given["ballot"]))
        return given

    async def ask(self, sid: str, data: Any) -> dict[str, Any]:
        """A question on a Q&A board."""
        session = await self._joined(sid)
        return await self.hub.rooms.ask(session["room"], session["voter"], data, now_ms())

    async def upvote(self, sid: str, data: Any) -> dict[str, Any]:
        """An upvote of another's question, once per identity."""
        session = await self._joined(sid)
        return await self.hub.rooms.upvote(session["room"], session["voter"], data, now_ms())

    async def ballot_list(self, sid: str, data: Any) -> list[dict[str, Any]]:
        session = await self._joined(sid)
        await self._may_see(session)  # asked for: read afresh
        return await self.hub.rooms.voter_view(session["room"], session["voter"], cached=False)

    async def tally_get(self, sid: str, data: Any) -> dict[str, Any] | None:
        session = await self._joined(sid)
        await self._may_see(session)
        room = await self.hub.rooms.room(session["room"])
        ballot = await self.hub.rooms.ballot_in(room, payloads.as_dict(data).get("ballot"))
        voted = await self.hub.rooms.my_vote(ballot.id, f"d:{session['voter']}")
        if not self.hub.voter_sees_tally(ballot, voted is not None):
            return None
        return (await self.hub.rooms.tally(ballot.id)).public()
