"""General meetings: members as people and holdings, the roster, attendance by
mode, precedence, quorum and outcome per agenda item, invitations, the
check-in desk and the minutes. `Meetings` is the door `live/` goes through."""

# (the minutes are built by `rooms.meetings.minutes.minutes`: a name here would
# be shadowed by the submodule of the same name.)
# The face of the package: names resolve on first use, so the packages that
# import each other (polls and meetings) load in any order.
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rooms.meetings.counting import ItemCount, member_of
    from rooms.meetings.invites import Invitations, spaced
    from rooms.meetings.meeting import Meetings
    from rooms.meetings.quorum import AGENDA_TYPES

_HOME = {
    "AGENDA_TYPES": "rooms.meetings.quorum",
    "Invitations": "rooms.meetings.invites",
    "ItemCount": "rooms.meetings.counting",
    "Meetings": "rooms.meetings.meeting",
    "member_of": "rooms.meetings.counting",
    "spaced": "rooms.meetings.invites",
}

__all__ = ["AGENDA_TYPES", "Invitations", "ItemCount", "Meetings", "member_of", "spaced"]


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_HOME[name]), name)
