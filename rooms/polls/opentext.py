"""Open-text questions and Q&A boards for `Rooms`: a phone answers, asks or
upvotes (under the room's gates, atomically in Redis, once per identity where
it counts), the host moderates, and the figures follow (rooms/polls/answers.py).

A Q&A board is a ballot of kind `qa`, not a room-wide list: its questions,
upvotes and moderation live under the ballot's hash tag, so every script
touches one Cluster slot, and the board opens, closes, resets, seals and
exports like any question (a host may run one per session)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from rooms.errors import AnswerBlocked, BadPayload, BallotNotFound
from rooms.gates.checks import Gates, read_pass
from rooms.ledger import chain as ledger
from rooms.polls import answers, payloads
from rooms.polls.model import Ballot, Kind
from rooms.store import Store

MAX_ASKS = 5  # questions one identity may put on one board
MAX_NAME = 40
STATE_ACTIONS = {"approve": ("state", answers.APPROVED), "hide": ("state", answers.HIDDEN),
                 "hold": ("state", answers.PENDING)}
BOARD_ACTIONS = STATE_ACTIONS | {"pin": ("pinned", True), "unpin": ("pinned", False),
                                 "answered": ("answered", True),
                                 "unanswered": ("answered", False)}


@dataclass(frozen=True)
class Written:
    """A phone's text for a question: checked for shape here, against the
    question's own limits once the question is known."""
    ballot_id: str
    text: str
    client_key: str
    pass_token: str | None
    name: str = ""


def written(payload: Any, field: str = "text") -> Written:
    body = payloads.as_dict(payload)
    raw = body.get(field)
    shown = answers.visible(raw) if isinstance(raw, str) else ""
    if not shown:
        raise BadPayload(field, "must be a string with visible text")
    name = body.get("name")
    if name is not None and not isinstance(name, str):
        raise BadPayload("name", "must be a string")
    return Written(payloads.text(body, "ballot", limit=64), shown,
                   payloads.text(body, "client_key", limit=payloads.MAX_CLIENT_KEY),
                   _pass(body), payloads.text({"name": answers.visible(name or "")}, "name",
                                              required=False, limit=MAX_NAME))


def _pass(body: dict[str, Any]) -> str | None:
    admission = body.get("pass")
    if admission is not None and not isinstance(admission, str):
        raise BadPayload("pass", "must be the pass string from room:join or gate:admit")
    return admission


class TextAnswers:
    """Mixed into `Rooms`, whose parts it uses."""
    store: Store
    secret: bytes
    gates: Callable[[str, int], Awaitable[Gates]]
    static_ballot: Callable[[str], Awaitable[Ballot]]
    _id: Callable[[], str]
    _receipt: Callable[[], str]

    async def _admitted(self, room_id: str, voter: str, pass_token: str | None,
                        ballot_id: str, kind: Kind, now_ms: int) -> tuple[Ballot, list[str]]:
        """The question (of `kind`, in this room) and the identities the phone's
        pass names."""
        gates = await self.gates(room_id, now_ms)
        admitted = read_pass(self.secret, pass_token, room_id, voter, now_ms,
                             gates.required(), gates.epoch)
        ballot = await self.static_ballot(ballot_id)
        if ballot.room_id != room_id or ballot.kind is not kind:
            raise BallotNotFound(ballot_id)
        return ballot, admitted.ids()

    def _allowed(self, ballot: Ballot, text: str) -> None:
        limit = int(ballot.form["max_length"])
        if len(text) > limit:
            raise BadPayload("text", f"must be at most {limit} characters")
        if answers.blocked_word(text, ballot.form.get("blocked", ())):
            raise AnswerBlocked()

    async def answer(self, room_id: str, voter: str, payload: Any, now_ms: int
                     ) -> dict[str, Any]:
        request = written(payload)
        ballot, ids = await self._admitted(room_id, voter, request.pass_token,
                                           request.ballot_id, Kind.TEXT, now_ms)
        self._allowed(ballot, request.text)
        return await self.store.answer(
            room_id, ballot.id, ids, request.client_key, self._id(), self._receipt(),
            request.text, _first_state(ballot), ledger.pseudonym(self.secret, ballot.id, ids[0]),
            answers.digest(self.secret, ballot.id, request.text))

    async def ask(self, room_id: str, voter: str, payload: Any, now_ms: int) -> dict[str, Any]:
        request = written(payload)
        ballot, ids = await self._admitted(room_id, voter, request.pass_token,
                                           request.ballot_id, Kind.QA, now_ms)
        self._allowed(ballot, request.text)
        name = request.name if ballot.form.get("named") else ""
        if name and answers.blocked_word(name, ballot.form.get("blocked", ())):
            raise AnswerBlocked()
        return await self.store.ask(room_id, ballot.id, ids, request.client_key, self._id(),
                                    request.text, name, _first_state(ballot), MAX_ASKS,
                                    answers.digest(self.secret, ballot.id, request.text))

    async def upvote(self, room_id: str, voter: str, payload: Any, now_ms: int
                     ) -> dict[str, Any]:
        body = payloads.as_dict(payload)
        ballot, ids = await self._admitted(room_id, voter, _pass(body),
                                           payloads.text(body, "ballot", limit=64), Kind.QA,
                                           now_ms)
        return await self.store.upvote(room_id, ballot.id, ids,
                                       payloads.text(body, "question", limit=64))

    async def moderate(self, ballot: Ballot, payload: Any) -> int:
        """approve / hide / hold one answer or question, and pin / unpin /
        answered / unanswered a question; the new seq."""
        body = payloads.as_dict(payload)
        table = BOARD_ACTIONS if ballot.kind is Kind.QA else STATE_ACTIONS
        action = payloads.choice(body, "action", tuple(table), "")
        if ballot.kind not in (Kind.TEXT, Kind.QA):
            raise BallotNotFound(ballot.id)
        field, value = table[action]
        answer = payloads.text(body, "answer", limit=64)
        seq, closed = await self.store.moderate(ballot.id, answer, field, value)
        if closed:  # the ballot's chain ended with its seal; the room's ledger keeps this
            seconds, micros = await self.store.redis.time()  # the clock of every event
            await self.store.log_room_event(ballot.room_id, {
                "type": "moderate", "ballot": ballot.id, "answer": answer, "field": field,
                "value": value, "ts": int(seconds) * 1000 + int(micros) // 1000})
        return seq

    async def answers(self, ballot: Ballot) -> list[dict[str, Any]]:
        if ballot.kind not in (Kind.TEXT, Kind.QA):
            raise BallotNotFound(ballot.id)
        return await self.store.answers(ballot.id)


def _first_state(ballot: Ballot) -> str:
    return answers.PENDING if ballot.form.get("hold") else answers.APPROVED
