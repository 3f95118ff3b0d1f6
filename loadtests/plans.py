"""Open-loop vote schedules: who votes when, for which option, with which key.

A plan is a list of (phone, scheduled monotonic time, option, client key);
phones are (driver process, index) pairs. Times never depend on acks.
"""

from __future__ import annotations

import math
import random

from analysis import Vote

Phone = tuple[int, int]
Plan = list[tuple[Phone, float, int, str]]


def burst(phones: list[Phone], start: float, seconds: float, shape: str, options: int,
          rng: random.Random) -> Plan:
    """Every phone votes once; 90 % of them within `seconds` of `start`.

    uniform: a flat rate over seconds / 0.9; exp: front-loaded, the rate
    decays (peak 2.3x the uniform rate)."""
    plan = []
    for i, phone in enumerate(phones):
        u = rng.random()
        at = (seconds / 0.9 * u if shape == "uniform"
              else -seconds / math.log(10) * math.log(1 - u))
        plan.append((phone, start + at, rng.randrange(options), f"b{i}"))
    return plan


def steady(phones: list[Phone], start: float, rate: float, seconds: float, options: int,
           rng: random.Random, cursor: int, prefix: str) -> Plan:
    """`rate` votes per second for `seconds`, round robin over the phones from
    `cursor` (on a ballot that allows changes, every vote is new work)."""
    count = int(rate * seconds)
    return [(phones[(cursor + k) % len(phones)], start + k / rate, rng.randrange(options),
             f"{prefix}{cursor + k}") for k in range(count)]


def needs_retry(v: Vote) -> bool:
    """Unanswered, `internal`, or `busy` (the server was behind: nothing applied)."""
    return v.acked < 0 or v.status in ("err:internal", "err:busy")


def retries(votes: list[Vote], start: float, rate: float) -> Plan:
    """What a phone does when a vote timed out or met `internal` or `busy`: send the
    same vote again with the same client key (the protocol makes it safe),
    the phones together at most `rate` per second (they back off)."""
    failed = [v for v in votes if needs_retry(v)]
    return [(v.voter, start + i / rate, v.option, v.key) for i, v in enumerate(failed)]
