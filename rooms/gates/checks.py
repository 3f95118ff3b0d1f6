"""Which checks a room asks of a phone, and the signed pass that proves them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from rooms.polls import payloads
from rooms.gates import tokens
from rooms.errors import BadPayload, GateError
from rooms.gates.fence import Fence, fence_of

GATES = ("qr", "fence", "pin", "phone")
PASS_TTL_MS = 12 * 3600 * 1000
PIN_DIGITS = (4, 8)


@dataclass(frozen=True)
class Gates:
    fence: Fence | None = None
    qr: bool = False
    pin_hash: str = ""
    phone: bool = False
    staff_code: str = ""
    # Show questions to phones that have not passed the checks yet (default: a room
    # with checks is private until a phone passes them).
    preview: bool = False
    # Bumped whenever a check changes: passes and checks passed before no longer count.
    epoch: int = 0

    def shows_before_admission(self) -> bool:
        return self.preview or not self.required()

    def required(self) -> tuple[str, ...]:
        on = {"qr": self.qr, "fence": self.fence is not None, "pin": bool(self.pin_hash),
              "phone": self.phone}
        return tuple(g for g in GATES if on[g])

    def public(self) -> dict[str, Any]:
        """What a phone may know: which checks, and the fence's size."""
        return {"required": list(self.required()),
                "fence_radius_m": self.fence.radius_m if self.fence else None,
                "preview": self.preview}

    def for_host(self) -> dict[str, Any]:
        return self.public() | {"fence": self.fence.public() if self.fence else None,
                                "pin_set": bool(self.pin_hash), "staff_code": self.staff_code,
                                "epoch": self.epoch}

    def dump(self) -> str:
        return json.dumps({"fence": self.fence.public() if self.fence else None, "qr": self.qr,
                           "pin_hash": self.pin_hash, "phone": self.phone,
                           "staff_code": self.staff_code, "preview": self.preview,
                           "epoch": self.epoch})

    @staticmethod
    def load(raw: str | None) -> "Gates":
        if not raw:
            return Gates()
        d = json.loads(raw)
        return Gates(fence_of(d["fence"]) if d["fence"] else None, d["qr"], d["pin_hash"],
                     d["phone"], d["staff_code"], d.get("preview", False), d.get("epoch", 0))


def pin_hash(secret: bytes, room_id: str, pin: str) -> str:
    return hmac.new(secret, f"livevote-pin\x00{room_id}\x00{pin}".encode(),
                    hashlib.sha256).hexdigest()


def gates_spec(payload: Any, secret: bytes, room_id: str, current: Gates,
               staff_code: str) -> Gates:
    """The host's choice of gates; an omitted field keeps its current value,
    `null` turns it off."""
    body = payloads.as_dict(payload)
    fence = current.fence
    if "fence" in body:
        fence = None if body["fence"] is None else fence_of(body["fence"])
    digest = current.pin_hash
    if "pin" in body:
        pin = body["pin"]
        if pin is None or pin == "":
            digest = ""
        elif not payloads.ascii_digits(pin, *PIN_DIGITS):
            raise BadPayload("pin", "must be 4 to 8 digits 0-9")
        else:
            digest = pin_hash(secret, room_id, pin)
    qr = payloads.boolean(body, "qr", current.qr)
    phone = payloads.boolean(body, "phone", current.phone)
    changed = (fence, qr, digest, phone) != (current.fence, current.qr, current.pin_hash,
                                              current.phone)
    return Gates(fence, qr, digest, phone, current.staff_code or staff_code,
                 payloads.boolean(body, "preview", current.preview),
                 current.epoch + 1 if changed else current.epoch)


@dataclass(frozen=True)
class Pass:
    room: str
    voter: str
    gates: tuple[str, ...]
    exp: int
    phone: str = ""
    epoch: int = 0

    def ids(self) -> list[str]:
        """Every identity this vote counts against: the device, and the phone."""
        return ([f"p:{self.phone}"] if self.phone else []) + [f"d:{self.voter}"]


def issue_pass(secret: bytes, p: Pass) -> str:
    body = json.dumps([p.room, p.voter, list(p.gates), p.exp, p.phone, p.epoch],
                      separators=(",", ":"))
    return tokens.sign(secret, "pass", base64.urlsafe_b64encode(body.encode()).decode())


# Passes whose signature was checked, by token: a phone's every vote carries the
# same pass, so its HMAC is checked once per worker. Room, device, expiry and
# gates are still checked on every vote.
_VERIFIED: dict[tuple[bytes, str], tuple[str, str, list[str], int, str, int]] = {}
VERIFIED_MAX = 50_000


def _verified(secret: bytes, token: object) -> tuple[str, str, list[str], int, str, int]:
    key = (secret, token) if isinstance(token, str) else None
    if key is not None and key in _VERIFIED:
        return _VERIFIED[key]
    value = tokens.unsign(secret, "pass", token)
    if value is None or key is None:
        raise GateError("pass_invalid", "this admission pass was not issued by this server")
    fields = json.loads(base64.urlsafe_b64decode(value.encode()))
    if len(fields) != 6:  # a pass from before checks had epochs
        raise GateError("pass_invalid", "this admission pass is out of date; pass the checks again")
    if len(_VERIFIED) >= VERIFIED_MAX:
        _VERIFIED.clear()
    _VERIFIED[key] = found = tuple(fields)
    return found


def read_pass(secret: bytes, token: object, room_id: str, voter: str, now_ms: int,
              needs: tuple[str, ...], epoch: int | None = None) -> Pass:
    """The pass, if it is ours, for this room and device, unexpired, covers `needs`,
    and (given the room's current `epoch`) was issued under the current checks."""
    if token is None:
        raise GateError("pass_required", "join the room (and pass its checks) before voting")
    room, who, gates, exp, phone, issued_in = _verified(secret, token)
    if room != room_id:
        raise GateError("pass_invalid", "this admission pass is for another room")
    if who != voter:
        raise GateError("pass_invalid", "this admission pass belongs to another device")
    if exp < now_ms:
        raise GateError("pass_invalid", "this admission pass has expired; join again")
    if epoch is not None and issued_in != epoch and needs:
        raise GateError("pass_required", "the room's checks changed; please pass them again")
    missing = [g for g in needs if g not in gates]
    if missing:
        raise GateError("pass_required", "the room now also asks for: " + ", ".join(missing))
    return Pass(room, who, tuple(gates), exp, phone, issued_in)
