"""Polls: rooms and their ballots (event questions and agenda items), votes,
tallies, sealed results and what the presenter screen may show. `Rooms` is the
door `live/` goes through."""

# The face of the package: names resolve on first use, so the packages that
# import each other (polls and meetings) load in any order.
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rooms.polls.closing import Closed
    from rooms.polls.model import YESNO_OPTIONS, Ballot, Kind, Room, State, Tally, Visibility
    from rooms.polls.reads import RoomReads
    from rooms.polls.result import (build_record, canonical, outcome_words, receipts_digest,
                                    record_hash, sheet_safe, to_csv)
    from rooms.polls.sheets import local_time, option_rows, result_table, type_facts
    from rooms.polls.screen import Directive, automatic, request, sees_counts, without_counts
    from rooms.polls.service import Rooms

_HOME = {
    "Ballot": "rooms.polls.model",
    "Closed": "rooms.polls.closing",
    "Directive": "rooms.polls.screen",
    "Kind": "rooms.polls.model",
    "Room": "rooms.polls.model",
    "RoomReads": "rooms.polls.reads",
    "Rooms": "rooms.polls.service",
    "State": "rooms.polls.model",
    "Tally": "rooms.polls.model",
    "Visibility": "rooms.polls.model",
    "YESNO_OPTIONS": "rooms.polls.model",
    "automatic": "rooms.polls.screen",
    "build_record": "rooms.polls.result",
    "canonical": "rooms.polls.result",
    "local_time": "rooms.polls.sheets",
    "option_rows": "rooms.polls.sheets",
    "result_table": "rooms.polls.sheets",
    "type_facts": "rooms.polls.sheets",
    "outcome_words": "rooms.polls.result",
    "receipts_digest": "rooms.polls.result",
    "record_hash": "rooms.polls.result",
    "request": "rooms.polls.screen",
    "sees_counts": "rooms.polls.screen",
    "sheet_safe": "rooms.polls.result",
    "to_csv": "rooms.polls.result",
    "without_counts": "rooms.polls.screen",
}

__all__ = ["YESNO_OPTIONS", "Ballot", "Closed", "Directive", "Kind", "Room", "RoomReads", "Rooms",
           "State", "Tally", "Visibility", "automatic", "build_record", "canonical", "local_time",
           "option_rows", "outcome_words", "receipts_digest", "record_hash", "request",
           "result_table", "sees_counts", "sheet_safe", "to_csv", "type_facts", "without_counts"]


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_HOME[name]), name)
