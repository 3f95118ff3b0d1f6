"""What a consent drive must reach, as data: a share of owners (by head), a
share of land area, and a share of owners in each building, each "at least"
or "more than" a fraction. Presets follow legal commentary on the Act on the
Improvement of Urban Areas and Residential Environments (도시 및 주거환경정비법);
they are versioned by effective date, and the union's counsel must confirm
them before a drive relies on them.

Arithmetic is in integers only: "3/4 of owners" is 4·have >= 3·total, "a
majority" is 2·have > total (strictly more than half), "1/2 of area" is
2·area >= total area, with areas in units of 1/10000 m².
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import date
from fractions import Fraction
from typing import Any, Iterable, Mapping

from rooms.errors import BadPayload

# Electronically signed consent forms count from this date (the amended Act).
ELECTRONIC_CONSENT_FROM = "2025-12-04"
CRITERIA = ("owners", "area", "per_building")
_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_COUNSEL = "From legal commentary; the union's counsel must confirm before use."


def minimum(total: int, fraction: Fraction, strict: bool) -> int:
    """The fewest of `total` that reach `fraction` of it: at least, or more
    than it when `strict`."""
    whole, rest = divmod(fraction.numerator * total, fraction.denominator)
    return whole + 1 if strict or rest else whole


@dataclass(frozen=True)
class Threshold:
    name: str
    label_ko: str
    label_en: str
    owners: Fraction | None = None
    owners_strict: bool = False
    area: Fraction | None = None
    area_strict: bool = False
    per_building: Fraction | None = None
    per_building_strict: bool = False
    building_exempt_max: int = 5  # buildings with this many owners or fewer are exempt
    effective_from: str = ELECTRONIC_CONSENT_FROM
    note: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.fullmatch(self.name):
            raise BadPayload("name", "must be 1-40 of a-z, 0-9 and _, starting with a letter")
        for key in ("label_ko", "label_en"):
            _text(key, getattr(self, key), 200, required=True)
        _text("note", self.note, 2000, required=False)
        for key in CRITERIA:
            _check_share(key, getattr(self, key), getattr(self, f"{key}_strict"))
        if not self.criteria():
            raise BadPayload("threshold", "needs at least one of owners, area, per_building")
        exempt = self.building_exempt_max
        if isinstance(exempt, bool) or not isinstance(exempt, int) or not 0 <= exempt <= 1000:
            raise BadPayload("building_exempt_max", "must be a whole number 0-1000")
        _check_date("effective_from", self.effective_from)

    def criteria(self) -> tuple[tuple[str, Fraction, bool], ...]:
        """(criterion, fraction, strict) for each criterion this threshold sets."""
        return tuple((key, share, getattr(self, f"{key}_strict")) for key in CRITERIA
                     if (share := getattr(self, key)) is not None)

    def public(self) -> dict[str, Any]:
        """JSON-safe; fractions as [numerator, denominator]."""
        out: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        for key in CRITERIA:
            share = out[key]
            out[key] = None if share is None else [share.numerator, share.denominator]
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Threshold:
        """The inverse of `public()`; missing optional keys take their defaults."""
        if not isinstance(data, Mapping):
            raise BadPayload("threshold", "must be an object")
        known = {f.name for f in fields(cls)}
        unknown = sorted(str(k) for k in data if k not in known)
        if unknown:
            raise BadPayload(unknown[0], "is not a threshold field")
        values: dict[str, Any] = dict(data)
        for key in CRITERIA:
            values[key] = _fraction(key, data.get(key))
        for key in ("name", "label_ko", "label_en"):
            if key not in values:
                raise BadPayload(key, "is required")
        return cls(**values)


def custom(data: Mapping[str, object]) -> Threshold:
    """A project's own threshold: any combination of owners, area and
    per-building shares, each a fraction 0 < f <= 1 with `*_strict` for
    "more than"; named "custom" unless it says otherwise."""
    if not isinstance(data, Mapping):
        raise BadPayload("threshold", "must be an object")
    defaults = {"name": "custom", "label_ko": "사용자 정의 동의요건",
                "label_en": "Custom threshold", "note": _COUNSEL}
    return Threshold.from_dict({**defaults, **data})


def in_force(name: str, on: str, versions: Iterable[Threshold] | None = None) -> Threshold:
    """The version of preset `name` in force on day `on` (YYYY-MM-DD): the
    latest whose effective_from is not after it."""
    _check_date("on", on)
    candidates = [t for t in (PRESET_VERSIONS if versions is None else versions)
                  if t.name == name and t.effective_from <= on]
    if not candidates:
        raise BadPayload("threshold", f"no {name!r} threshold in force on {on}")
    return max(candidates, key=lambda t: t.effective_from)


def _check_share(key: str, share: object, strict: object) -> None:
    if not isinstance(strict, bool):
        raise BadPayload(f"{key}_strict", "must be true or false")
    if share is None:
        return
    if not isinstance(share, Fraction) or not 0 < share <= 1:
        raise BadPayload(key, "must be a fraction more than 0 and at most 1")
    if strict and share == 1:
        raise BadPayload(key, "more than all can never be reached")


def _fraction(key: str, value: object) -> Fraction | None:
    if value is None:
        return None
    if isinstance(value, Fraction):
        return value
    if (not isinstance(value, (list, tuple)) or len(value) != 2
            or not all(isinstance(n, int) and not isinstance(n, bool) for n in value)):
        raise BadPayload(key, "must be [numerator, denominator] in whole numbers, or null")
    if value[1] == 0:
        raise BadPayload(key, "the denominator must not be 0")
    return Fraction(value[0], value[1])


def _text(key: str, value: object, longest: int, required: bool) -> None:
    if not isinstance(value, str) or len(value) > longest or (required and not value.strip()):
        raise BadPayload(key, f"must be text of at most {longest} characters"
                              + (", not empty" if required else ""))


def _check_date(key: str, value: object) -> None:
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            date.fromisoformat(value)
            return
        except ValueError:
            pass
    raise BadPayload(key, "must be a date written YYYY-MM-DD")


PRESET_VERSIONS: tuple[Threshold, ...] = (
    Threshold(
        "promotion_committee", "추진위원회 구성", "Forming the promotion committee",
        owners=Fraction(1, 2), owners_strict=True,
        note="A majority of owners (도시정비법 제31조 제1항). " + _COUNSEL),
    Threshold(
        "redevelopment_union", "재개발 조합설립", "Establishing a redevelopment union",
        owners=Fraction(3, 4), area=Fraction(1, 2),
        note="3/4 of owners and owners of 1/2 of the land area (도시정비법 제35조 제2항). "
             + _COUNSEL),
    Threshold(
        "reconstruction_union", "재건축 조합설립", "Establishing a reconstruction union",
        owners=Fraction(3, 4), area=Fraction(3, 4),
        per_building=Fraction(1, 2), per_building_strict=True, building_exempt_max=5,
        note="A majority of unit owners in each building (5 or fewer exempt; all amenity "
             "buildings of the complex count as one), and 3/4 of unit owners and of the land "
             "area (도시정비법 제35조 제3항). Land outside the housing complex needs its "
             "own custom threshold (제35조 제4항). " + _COUNSEL),
)

# The latest version of each preset; `in_force` picks by date.
PRESETS: dict[str, Threshold] = {
    t.name: t for t in sorted(PRESET_VERSIONS, key=lambda t: t.effective_from)}
