"""Rating scales and rankings: how a vote of each is shaped, and the figures
people read off its counters. Both ride on the ordinary vote script: a rating's
options are the points of its scale, and a ranking counts one counter per
(option, place) cell, so one vote per identity, client keys, ledger, receipts
and the seal work for them unchanged.

Rules (also in docs/protocol.md):
- Rating: the average is sum / voters rounded half up to one decimal, from the
  exact integer sum, which the record keeps.
- Ranking: every option is placed exactly once (a partial ranking is refused).
  Cell `option * n + place` (place 0 is first). Borda: with n options, first
  place earns n-1 points, second n-2, ..., last 0.
"""

from __future__ import annotations

from typing import Any

from rooms.errors import InvalidOption
from rooms.polls.model import Ballot, Kind

SCALE_LOWS = (0, 1)
SCALE_TOP = 10


def scale_options(low: int, high: int) -> tuple[str, ...]:
    """A rating's options: its points, written as numbers."""
    return tuple(str(v) for v in range(low, high + 1))


def tenths_half_up(numerator: int, denominator: int) -> float | None:
    """numerator / denominator rounded half up to one decimal (both >= 0)."""
    if denominator <= 0:
        return None
    return (20 * numerator + denominator) // (2 * denominator) / 10


def rating(counts: tuple[int, ...] | list[int], low: int) -> dict[str, Any]:
    total = sum((low + i) * c for i, c in enumerate(counts))
    return {"sum": total, "average": tenths_half_up(total, sum(counts))}


def places(counts: tuple[int, ...] | list[int], n: int) -> list[list[int]]:
    """positions[option][place]: how many placed the option there."""
    return [list(counts[o * n:(o + 1) * n]) for o in range(n)]


def borda(counts: tuple[int, ...] | list[int], n: int) -> list[int]:
    return [sum((n - 1 - p) * c for p, c in enumerate(row)) for row in places(counts, n)]


def ranking(counts: tuple[int, ...] | list[int], n: int) -> dict[str, Any]:
    return {"borda": borda(counts, n), "positions": places(counts, n)}


def figures(kind: Kind, counts: tuple[int, ...], low: int = 0) -> dict[str, Any]:
    """What a tally adds to its counts for this kind of question."""
    if kind is Kind.RATING:
        return rating(counts, low)
    if kind is Kind.RANKING:
        n = _side(len(counts))
        return ranking(counts, n)
    return {}


def _side(cells: int) -> int:
    n = 0
    while (n + 1) * (n + 1) <= cells:
        n += 1
    return n


def cells_of(order: list[int], n: int) -> tuple[int, ...]:
    """A ranking (option numbers, first place first) as the cells it counts in."""
    return tuple(sorted(option * n + place for place, option in enumerate(order)))


def order_of(cells: list[int] | tuple[int, ...], n: int) -> list[int]:
    """The cells of a ranking back in order: option numbers, first place first."""
    return [c // n for c in sorted(cells, key=lambda c: c % n)]


def check_vote(ballot: Ballot, choices: tuple[int, ...]) -> None:
    """A ranking must place every option once, each in its own place; the vote
    script checks the rest (bounds, how many) atomically."""
    if ballot.kind is not Kind.RANKING:
        return
    n = len(ballot.options)
    whole = len(choices) == n and {c // n for c in choices} == set(range(n)) \
        and {c % n for c in choices} == set(range(n)) and max(choices) < n * n
    if not whole:
        raise InvalidOption(ballot.id, f"a ranking places each of the {n} options exactly once")


def outcome(record: dict[str, Any]) -> tuple[str, str] | None:
    """A rating's average or a ranking's Borda leader, in Korean and English."""
    if record.get("kind") == Kind.RATING.value:
        scale = record["scale"]
        span = f"{scale['min']}–{scale['max']}"
        if record["average"] is None:
            return "응답 없음", "no answers"
        return f"평균 {record['average']:.1f} ({span})", f"average {record['average']:.1f} ({span})"
    if record.get("kind") == Kind.RANKING.value:
        points = record["borda"]
        top = max(points, default=0)
        if not record["voters"]:
            return "응답 없음", "no answers"
        leaders = ", ".join(o for o, p in zip(record["options"], points) if p == top)
        if points.count(top) > 1:
            return f"보르다 동점: {leaders}", f"Borda TIE: {leaders}"
        return f"보르다 1위: {leaders}", f"Borda winner: {leaders}"
    return None
