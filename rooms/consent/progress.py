"""How far a drive is from its threshold, for the organiser's dashboard: per
criterion what it has, out of what, whether it is met and exactly how much is
still needed (owners by head, land area in units of 1/10000 m², buildings
short of their share), and per building its owners, its consents and how many
more it needs. An owner counts in every building where they own.

`needed` is the exact minimum: that many more consents meet the criterion and
one fewer does not. For area it is the least additional land area; which
owners can bring it depends on their parcels.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Iterable

from rooms.consent.area import format_area
from rooms.consent.owners import Owner
from rooms.consent.thresholds import Threshold, minimum
from rooms.errors import BadPayload

LANGS = ("ko", "en")


@dataclass(frozen=True)
class Criterion:
    # "owners", "area" (units of 1/10000 m²) or "per_building" (buildings not
    # exempt: how many meet their share, how many are still short)
    kind: str
    fraction: Fraction
    strict: bool
    have: int
    total: int
    needed: int

    def __post_init__(self) -> None:
        if min(self.have, self.total, self.needed) < 0:
            raise ValueError("counts are never negative")

    @property
    def met(self) -> bool:
        return self.needed == 0

    def public(self) -> dict[str, Any]:
        out = {"kind": self.kind, "fraction": [self.fraction.numerator,
                                               self.fraction.denominator],
               "strict": self.strict, "have": self.have, "total": self.total,
               "needed": self.needed, "met": self.met,
               "percent": percent(self.have, self.total)}
        if self.kind == "area":
            out.update(have_text=format_area(self.have), total_text=format_area(self.total),
                       needed_text=format_area(self.needed))
        return out


@dataclass(frozen=True)
class BuildingProgress:
    building: str
    owners: int
    consenting: int
    exempt: bool
    needed: int  # more consenting owners this building needs; 0 when met or exempt

    @property
    def met(self) -> bool:
        return self.needed == 0

    def public(self) -> dict[str, Any]:
        return {"building": self.building, "owners": self.owners,
                "consenting": self.consenting, "exempt": self.exempt, "met": self.met,
                "needed": self.needed, "percent": percent(self.consenting, self.owners)}


@dataclass(frozen=True)
class Progress:
    threshold: Threshold
    owners: int  # owners on the roster, by head
    criteria: tuple[Criterion, ...]
    buildings: tuple[BuildingProgress, ...] = ()

    @property
    def met(self) -> bool:
        """Every criterion met; a drive with nobody on its roster meets nothing."""
        return self.owners > 0 and all(c.met for c in self.criteria)

    def criterion(self, kind: str) -> Criterion | None:
        return next((c for c in self.criteria if c.kind == kind), None)

    def missing_text(self, lang: str = "ko") -> str:
        """What is still needed, criterion by criterion, e.g. "토지등소유자 37명
        더, 토지면적 1,240.00 m² 더 필요" / "Needed: 37 more owners, 1,240.00 m²
        more land area". All criteria must be met, so the parts add up."""
        if lang not in LANGS:
            raise BadPayload("lang", f"must be one of {', '.join(LANGS)}")
        ko = lang == "ko"
        if not self.owners:
            return "명부에 토지등소유자가 없음" if ko else "The roster has no owners"
        if self.met:
            return "동의요건 충족" if ko else "Every consent threshold is met"
        parts = [_part(c, ko) for c in self.criteria if c.kind != "per_building" and not c.met]
        parts += [_building_part(b, ko) for b in self.buildings if not b.met]
        return ", ".join(parts) + " 필요" if ko else "Needed: " + ", ".join(parts)

    def public(self) -> dict[str, Any]:
        return {"threshold": self.threshold.public(), "owners": self.owners, "met": self.met,
                "criteria": [c.public() for c in self.criteria],
                "buildings": [b.public() for b in self.buildings],
                "missing": {lang: self.missing_text(lang) for lang in LANGS}}


def progress(threshold: Threshold, owners: Iterable[Owner],
             consenting_owner_ids: Iterable[str]) -> Progress:
    """Where a drive stands: `owners` from the roster, `consenting_owner_ids`
    their ids (representatives' owner_no) whose consent stands now."""
    roster = list(owners)
    consenting = set(consenting_owner_ids)
    unknown = consenting - {o.id for o in roster}
    if unknown:
        raise BadPayload("consenting", f"not owners on this roster: {', '.join(sorted(unknown))}")
    agreed = [o for o in roster if o.id in consenting]
    have_total = {"owners": (len(agreed), len(roster)),
                  "area": (sum(o.area_units for o in agreed), sum(o.area_units for o in roster))}
    buildings = _buildings(threshold, roster, consenting)
    criteria = []
    for kind, share, strict in threshold.criteria():
        if kind == "per_building":
            counted = [b for b in buildings if not b.exempt]
            needed = sum(1 for b in counted if not b.met)
            have, total = len(counted) - needed, len(counted)
        else:
            have, total = have_total[kind]
            needed = max(0, minimum(total, share, strict) - have)
        criteria.append(Criterion(kind, share, strict, have, total, needed))
    return Progress(threshold, len(roster), tuple(criteria), buildings)


def _buildings(threshold: Threshold, roster: list[Owner],
               consenting: set[str]) -> tuple[BuildingProgress, ...]:
    share, strict = threshold.per_building, threshold.per_building_strict
    if share is None:
        return ()
    owners = Counter(b for o in roster for b in o.buildings)
    agreed = Counter(b for o in roster if o.id in consenting for b in o.buildings)
    rows = []
    for building in sorted(owners, key=_natural):
        total, have = owners[building], agreed[building]
        exempt = total <= threshold.building_exempt_max
        needed = 0 if exempt else max(0, minimum(total, share, strict) - have)
        rows.append(BuildingProgress(building, total, have, exempt, needed))
    return tuple(rows)


def percent(have: int, total: int) -> str:
    """have/total as a percentage with two decimals, rounded down, so 74.999 %
    never shows as a 75.00 % that is not there."""
    if total == 0:
        return "0.00"
    hundredths = have * 10_000 // total
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def _part(c: Criterion, ko: bool) -> str:
    if c.kind == "area":
        amount = format_area(c.needed)
        return f"토지면적 {amount} 더" if ko else f"{amount} more land area"
    return (f"토지등소유자 {c.needed:,}명 더" if ko
            else f"{c.needed:,} more owner{'s' if c.needed != 1 else ''}")


def _building_part(b: BuildingProgress, ko: bool) -> str:
    return (f"{b.building} 소유자 {b.needed:,}명 더" if ko
            else f"{b.needed:,} more owner{'s' if b.needed != 1 else ''} in {b.building}")


def _natural(name: str) -> list[tuple[int, int | str]]:
    # "9동" before "10동"; numbers and text never compared with each other
    # (re.split puts the captured digit runs at the odd places)
    return [(0, int(part)) if i % 2 else (1, part)
            for i, part in enumerate(re.split(r"([0-9]+)", name))]
