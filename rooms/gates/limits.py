"""What anonymous visitors may use up: rooms created per address, wrong join
codes tried per address, and how long an idle room keeps its join code."""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass, field

from rooms.polls import payloads
from rooms.errors import RateLimited, RoomNotFound
from rooms.store import Store

HOUR_MS = 3_600_000
IPV6_PREFIX = 64  # one home or phone network gets a /64: count it as one address


def address_key(address: str) -> str:
    """The key an address is counted under: IPv6 by its /64, IPv4 as it is."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/{IPV6_PREFIX}", strict=False))
    return str(parsed)
MINUTE_MS = 60_000


@dataclass
class Limits:
    store: Store
    rooms_per_hour: int = 30          # per client address: a burst of this many, then
    wrong_codes_per_minute: int = 30  # the same number spread over the hour / minute
    code_idle_s: int = 7 * 86_400     # a join code unused this long is freed
    # Addresses refused recently, per worker: their further wrong codes are refused
    # without asking Redis (a brute force costs the server next to nothing).
    _blocked: dict[str, float] = field(default_factory=dict)

    async def room_created(self, address: str) -> None:
        wait_ms = await self.store.attempt_anywhere("create-room", address_key(address),
                                                    self.rooms_per_hour, HOUR_MS)
        if wait_ms:
            raise RateLimited(f"too many new rooms from this address; wait "
                              f"{_minutes(wait_ms)} minutes or ask the operator",
                              _minutes(wait_ms) * 60)

    async def room_by_code(self, code: object, address: str) -> str:
        """The room of a join code. Only wrong codes are counted: a hall of phones
        behind one address typing the right code costs nothing, and a code this
        worker looked up in the last half minute (a room people are joining now)
        is answered even to an address that is slowed down, so one guesser in
        the hall does not lock the hall out. Join codes are shown on projectors
        and are not secrets: a room's checks (gates) keep it private."""
        cached = self.store.cached_code(code) if isinstance(code, str) else None
        if cached is not None:
            return cached
        address = address_key(address)
        until = self._blocked.get(address, 0.0)
        if until > time.monotonic():
            wait_s = _seconds(until)
            raise RateLimited(f"too many wrong codes; wait {wait_s} seconds", wait_s)
        if not payloads.ascii_digits(code, 6, 6):
            await self._wrong(address)
            raise RoomNotFound(str(code)[:16])
        try:
            return await self.store.room_by_code(str(code), self.code_idle_s)
        except RoomNotFound:
            await self._wrong(address)
            raise

    async def guess(self, address: str, wrong: bool) -> None:
        """Personal codes typed at /m: the same limit as wrong join codes, shared
        with them, so guessing either costs the same."""
        address = address_key(address)
        until = self._blocked.get(address, 0.0)
        if until > time.monotonic():
            raise RateLimited(f"too many wrong codes; wait {_seconds(until)} seconds",
                              _seconds(until))
        if wrong:
            await self._wrong(address)

    async def _wrong(self, address: str) -> None:
        wait_ms = await self.store.attempt_anywhere("wrong-code", address,
                                                    self.wrong_codes_per_minute, MINUTE_MS)
        if wait_ms:
            if len(self._blocked) > 10_000:
                self._blocked.clear()
            self._blocked[address] = time.monotonic() + wait_ms / 1000
            wait_s = -(-wait_ms // 1000)
            raise RateLimited(f"too many wrong codes; wait {wait_s} seconds", wait_s)


def _minutes(ms: int) -> int:
    return max(1, -(-ms // MINUTE_MS))


def _seconds(until: float) -> int:
    return max(1, int(until - time.monotonic() + 0.999))
