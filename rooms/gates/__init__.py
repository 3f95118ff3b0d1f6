"""Gates: who may vote in a room. The rotating QR token, the GPS fence, the PIN,
the phone's identity (numbers as keyed hashes), signed tokens and passes, and
the limits on anonymous use."""

# The face of the package: names resolve on first use, so the packages that
# import each other (polls and meetings) load in any order.
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rooms.gates.admission import Admission
    from rooms.gates.checks import Gates, read_pass
    from rooms.gates.fence import Fence, Point, distance_m, fix_of, inside_fence
    from rooms.gates.limits import Limits
    from rooms.gates.phone import masked, normalise, phone_hash
    from rooms.gates.qrtoken import GRACE_S, PERIOD_S, check, issue
    from rooms.gates.tokens import sign, unsign

_HOME = {
    "Admission": "rooms.gates.admission",
    "Fence": "rooms.gates.fence",
    "GRACE_S": "rooms.gates.qrtoken",
    "Gates": "rooms.gates.checks",
    "Limits": "rooms.gates.limits",
    "PERIOD_S": "rooms.gates.qrtoken",
    "Point": "rooms.gates.fence",
    "check": "rooms.gates.qrtoken",
    "distance_m": "rooms.gates.fence",
    "fix_of": "rooms.gates.fence",
    "inside_fence": "rooms.gates.fence",
    "issue": "rooms.gates.qrtoken",
    "masked": "rooms.gates.phone",
    "normalise": "rooms.gates.phone",
    "phone_hash": "rooms.gates.phone",
    "read_pass": "rooms.gates.checks",
    "sign": "rooms.gates.tokens",
    "unsign": "rooms.gates.tokens",
}

__all__ = ["GRACE_S", "PERIOD_S", "Admission", "Fence", "Gates", "Limits", "Point", "check",
           "distance_m", "fix_of", "inside_fence", "issue", "masked", "normalise", "phone_hash",
           "read_pass", "sign", "unsign"]


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_HOME[name]), name)
