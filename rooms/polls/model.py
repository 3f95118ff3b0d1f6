"""Frozen records of rooms, ballots and tallies, validated on creation."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

MAX_OPTIONS = 32
MAX_TEXT = 300
MAX_RANKED = 10


class Kind(str, enum.Enum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    YESNO = "yesno"
    RATING = "rating"  # one point of an integer scale; options are the points
    RANKING = "ranking"  # every option placed once; counted per (option, place) cell
    TEXT = "text"  # open answers, moderated; a word cloud of the approved ones
    QA = "qa"  # a board of attendees' questions, upvoted, moderated


CHOICE_KINDS = (Kind.SINGLE, Kind.MULTIPLE, Kind.YESNO)


class Visibility(str, enum.Enum):
    """When voters (not the presenter screen) see the counts."""

    LIVE = "live"
    AFTER_VOTE = "after_vote"
    AFTER_CLOSE = "after_close"
    NEVER = "never"


class State(str, enum.Enum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


YESNO_OPTIONS = ("Yes / 찬성", "No / 반대", "Abstain / 기권")
LANGUAGES = ("ko", "en")
# A meeting's phones are members with personal links; a drive collects owners' consents.
ROOM_KINDS = ("event", "meeting", "drive")


@dataclass(frozen=True)
class Room:
    id: str
    code: str
    title: str
    lang: str
    created_at: int
    kind: str = "event"

    def __post_init__(self) -> None:
        if self.kind not in ROOM_KINDS:
            raise ValueError(f"room kind must be one of {ROOM_KINDS}")
        if not (len(self.code) == 6 and self.code.isascii() and self.code.isdigit()):
            raise ValueError(f"join code must be 6 digits, got {self.code!r}")
        if self.lang not in LANGUAGES:
            raise ValueError(f"language must be one of {LANGUAGES}")

    def public(self) -> dict[str, object]:
        return {"id": self.id, "code": self.code, "title": self.title, "lang": self.lang,
                "kind": self.kind}


@dataclass(frozen=True)
class Ballot:
    id: str
    room_id: str
    question: str
    options: tuple[str, ...]
    kind: Kind = Kind.SINGLE
    max_choices: int = 1
    allow_change: bool = False
    visibility: Visibility = Visibility.LIVE
    state: State = State.DRAFT
    opened_at: int = 0
    closes_at: int = 0
    closed_at: int = 0
    resets: int = 0
    manifest_sha256: str = ""
    secret: bool = False
    rule: dict[str, Any] = field(default_factory=dict)  # meeting items: the quorum rule
    confirm: bool = False  # phones ask "cast this vote?" before sending it
    # rating: {"min", "max", "low", "high"}; text: {"max_length", "hold", "cloud",
    # "blocked"} (the blocked words stay with the host: `public` leaves them out)
    form: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind in (Kind.TEXT, Kind.QA):
            if self.options or self.max_choices != 1:
                raise ValueError("an open-text question has no options")
            return
        top = MAX_RANKED if self.kind is Kind.RANKING else MAX_OPTIONS
        if not 2 <= len(self.options) <= top:
            raise ValueError(f"a ballot needs 2 to {top} options")
        if len(set(self.options)) != len(self.options):
            raise ValueError("options must be distinct")
        limit = len(self.options) if self.kind in (Kind.MULTIPLE, Kind.RANKING) else 1
        low = limit if self.kind is Kind.RANKING else 1
        if not low <= self.max_choices <= limit:
            raise ValueError(f"max_choices must be between {low} and {limit}")

    @property
    def cells(self) -> int:
        """How many counters the ballot has: a ranking's one per (option, place)."""
        n = len(self.options)
        return n * n if self.kind is Kind.RANKING else n

    def public(self) -> dict[str, object]:
        return {
            "id": self.id,
            "room": self.room_id,
            "question": self.question,
            "options": list(self.options),
            "kind": self.kind.value,
            "max_choices": self.max_choices,
            "allow_change": self.allow_change,
            "visibility": self.visibility.value,
            "state": self.state.value,
            "opened_at": self.opened_at,
            "closes_at": self.closes_at,
            "closed_at": self.closed_at,
            "resets": self.resets,
            "manifest_sha256": self.manifest_sha256,
            "secret": self.secret,
            "rule": self.rule or None,
            "confirm": self.confirm,
        } | self._form()

    def _form(self) -> dict[str, object]:
        if self.kind is Kind.RATING:
            return {"scale": dict(self.form)}
        if self.kind in (Kind.TEXT, Kind.QA):
            return {self.kind.value: {k: v for k, v in self.form.items() if k != "blocked"}}
        return {}


@dataclass(frozen=True)
class Tally:
    """A full snapshot of one ballot's counters; `seq` grows with every change."""

    ballot_id: str
    seq: int
    state: State
    counts: tuple[int, ...]
    voters: int
    closes_at: int = 0
    # figures beyond the counts, by question type (rooms/polls/figures.py): a
    # rating's sum and average, a ranking's Borda scores and places, a text
    # question's approved answers and word cloud
    extra: dict[str, Any] = field(default_factory=dict)

    def public(self) -> dict[str, object]:
        total = sum(self.counts)
        return {
            "ballot": self.ballot_id,
            "seq": self.seq,
            "state": self.state.value,
            "counts": list(self.counts),
            "percent": [round(100 * c / total, 1) if total else 0.0 for c in self.counts],
            "voters": self.voters,
            "closes_at": self.closes_at,
        } | self.extra


@dataclass(frozen=True)
class Cast:
    """What a voter gets back for an accepted vote."""

    ballot_id: str
    seq: int
    receipt: str
    status: str  # "new", "changed" or "repeat" (same client key retried)
    choices: tuple[int, ...] = field(default=())
    tracker: str = ""

    def public(self) -> dict[str, object]:
        return {
            "ballot": self.ballot_id,
            "seq": self.seq,
            "receipt": self.receipt,
            "status": self.status,
            "choices": list(self.choices),
            "tracker": self.tracker,
        }
