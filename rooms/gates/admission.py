"""Admitting a phone to a room: QR, GPS fence, PIN and verified phone checks,
then a signed pass that every vote is checked against."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any, Callable

from rooms.polls import payloads
from rooms.gates import phone, qrtoken
from rooms.errors import BadPayload, GateError, RateLimited
from rooms.gates.fence import fix_of, inside_fence
from rooms.ledger.chain import pseudonym
from rooms.gates.limits import address_key
from rooms.gates.checks import Gates, gates_spec, issue_pass, Pass, PASS_TTL_MS, pin_hash
from rooms.store import Store

# Guesses at a PIN or the staff code, counted before each is checked (a right
# guess is given back). Per device: 5 per 10 minutes. Per address (an IPv6 /64
# counts as one): a burst of 20, then one every 30 s: a hall behind one NAT (or
# the TLS proxy) is slowed down while someone guesses wrong, never locked out
# (right PINs cost nothing); staff can lift it (`limits:reset`).
GUESSES_PER_DEVICE = (5, 600_000)
GUESSES_PER_ADDRESS = (20, 600_000)  # devices are free to make: this is the real limit
GUESS_KINDS = ("pin", "pin-addr", "staff", "staff-addr")
OTP_TTL_S = 300
OTP_TRIES = 5
OTP_SENDS = (3, 600)          # codes per number per 10 minutes
OTP_GAP_S = 30                # at least this long between two codes to one number
# A hall's phones often share one address (venue Wi-Fi behind NAT): keep this generous.
OTP_SENDS_PER_ADDRESS = (500, 600)


@dataclass(frozen=True)
class Otp:
    e164: str
    code: str


def _code_hash(secret: bytes, code: str) -> str:
    return hmac.new(secret, b"livevote-otp\x00" + code.encode(), hashlib.sha256).hexdigest()


class Admission:
    def __init__(self, store: Store, secret: bytes, otp_gap_s: int = OTP_GAP_S) -> None:
        self.store = store
        self._secret = secret
        self._otp_gap_s = otp_gap_s

    async def gates(self, room_id: str) -> Gates:
        return Gates.load(await self.store.gates(room_id))

    async def set_gates(self, room_id: str, payload: Any) -> Gates:
        staff = f"{secrets.randbelow(10**8):08d}"

        def change(current: str | None) -> str:  # a bad payload raises before any write
            return gates_spec(payload, self._secret, room_id, Gates.load(current), staff).dump()
        return Gates.load(await self.store.change_gates(room_id, change))

    def qr_token(self, room_id: str, now_s: float) -> tuple[str, float]:
        return qrtoken.issue(self._secret, room_id, now_s)

    def check_qr(self, room_id: str, token: object, now_s: float) -> None:
        qrtoken.check(self._secret, room_id, token, now_s)

    async def admit(self, room_id: str, voter: str, passed: set[str], proofs: Any,
                    address: str, now_ms: int, gates: Gates | None = None
                    ) -> tuple[set[str], str]:
        """Check every proof given against the room's gates (read unless given);
        returns (gates passed, verified phone hash or "")."""
        body = payloads.as_dict(proofs)
        gates = gates or await self.gates(room_id)
        passed = set(passed)
        verified_phone = ""
        if gates.qr and ("qr" in body or "staff_code" in body):
            await self._check_qr(gates, room_id, voter, body, address, now_ms)
            passed.add("qr")
        if gates.fence is not None and "location" in body:
            at, accuracy = fix_of(body["location"])
            inside_fence(gates.fence, at, accuracy)
            passed.add("fence")
        if gates.pin_hash and "pin" in body:
            await self._check_pin(gates, room_id, voter, body["pin"], address)
            passed.add("pin")
        if gates.phone and "otp" in body:
            verified_phone = await self._check_otp(room_id, body)
            passed.add("phone")
        return passed, verified_phone

    async def log_admit(self, room_id: str, voter: str, passed: set[str], now_ms: int) -> None:
        """The room's ledger records each admission: which checks, and a per-room
        pseudonym of the device (never the device, the phone or the proofs)."""
        await self.store.log_room_event(room_id, {
            "type": "admit", "ts": now_ms, "gates": sorted(passed),
            "voter": pseudonym(self._secret, room_id, voter)})

    def seal(self, room_id: str, voter: str, passed: set[str], phone_hash: str,
             gates: Gates, now_ms: int) -> str | None:
        if not set(gates.required()) <= passed:
            return None
        return issue_pass(self._secret, Pass(room_id, voter, tuple(sorted(passed)),
                                             now_ms + PASS_TTL_MS, phone_hash, gates.epoch))

    async def _check_qr(self, gates: Gates, room_id: str, voter: str, body: dict[str, Any],
                        address: str, now_ms: int) -> None:
        if "staff_code" in body:
            given = body["staff_code"]
            right = payloads.ascii_digits(given, 8, 8) and hmac.compare_digest(
                str(given).encode(), gates.staff_code.encode())
            await self._guess(room_id, "staff", voter, address, bool(right),
                              lambda left: GateError("staff_code_wrong", "that staff code is not "
                                                     f"right ({left} tries left); ask staff",
                                                     tries_left=left))
            return
        qrtoken.check(self._secret, room_id, body["qr"], now_ms / 1000)

    async def _check_pin(self, gates: Gates, room_id: str, voter: str, pin: object,
                         address: str) -> None:
        given = pin.strip() if isinstance(pin, str) else None
        right = payloads.ascii_digits(given, 1, 16) and hmac.compare_digest(
            pin_hash(self._secret, room_id, str(given)).encode(), gates.pin_hash.encode())
        await self._guess(room_id, "pin", voter, address, bool(right), lambda left: GateError(
            "pin_wrong", f"wrong PIN ({left} tries left)", tries_left=left))

    async def _guess(self, room_id: str, kind: str, voter: str, address: str, right: bool,
                     wrong: Callable[[int], GateError]) -> None:
        """Count a guess before its answer is known (so guesses sent together are
        cut off at the limit), then give it back if it was right."""
        buckets = [(kind, voter, *GUESSES_PER_DEVICE),
                   (f"{kind}-addr", address_key(address), *GUESSES_PER_ADDRESS)]
        wait_ms, left = await self.store.attempt(room_id, buckets)
        if wait_ms:
            seconds = max(1, -(-wait_ms // 1000))
            raise RateLimited(f"too many wrong tries; wait {seconds} seconds, or ask staff "
                              "to lift the limit", seconds)
        if right:
            await self.store.attempt(room_id, buckets, give=True)
            return
        raise wrong(left)

    async def lift_limits(self, room_id: str) -> dict[str, int]:
        """Staff: forget every PIN and staff-code guess in this room."""
        return {"cleared": await self.store.clear_attempts(room_id, GUESS_KINDS)}

    async def otp_number(self, room_id: str, payload: Any) -> str:
        """The number a phone asks a code for, in a room that verifies numbers."""
        body = payloads.as_dict(payload)
        if not (await self.gates(room_id)).phone:
            raise BadPayload("phone", "this room does not verify phone numbers")
        return phone.normalise(body.get("phone"))

    async def send_code(self, room_id: str, e164: str, address: str) -> Otp:
        """A fresh one-time code for this number, within the send limits."""
        digest = phone.phone_hash(self._secret, e164)
        if not await self.store.first_within(room_id, "otp-gap", digest, self._otp_gap_s):
            raise RateLimited(f"a code was just sent; wait {self._otp_gap_s} seconds "
                              "before asking again", self._otp_gap_s)
        sends = await self.store.count(room_id, "otp-send", digest, OTP_SENDS[1])
        from_address = await self.store.count(room_id, "otp-addr", address,
                                              OTP_SENDS_PER_ADDRESS[1])
        if sends > OTP_SENDS[0] or from_address > OTP_SENDS_PER_ADDRESS[0]:
            raise RateLimited("too many codes requested; wait 10 minutes or ask staff",
                              OTP_SENDS[1])
        code = f"{secrets.randbelow(10**6):06d}"
        await self.store.save_otp(room_id, digest, _code_hash(self._secret, code), OTP_TTL_S)
        return Otp(e164, code)

    async def not_sent(self, room_id: str, e164: str, address: str, maybe_sent: bool) -> None:
        """The code's text could not be sent: the member may ask again at once,
        and a text the gateway surely did not take costs none of the sends (and
        its code, which nobody was told, is dropped)."""
        digest = phone.phone_hash(self._secret, e164)
        await self.store.give_back(room_id, "otp-gap", digest)
        if not maybe_sent:
            await self.store.forget_otp(room_id, digest)
            await self.store.give_back(room_id, "otp-send", digest)
            await self.store.give_back(room_id, "otp-addr", address)

    async def check_code(self, room_id: str, body: dict[str, Any]) -> str:
        """The verified number's hash, or the gate error naming what is wrong."""
        return await self._check_otp(room_id, body)

    async def _check_otp(self, room_id: str, body: dict[str, Any]) -> str:
        digest = phone.phone_hash(self._secret, phone.normalise(body.get("phone")))
        code = body["otp"]
        if not payloads.ascii_digits(code, 6, 6):
            raise BadPayload("otp", "must be the 6-digit code from the text message")
        given = _code_hash(self._secret, code)
        outcome = await self.store.use_otp(room_id, digest, given, OTP_TRIES, OTP_TTL_S)
        if outcome == "ok":
            return digest
        if outcome == "used":
            raise GateError("otp_used", "this code was already used; request a new one")
        if outcome == "wrong":
            raise GateError("otp_wrong", "that code is not right; check the text message")
        raise GateError("otp_expired", "the code expired or was never sent; request a new one")
