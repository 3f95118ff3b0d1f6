"""The hash chain, ballot trackers and the manifest, as plain functions.

Events are appended atomically by the Lua scripts (the vote and its event are
one step), as JSON text. The chain over them is built in order afterwards:

    entry_n = {"height": n, "parent": hash_{n-1} (64 zeros for n = 0),
               "type": event type, "payload_hash": SHA-256 of the event text,
               "ts": event time in ms}
    hash_n  = SHA-256 of the canonical JSON of entry_n
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import orjson

from rooms.polls.model import Ballot
from rooms.polls.result import canonical

GENESIS = "0" * 64


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tracker(ballot_id: str, choices: tuple[int, ...] | list[int], nonce: str) -> str:
    """What a voter can recompute on their own phone to find their ballot."""
    return sha256_hex(canonical({"ballot": ballot_id, "choices": sorted(choices),
                                 "nonce": nonce}))


def pseudonym(secret: bytes, ballot_id: str, identity: str) -> str:
    """A per-ballot stand-in for a voter: equal for one voter, unlinkable across ballots."""
    return hmac.new(secret, f"livevote-voter\x00{ballot_id}\x00{identity}".encode(),
                    hashlib.sha256).hexdigest()[:32]


def manifest(ballot: Ballot, room_title: str, gates: list[str],
             roster: list[str] | None = None) -> dict[str, Any]:
    """What voters are asked, published (as its hash) before voting opens. An
    agenda item also commits to its roster: each member's pseudonym for this
    item (`pseudonym`), sorted; votes and withdrawals name members by it."""
    body = {"version": 1, "room": ballot.room_id, "room_title": room_title,
            "ballot": ballot.id, "question": ballot.question, "options": list(ballot.options),
            "kind": ballot.kind.value, "max_choices": ballot.max_choices,
            "allow_change": ballot.allow_change, "visibility": ballot.visibility.value,
            "gates": gates, "secret": ballot.secret, "confirm": ballot.confirm,
            "rule": ballot.rule or "plurality"}
    if roster is not None:
        body["roster"] = sorted(roster)
    return body


def entry(height: int, parent: str, event_text: str) -> dict[str, Any]:
    event = orjson.loads(event_text)
    return {"height": height, "parent": parent, "type": event["type"],
            "payload_hash": sha256_hex(event_text.encode()), "ts": int(event["ts"])}


def entry_hash(e: dict[str, Any]) -> str:
    return sha256_hex(canonical(e))


def extend(height: int, parent: str, events: list[str]) -> list[dict[str, Any]]:
    """Chain links for `events`, continuing after `parent` at `height`."""
    links = []
    for text in events:
        e = entry(height, parent, text)
        parent = entry_hash(e)
        links.append({"entry": e, "hash": parent})
        height += 1
    return links
