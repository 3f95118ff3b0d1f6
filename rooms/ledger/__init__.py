"""The ledger: the hash chain of events, ballot trackers, per-room pseudonyms and
the signed result bundle that a verifier re-checks offline."""

# The face of the package: names resolve on first use, so the packages that
# import each other (polls and meetings) load in any order.
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rooms.ledger.chain import entry, entry_hash, pseudonym, sha256_hex, tracker

_HOME = {
    "entry": "rooms.ledger.chain",
    "entry_hash": "rooms.ledger.chain",
    "pseudonym": "rooms.ledger.chain",
    "sha256_hex": "rooms.ledger.chain",
    "tracker": "rooms.ledger.chain",
}

__all__ = ["entry", "entry_hash", "pseudonym", "sha256_hex", "tracker"]


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_HOME[name]), name)
