"""The question-type part of `Store`: open-text answers, Q&A questions and
upvotes, their moderation, and the fields a tally of a rating, ranking,
open-text question or Q&A board reads."""

from __future__ import annotations

from typing import Any

import orjson

from rooms.errors import refusal
from rooms.polls import answers as texts
from rooms.polls.figures import figures
from rooms.polls.model import Ballot, Kind
from rooms.store import keys
from rooms.store.base import Client, _s, lua
from redis.commands.core import AsyncScript
from redis.typing import EncodableT

FIGURE_FIELDS = ("kind", "lo", "cloud")  # in the ballot's meta hash, beside n and seq
WRITTEN_KINDS = (Kind.TEXT.value, Kind.QA.value)  # their tallies read the answers too


def phone_script(redis: Client, name: str) -> AsyncScript:
    """A script that a phone's write runs, after the checks they share."""
    return redis.register_script(lua("open_ballot") + "\n" + lua(name))


def figure_fields(ballot: Ballot) -> dict[EncodableT, EncodableT]:
    """What a tally needs to know of its ballot's type, stored with the counters."""
    return {"kind": ballot.kind.value, "lo": int(ballot.form.get("min", 0)),
            "cloud": int(bool(ballot.form.get("cloud")))}


def answer_list(raw: dict[Any, Any]) -> list[dict[str, Any]]:
    """Answers or questions as stored, without the owner a question keeps."""
    given = [{"id": _s(k), **orjson.loads(v)} for k, v in raw.items()]
    for entry in given:
        entry.pop("o", None)
    return given


def tally_figures(meta: list[Any], counts: tuple[int, ...],
                  given: list[dict[str, Any]]) -> dict[str, Any]:
    """The figures of a tally by its ballot's kind (none for a choice question,
    or one stored before the kinds existed)."""
    kind = Kind(_s(meta[0])) if meta[0] is not None else Kind.SINGLE
    if kind is Kind.TEXT:
        return texts.figures(given, _s(meta[2] or b"0") == "1")
    if kind is Kind.QA:
        return texts.board(given)
    return figures(kind, counts, int(meta[1] or 0))


class AnswerStore:
    redis: Client
    _answer: AsyncScript
    _ask: AsyncScript
    _upvote: AsyncScript
    _moderate: AsyncScript

    def _answer_scripts(self) -> None:
        self._answer = phone_script(self.redis, "answer")
        self._ask = phone_script(self.redis, "ask")
        self._upvote = phone_script(self.redis, "upvote")
        self._moderate = self.redis.register_script(lua("moderate"))

    async def _write(self, script: AsyncScript, ballot_id: str, args: list[EncodableT],
                     names: tuple[str, ...]) -> dict[str, Any]:
        """Run a phone's write on the ballot's text keys; the reply's fields after
        "ok" and seq, by name."""
        reply = await script(keys=[keys.ballot(ballot_id), keys.counts(ballot_id),
                                   keys.voters(ballot_id), keys.log(ballot_id),
                                   keys.answers(ballot_id)], args=args)
        _refused(reply, ballot_id)
        return {"ballot": ballot_id, "seq": int(reply[1]),
                **{name: _s(value) for name, value in zip(names, reply[2:])}}

    async def answer(self, room_id: str, ballot_id: str, identities: list[str],
                     client_key: str, answer_id: str, receipt: str, text: str, state: str,
                     pseudonym: str, text_digest: str) -> dict[str, Any]:
        """`text_digest`: the ledger's keyed commitment to the text (answers.digest)."""
        return await self._write(self._answer, ballot_id, [
            ",".join(identities), client_key, answer_id, receipt, text, state, pseudonym,
            room_id, text_digest], ("receipt", "status", "answer", "state"))

    async def ask(self, room_id: str, ballot_id: str, identities: list[str], client_key: str,
                  question_id: str, text: str, name: str, state: str, most: int,
                  text_digest: str) -> dict[str, Any]:
        return await self._write(self._ask, ballot_id, [
            ",".join(identities), client_key, question_id, text, name, state, room_id, most,
            text_digest], ("question", "status", "state"))

    async def upvote(self, room_id: str, ballot_id: str, identities: list[str],
                     question_id: str) -> dict[str, Any]:
        reply = await self._upvote(
            keys=[keys.ballot(ballot_id), keys.voters(ballot_id), keys.log(ballot_id),
                  keys.answers(ballot_id)],
            args=[",".join(identities), question_id, room_id])
        _refused(reply, ballot_id)
        return {"ballot": ballot_id, "seq": int(reply[1]), "question": question_id,
                "upvotes": int(reply[2]), "status": _s(reply[3])}

    async def moderate(self, ballot_id: str, answer_id: str, field: str, value: object
                       ) -> tuple[int, bool]:
        """(the new seq, whether the ballot was already closed: then the change
        is not in the ballot's log, and the caller records it in the room's)."""
        reply = await self._moderate(
            keys=[keys.ballot(ballot_id), keys.log(ballot_id), keys.answers(ballot_id)],
            args=[answer_id, field, orjson.dumps(value).decode()])
        _refused(reply, ballot_id)
        return int(reply[1]), bool(int(reply[2]))

    async def log_room_event(self, room_id: str, event: dict[str, Any]) -> None:
        """An event of the room's own ledger (mtg:{r:ID}:log, chained by the pump)."""
        await self.redis.rpush(keys.meeting_log(room_id), orjson.dumps(event))

    async def answers(self, ballot_id: str) -> list[dict[str, Any]]:
        """Every answer (or Q&A question) standing, with its state, oldest first;
        never who asked."""
        given = answer_list(await self.redis.hgetall(keys.answers(ballot_id)))
        return sorted(given, key=lambda a: (a["at"], a["id"]))

    async def my_answer(self, ballot_id: str, answer_id: str) -> dict[str, Any] | None:
        raw = await self.redis.hget(keys.answers(ballot_id), answer_id)
        return None if raw is None else dict(orjson.loads(raw))


def _refused(reply: list[Any], ballot_id: str) -> None:
    if _s(reply[0]) == "err":
        raise refusal(_s(reply[1]), ballot_id)
