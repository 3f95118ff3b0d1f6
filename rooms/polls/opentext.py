"""Open-text questions for `Rooms`: a phone answers (once, under the room's
gates, atomically in Redis), the host moderates, and the figures follow
(rooms/polls/answers.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from rooms.errors import AnswerBlocked, BadPayload, BallotNotFound
from rooms.gates.checks import Gates, read_pass
from rooms.ledger import chain as ledger
from rooms.polls import answers, payloads
from rooms.polls.model import Ballot, Kind
from rooms.store import Store

MODERATION = {"approve": answers.APPROVED, "hide": answers.HIDDEN, "hold": answers.PENDING}


@dataclass(frozen=True)
class AnswerRequest:
    ballot_id: str
    text: str
    client_key: str
    pass_token: str | None


def answer_request(payload: Any) -> AnswerRequest:
    body = payloads.as_dict(payload)
    raw = body.get("text")
    if not isinstance(raw, str) or not raw.strip():
        raise BadPayload("text", "must be a non-empty string")
    admission = body.get("pass")
    if admission is not None and not isinstance(admission, str):
        raise BadPayload("pass", "must be the pass string from room:join or gate:admit")
    return AnswerRequest(payloads.text(body, "ballot", limit=64), " ".join(raw.split()),
                         payloads.text(body, "client_key", limit=payloads.MAX_CLIENT_KEY),
                         admission)


class TextAnswers:
    """Mixed into `Rooms`, whose parts it uses."""
    store: Store
    secret: bytes
    gates: Callable[[str, int], Awaitable[Gates]]
    static_ballot: Callable[[str], Awaitable[Ballot]]
    _id: Callable[[], str]
    _receipt: Callable[[], str]

    async def answer(self, room_id: str, voter: str, payload: Any, now_ms: int
                     ) -> dict[str, Any]:
        request = answer_request(payload)
        gates = await self.gates(room_id, now_ms)
        admitted = read_pass(self.secret, request.pass_token, room_id, voter, now_ms,
                             gates.required(), gates.epoch)
        ballot = await self.static_ballot(request.ballot_id)
        if ballot.room_id != room_id or ballot.kind is not Kind.TEXT:
            raise BallotNotFound(request.ballot_id)
        limit = int(ballot.form["max_length"])
        if len(request.text) > limit:
            raise BadPayload("text", f"must be at most {limit} characters")
        if answers.blocked_word(request.text, ballot.form.get("blocked", ())):
            raise AnswerBlocked()
        ids = admitted.ids()
        state = answers.PENDING if ballot.form.get("hold") else answers.APPROVED
        return await self.store.answer(
            room_id, ballot.id, ids, request.client_key, self._id(), self._receipt(),
            request.text, state, ledger.pseudonym(self.secret, ballot.id, ids[0]))

    async def moderate(self, ballot: Ballot, payload: Any) -> int:
        """approve / hide / hold one answer of the host's question; the new seq."""
        body = payloads.as_dict(payload)
        action = payloads.choice(body, "action", tuple(MODERATION), "")
        if ballot.kind is not Kind.TEXT:
            raise BallotNotFound(ballot.id)
        answer_id = payloads.text(body, "answer", limit=64)
        return await self.store.moderate(ballot.id, answer_id, MODERATION[action])

    async def answers(self, ballot: Ballot) -> list[dict[str, Any]]:
        if ballot.kind is not Kind.TEXT:
            raise BallotNotFound(ballot.id)
        return await self.store.answers(ballot.id)
