"""What a question of each type is created with, beyond its question and
options: a rating's scale and end labels, an open-text question's length
limit, moderation and blocked words. Checked from the host's payload."""

from __future__ import annotations

from typing import Any

from rooms.errors import BadPayload
from rooms.polls import answers
from rooms.polls.figures import SCALE_LOWS, SCALE_TOP, scale_options
from rooms.polls.model import YESNO_OPTIONS, Kind

MAX_LABEL = 40
MAX_ANSWER = 500
DEFAULT_ANSWER = 140
MAX_BLOCKED = 200
MAX_QUESTION = 300
DEFAULT_QUESTION = 200


def form(kind: Kind, body: dict[str, Any]) -> dict[str, Any]:
    if kind is Kind.RATING:
        return _scale(body.get("scale", {}))
    if kind is Kind.TEXT:
        return _text(body)
    if kind is Kind.QA:
        return _board(body)
    return {}


def options_of(kind: Kind, form: dict[str, Any]) -> tuple[str, ...] | None:
    """Options the type fixes by itself; None when the host lists them."""
    if kind is Kind.YESNO:
        return YESNO_OPTIONS
    if kind is Kind.RATING:
        return scale_options(form["min"], form["max"])
    if kind in (Kind.TEXT, Kind.QA):
        return ()
    return None


def _scale(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise BadPayload("scale", "must be an object {min, max, low?, high?}")
    low = _int(raw, "min", 1)
    if low not in SCALE_LOWS:
        raise BadPayload("scale.min", "must be 0 or 1")
    high = _int(raw, "max", 5)
    if not low + 1 <= high <= SCALE_TOP:
        raise BadPayload("scale.max", f"must be between {low + 1} and {SCALE_TOP}")
    return {"min": low, "max": high, "low": _label(raw, "low"), "high": _label(raw, "high")}


def _int(raw: dict[str, Any], name: str, default: int) -> int:
    value = raw.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadPayload(f"scale.{name}", "must be an integer")
    return value


def _label(raw: dict[str, Any], name: str) -> str:
    value = raw.get(name) or ""
    if not isinstance(value, str) or len(value.strip()) > MAX_LABEL:
        raise BadPayload(f"scale.{name}", f"must be a text of at most {MAX_LABEL} characters")
    return value.strip()


def _text(body: dict[str, Any], default: int = DEFAULT_ANSWER,
          most: int = MAX_ANSWER) -> dict[str, Any]:
    length = body.get("max_length", default)
    if isinstance(length, bool) or not isinstance(length, int) or not 1 <= length <= most:
        raise BadPayload("max_length", f"must be an integer between 1 and {most}")
    for name in ("hold", "cloud", "named"):
        if not isinstance(body.get(name, False), bool):
            raise BadPayload(name, "must be true or false")
    blocked = body.get("blocked", [])
    if not isinstance(blocked, list) or len(blocked) > MAX_BLOCKED or not all(
            isinstance(w, str) and 0 < len(w.strip()) <= MAX_LABEL for w in blocked):
        raise BadPayload("blocked", f"must be a list of at most {MAX_BLOCKED} words of 1 to "
                                    f"{MAX_LABEL} characters")
    return {"max_length": length, "hold": bool(body.get("hold", False)),
            "cloud": bool(body.get("cloud", True)),
            "blocked": sorted({answers.folded(w) for w in blocked})}


def _board(body: dict[str, Any]) -> dict[str, Any]:
    """A Q&A board: questions up to `max_length`, held or not, blocked words as
    for open text, and whether askers may give a name (`named`, default yes)."""
    board = _text(body, DEFAULT_QUESTION, MAX_QUESTION)
    del board["cloud"]
    return board | {"named": bool(body.get("named", True))}
