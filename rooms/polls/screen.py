"""What a room's presenter screens show, and what they may see.

The host steers the screens with a directive: one ballot (or agenda item), an
item's quorum gauge, or a welcome view with only the join QR. Without one the
screens follow the floor (`automatic`). The projector is public: a ballot's
counts reach it only as its visibility allows, or when the host reveals them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from rooms.polls import payloads
from rooms.errors import BadPayload
from rooms.polls.model import Ballot, State, Visibility

VIEWS = ("ballot", "quorum", "welcome")
AUTO = "auto"  # asked for: forget the directive, follow the floor again
# counts and everything read off them: a rating's sum and average, a ranking's
# scores and places, an open-text question's answers and cloud, a board's questions
HIDDEN_FIELDS = ("counts", "percent", "votes", "sum", "average", "borda", "positions",
                 "answers", "cloud", "moderation", "questions")


@dataclass(frozen=True)
class Directive:
    view: str
    ballot: str | None = None
    reveal: bool = False
    at: int = 0
    auto: bool = False  # chosen by the server, not by the host

    def __post_init__(self) -> None:
        if self.view not in VIEWS:
            raise ValueError(f"view must be one of {VIEWS}")
        if (self.view == "welcome") != (self.ballot is None):
            raise ValueError("a ballot or quorum view names a ballot; the welcome view none")
        if self.reveal and self.view != "ballot":
            raise ValueError("only a ballot view reveals counts")

    def public(self) -> dict[str, Any]:
        return {"view": self.view, "ballot": self.ballot, "reveal": self.reveal,
                "at": self.at, "auto": self.auto}

    def dumps(self) -> str:
        return orjson.dumps(self.public()).decode()

    @staticmethod
    def loads(raw: str) -> Directive:
        d = orjson.loads(raw)
        return Directive(d["view"], d.get("ballot"), bool(d.get("reveal")), int(d.get("at", 0)))


@dataclass(frozen=True)
class Request:
    """A host's `screen:show` body, checked for shape; the ballot id is checked
    to belong to the room by the caller."""
    view: str
    ballot: object
    reveal: bool


def request(payload: Any) -> Request:
    body = payloads.as_dict(payload)
    view = payloads.choice(body, "view", VIEWS + (AUTO,), "")
    reveal = payloads.boolean(body, "reveal")
    if reveal and view != "ballot":
        raise BadPayload("reveal", "reveals the counts of a ballot view only")
    return Request(view, body.get("ballot"), reveal)


def automatic(ballots: Sequence[Ballot], live_at: Mapping[str, int]) -> Directive:
    """Without a directive: the ballot on the floor (an open event poll, or an
    agenda item once it went live; items open only for advance voting are not on
    the floor), the latest started; else the latest closed; else the welcome."""
    on = [(live_at[b.id] if b.rule else b.opened_at, b.id) for b in ballots
          if b.state is State.OPEN and (not b.rule or b.id in live_at)]
    if on:
        return Directive("ballot", max(on)[1], auto=True)
    closed = [(b.closed_at, b.id) for b in ballots if b.state is State.CLOSED]
    if closed:
        return Directive("ballot", max(closed)[1], auto=True)
    return Directive("welcome", auto=True)


def sees_counts(ballot: Ballot, directive: Directive | None, state: State | None = None) -> bool:
    """May the projector show this ballot's counts (in `state`, its own by
    default)? `live`: always; `after_vote` and `after_close`: once closed (the
    hall has not all voted before); `never`: never. A host's reveal of this
    ballot overrides all three."""
    if directive is not None and directive.reveal and directive.ballot == ballot.id:
        return True
    if ballot.visibility is Visibility.LIVE:
        return True
    if ballot.visibility is Visibility.NEVER:
        return False
    return (state or ballot.state) is State.CLOSED


def without_counts(figures: dict[str, Any]) -> dict[str, Any]:
    """A tally or a quorum gauge as a screen that may not see the counts gets it:
    turnout and countdown stay; counts, percentages and (for a gauge) the
    provisional outcome, unless that outcome is a missing quorum, which follows
    from attendance alone, go."""
    kept = {k: v for k, v in figures.items() if k not in HIDDEN_FIELDS}
    if "provisional" in kept and kept["provisional"] != "QUORUM_NOT_MET":
        kept["provisional"] = None
    return kept | {"hidden": True}
