"""Turn untrusted JSON payloads into checked values, or raise BadPayload."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from typing import Any

from rooms.errors import BadPayload
from rooms.meetings.quorum import agenda_rule, rule_of
from rooms.polls import forms
from rooms.polls.model import (CHOICE_KINDS, LANGUAGES, MAX_OPTIONS, MAX_RANKED, ROOM_KINDS,
                               MAX_TEXT, Kind, Visibility)

MAX_COUNTDOWN_S = 24 * 3600
MAX_CLIENT_KEY = 64


_ASCII_DIGITS = re.compile(r"[0-9]+")


def ascii_digits(value: object, low: int = 1, high: int = 64) -> bool:
    """Only 0-9, between low and high of them: `str.isdigit` also takes "²" and
    full-width "１２３４", which `int()` reads differently or not at all."""
    return (isinstance(value, str) and low <= len(value) <= high
            and _ASCII_DIGITS.fullmatch(value) is not None)


def as_dict(payload: Any, what: str = "payload") -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise BadPayload(what, "must be a JSON object")
    return payload


def text(payload: dict[str, Any], name: str, *, required: bool = True, default: str = "",
         limit: int = MAX_TEXT) -> str:
    value = payload.get(name)
    if value is None:
        if required:
            raise BadPayload(name, "is required")
        return default
    if not isinstance(value, str):
        raise BadPayload(name, "must be a string")
    value = value.strip()
    if required and not value:
        raise BadPayload(name, "must not be empty")
    if len(value) > limit:
        raise BadPayload(name, f"must be at most {limit} characters")
    return value


def boolean(payload: dict[str, Any], name: str, default: bool = False) -> bool:
    value = payload.get(name, default)
    if not isinstance(value, bool):
        raise BadPayload(name, "must be true or false")
    return value


def integer(payload: dict[str, Any], name: str, low: int, high: int,
            default: int | None = None) -> int:
    value = payload.get(name, default)
    if value is None:
        raise BadPayload(name, "is required")
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadPayload(name, "must be an integer")
    if not low <= value <= high:
        raise BadPayload(name, f"must be between {low} and {high}")
    return value


def choice(payload: dict[str, Any], name: str, allowed: tuple[str, ...], default: str) -> str:
    value = payload.get(name, default)
    if value not in allowed:
        raise BadPayload(name, f"must be one of {', '.join(allowed)}")
    return str(value)


@dataclass(frozen=True)
class RoomSpec:
    title: str
    lang: str
    kind: str = "event"


def room_spec(payload: Any) -> RoomSpec:
    body = as_dict(payload)
    return RoomSpec(text(body, "title"), choice(body, "lang", LANGUAGES, "ko"),
                    choice(body, "kind", ROOM_KINDS, "event"))


@dataclass(frozen=True)
class BallotSpec:
    question: str
    options: tuple[str, ...]
    kind: Kind
    max_choices: int
    allow_change: bool
    visibility: Visibility
    secret: bool = False
    rule: dict[str, Any] | None = None
    confirm: bool = False
    form: dict[str, Any] | None = None


def ballot_spec(payload: Any) -> BallotSpec:
    body = as_dict(payload)
    kind = Kind(choice(body, "kind", tuple(k.value for k in Kind), Kind.SINGLE.value))
    form = forms.form(kind, body)
    options = forms.options_of(kind, form)
    if options is None:
        options = _options(body, MAX_RANKED if kind is Kind.RANKING else MAX_OPTIONS)
    if kind is Kind.RANKING:
        max_choices = len(options)  # every option is placed
    else:
        limit = len(options) if kind is Kind.MULTIPLE else 1
        max_choices = integer(body, "max_choices", 1, limit,
                              default=limit if kind is Kind.MULTIPLE else 1)
    rule = _rule(body)
    if rule is not None and kind not in CHOICE_KINDS:
        raise BadPayload("kind", "agenda items are single, multiple or yes/no questions")
    visibility = Visibility(choice(body, "visibility", tuple(v.value for v in Visibility),
                                   Visibility.LIVE.value))
    if kind is Kind.QA and visibility is Visibility.AFTER_VOTE:
        # asking or upvoting is not a vote: nobody would ever see the board
        raise BadPayload("visibility", "a Q&A board is live, after_close or never")
    return BallotSpec(
        question=text(body, "question"),
        options=options,
        kind=kind,
        max_choices=max_choices,
        allow_change=boolean(body, "allow_change"),
        visibility=visibility,
        secret=boolean(body, "secret"),
        rule=rule,
        # Agenda items ask members to confirm before a vote is sent; event polls
        # take one tap. Either can be set explicitly.
        confirm=boolean(body, "confirm", default=rule is not None),
        form=form,
    )


def _rule(body: dict[str, Any]) -> dict[str, Any] | None:
    """An agenda item's rule: from its agenda type (with explicit overrides), or a
    preset or object given as `rule`; None for an event poll."""
    if body.get("agenda") is not None:
        return asdict(agenda_rule(body["agenda"], body.get("rule")))
    if body.get("rule") is not None:
        return asdict(rule_of(body["rule"]))
    return None


def _options(body: dict[str, Any], most: int = MAX_OPTIONS) -> tuple[str, ...]:
    raw = body.get("options")
    if not isinstance(raw, list):
        raise BadPayload("options", "must be a list of strings")
    if not 2 <= len(raw) <= most:
        raise BadPayload("options", f"needs 2 to {most} options")
    options: list[str] = []
    for i, item in enumerate(raw):
        if not isinstance(item, str) or not item.strip():
            raise BadPayload(f"options[{i}]", "must be a non-empty string")
        if len(item) > MAX_TEXT:
            raise BadPayload(f"options[{i}]", f"must be at most {MAX_TEXT} characters")
        options.append(item.strip())
    if len(set(options)) != len(options):
        raise BadPayload("options", "must be distinct")
    return tuple(options)


@dataclass(frozen=True)
class VoteRequest:
    ballot_id: str
    choices: tuple[int, ...]
    client_key: str
    pass_token: str | None
    nonce: str | None
    ranking: tuple[int, ...] = ()  # a ranking in order, turned into cells by its ballot


def vote_request(payload: Any) -> VoteRequest:
    """Shape only; whether the options exist is decided atomically in Redis."""
    body = as_dict(payload)
    if "ranking" in body and "choices" not in body:
        ranked = _numbers(body.get("ranking"), "ranking")
        return replace(_request(body, [0]), ranking=tuple(ranked))
    return _request(body, _numbers(body.get("choices"), "choices"))


def _numbers(raw: Any, name: str) -> list[int]:
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        raise BadPayload(name, "must be a non-empty list of option numbers")
    if len(raw) > MAX_OPTIONS:
        raise BadPayload(name, f"at most {MAX_OPTIONS} choices")
    if any(isinstance(c, bool) or not isinstance(c, int) or c < 0 for c in raw):
        raise BadPayload(name, "option numbers are integers from 0")
    if len(set(raw)) != len(raw):
        raise BadPayload(name, "an option may be chosen once")
    return raw


def _request(body: dict[str, Any], raw: list[int]) -> VoteRequest:
    key = text(body, "client_key", limit=MAX_CLIENT_KEY)
    admission = body.get("pass")
    if admission is not None and not isinstance(admission, str):
        raise BadPayload("pass", "must be the pass string from room:join or gate:admit")
    nonce = body.get("nonce")
    if nonce is not None and not (isinstance(nonce, str) and 16 <= len(nonce) <= 64
                                  and all(c in "0123456789abcdef" for c in nonce)):
        raise BadPayload("nonce", "must be 16 to 64 lowercase hex digits")
    return VoteRequest(text(body, "ballot", limit=64), tuple(sorted(raw)), key, admission, nonce)


def countdown(payload: Any) -> int:
    """Seconds until the ballot closes by itself; 0 cancels the countdown."""
    return integer(as_dict(payload), "seconds", 0, MAX_COUNTDOWN_S)
