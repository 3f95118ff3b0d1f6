"""The question-type part of `Store`: open-text answers and their moderation,
and the fields a tally of a rating, ranking or open-text question reads."""

from __future__ import annotations

from typing import Any

import orjson

from rooms.errors import refusal
from rooms.polls import answers as texts
from rooms.polls.figures import figures
from rooms.polls.model import Ballot, Kind
from rooms.store import keys
from rooms.store.base import Client, _s
from redis.commands.core import AsyncScript
from redis.typing import EncodableT

FIGURE_FIELDS = ("kind", "lo", "cloud")  # in the ballot's meta hash, beside n and seq


def figure_fields(ballot: Ballot) -> dict[EncodableT, EncodableT]:
    """What a tally needs to know of its ballot's type, stored with the counters."""
    return {"kind": ballot.kind.value, "lo": int(ballot.form.get("min", 0)),
            "cloud": int(bool(ballot.form.get("cloud")))}


def answer_list(raw: dict[Any, Any]) -> list[dict[str, Any]]:
    return [{"id": _s(k), **orjson.loads(v)} for k, v in raw.items()]


def tally_figures(meta: list[Any], counts: tuple[int, ...],
                  given: list[dict[str, Any]]) -> dict[str, Any]:
    """The figures of a tally by its ballot's kind (none for a choice question,
    or one stored before the kinds existed)."""
    kind = Kind(_s(meta[0])) if meta[0] is not None else Kind.SINGLE
    if kind is Kind.TEXT:
        return texts.figures(given, _s(meta[2] or b"0") == "1")
    return figures(kind, counts, int(meta[1] or 0))


class AnswerStore:
    redis: Client
    _answer: AsyncScript
    _moderate: AsyncScript

    async def answer(self, room_id: str, ballot_id: str, identities: list[str],
                     client_key: str, answer_id: str, receipt: str, text: str, state: str,
                     pseudonym: str) -> dict[str, Any]:
        reply = await self._answer(
            keys=[keys.ballot(ballot_id), keys.counts(ballot_id), keys.voters(ballot_id),
                  keys.log(ballot_id), keys.answers(ballot_id)],
            args=[",".join(identities), client_key, answer_id, receipt, text, state, pseudonym,
                  room_id, texts.digest(text)])
        _refused(reply, ballot_id)
        return {"ballot": ballot_id, "seq": int(reply[1]), "receipt": _s(reply[2]),
                "status": _s(reply[3]), "answer": _s(reply[4]), "state": _s(reply[5])}

    async def moderate(self, ballot_id: str, answer_id: str, state: str) -> int:
        reply = await self._moderate(
            keys=[keys.ballot(ballot_id), keys.log(ballot_id), keys.answers(ballot_id)],
            args=[answer_id, state])
        _refused(reply, ballot_id)
        return int(reply[1])

    async def answers(self, ballot_id: str) -> list[dict[str, Any]]:
        """Every answer standing, with its state, oldest first."""
        given = answer_list(await self.redis.hgetall(keys.answers(ballot_id)))
        return sorted(given, key=lambda a: (a["at"], a["id"]))

    async def my_answer(self, ballot_id: str, answer_id: str) -> dict[str, Any] | None:
        raw = await self.redis.hget(keys.answers(ballot_id), answer_id)
        return None if raw is None else dict(orjson.loads(raw))


def _refused(reply: list[Any], ballot_id: str) -> None:
    if _s(reply[0]) == "err":
        raise refusal(_s(reply[1]), ballot_id)
