"""GPS fences. The rule, so hosts and auditors can predict it:

A fix is (point, accuracy_m): the phone is somewhere within accuracy_m of the
point. With d the geodesic (WGS-84) distance from the venue to the point:

- admitted      when d + accuracy_m <= radius_m (the whole circle is inside);
- outside       when d - accuracy_m >  radius_m (the whole circle is outside);
- imprecise     otherwise (the circle straddles the edge), or when the fix is
                coarser than MAX_ACCURACY_M: wait for a better fix or step
                outdoors, then try again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from geopy.distance import geodesic

from rooms.errors import BadPayload, LocationImprecise, OutsideFence

MIN_RADIUS_M = 10.0
MAX_RADIUS_M = 50_000.0
MAX_ACCURACY_M = 1_000.0


@dataclass(frozen=True)
class Point:
    lat: float
    lon: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.lat) and -90.0 <= self.lat <= 90.0):
            raise ValueError("latitude must be between -90 and 90")
        if not (math.isfinite(self.lon) and -180.0 <= self.lon <= 180.0):
            raise ValueError("longitude must be between -180 and 180")


@dataclass(frozen=True)
class Fence:
    center: Point
    radius_m: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.radius_m) and MIN_RADIUS_M <= self.radius_m <= MAX_RADIUS_M):
            raise ValueError(f"radius must be {MIN_RADIUS_M:g} to {MAX_RADIUS_M:g} metres")

    def public(self) -> dict[str, float]:
        return {"lat": self.center.lat, "lon": self.center.lon, "radius_m": self.radius_m}


def distance_m(a: Point, b: Point) -> float:
    return float(geodesic((a.lat, a.lon), (b.lat, b.lon)).meters)


def inside_fence(fence: Fence, at: Point, accuracy_m: float) -> float:
    """The distance in metres if admitted; raises OutsideFence or LocationImprecise."""
    d = distance_m(fence.center, at)
    if accuracy_m > MAX_ACCURACY_M:
        raise LocationImprecise(d, accuracy_m, fence.radius_m)
    if d + accuracy_m <= fence.radius_m:
        return d
    if d - accuracy_m > fence.radius_m:
        raise OutsideFence(d, fence.radius_m)
    raise LocationImprecise(d, accuracy_m, fence.radius_m)


def _number(body: dict[str, Any], name: str, field: str) -> float:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadPayload(f"{field}.{name}", "must be a number")
    if not math.isfinite(value):
        raise BadPayload(f"{field}.{name}", "must be a finite number")
    return float(value)


def point_of(body: Any, field: str) -> Point:
    if not isinstance(body, dict):
        raise BadPayload(field, "must be an object with lat and lon")
    lat, lon = _number(body, "lat", field), _number(body, "lon", field)
    try:
        return Point(lat, lon)
    except ValueError as exc:
        raise BadPayload(field, str(exc)) from None


def fix_of(body: Any) -> tuple[Point, float]:
    """A phone's reported location: {lat, lon, accuracy} (accuracy in metres)."""
    at = point_of(body, "location")
    accuracy = _number(body, "accuracy", "location")
    if accuracy <= 0:
        raise BadPayload("location.accuracy", "must be a positive number of metres")
    return at, accuracy


def fence_of(body: Any) -> Fence:
    if not isinstance(body, dict):
        raise BadPayload("fence", "must be an object with lat, lon and radius_m")
    center = point_of(body, "fence")
    radius = _number(body, "radius_m", "fence")
    try:
        return Fence(center, radius)
    except ValueError as exc:
        raise BadPayload("fence.radius_m", str(exc)) from None
