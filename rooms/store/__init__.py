"""Everything that talks to Redis: `Store` for rooms, ballots, votes, gates and
ledgers; `MeetingStore` for rosters and attendance; `ConsentStore` for consent drives."""

from rooms.store.base import Client
from rooms.store.consent import ConsentStore
from rooms.store.core import Store
from rooms.store.meeting import MeetingStore

__all__ = ["Client", "ConsentStore", "Store", "MeetingStore"]
