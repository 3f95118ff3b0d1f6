"""The fence rule near its edge, across the antimeridian and at the poles."""

from __future__ import annotations

import pytest
from geopy.distance import geodesic
from hypothesis import assume, given
from hypothesis import strategies as st

from rooms.errors import BadPayload, LocationImprecise, OutsideFence
from rooms.gates.fence import Fence, Point, distance_m, fix_of, inside_fence

lats = st.floats(min_value=-89.9, max_value=89.9)
lons = st.floats(min_value=-180, max_value=180)
radii = st.floats(min_value=50, max_value=5_000)
bearings = st.floats(min_value=0, max_value=360)


def moved(p: Point, metres: float, bearing: float) -> Point:
    d = geodesic(meters=metres).destination((p.lat, p.lon), bearing)
    return Point(d.latitude, d.longitude)


@given(lats, lons, radii, bearings, st.floats(min_value=0.05, max_value=0.95),
       st.floats(min_value=1, max_value=200))
def test_a_fix_whose_whole_circle_is_inside_is_admitted(lat: float, lon: float, radius: float,
                                                        bearing: float, share: float,
                                                        accuracy: float) -> None:
    center = Point(lat, lon)
    assume(accuracy < radius * (1 - share) - 1)
    at = moved(center, radius * share, bearing)
    assert inside_fence(Fence(center, radius), at, accuracy) == pytest.approx(radius * share,
                                                                             abs=0.5)


@given(lats, lons, radii, bearings, st.floats(min_value=1, max_value=500))
def test_a_fix_straddling_the_edge_is_imprecise_not_admitted(lat: float, lon: float,
                                                              radius: float, bearing: float,
                                                              accuracy: float) -> None:
    center = Point(lat, lon)
    at = moved(center, radius, bearing)  # right on the edge
    with pytest.raises(LocationImprecise):
        inside_fence(Fence(center, radius), at, accuracy)


@given(lats, lons, radii, bearings, st.floats(min_value=1, max_value=100))
def test_a_fix_whose_whole_circle_is_outside_is_refused_with_its_distance(
        lat: float, lon: float, radius: float, bearing: float, accuracy: float) -> None:
    center = Point(lat, lon)
    at = moved(center, radius + accuracy + 5, bearing)
    with pytest.raises(OutsideFence) as caught:
        inside_fence(Fence(center, radius), at, accuracy)
    assert caught.value.distance_m == pytest.approx(radius + accuracy + 5, abs=0.5)


@given(st.floats(min_value=-60, max_value=60), st.floats(min_value=1, max_value=300))
def test_the_antimeridian_is_not_a_wall(lat: float, metres: float) -> None:
    east, west = Point(lat, 179.9999), Point(lat, -179.9999)
    assert distance_m(east, west) < 30
    at = moved(east, metres, 90)  # crosses to negative longitudes
    assert inside_fence(Fence(east, metres + 50), at, 10) == pytest.approx(metres, abs=0.5)


@pytest.mark.parametrize("pole", [90.0, -90.0])
def test_at_the_poles_every_longitude_is_the_same_place(pole: float) -> None:
    fence = Fence(Point(pole, 0.0), 100)
    for lon in (-180.0, -90.0, 45.0, 180.0):
        assert inside_fence(fence, Point(pole, lon), 5) == pytest.approx(0, abs=0.01)
    near = moved(Point(pole, 0.0), 60, 123)
    assert inside_fence(fence, near, 10) == pytest.approx(60, abs=0.5)


@pytest.mark.parametrize("body", [
    {"lat": 90.5, "lon": 0, "accuracy": 5}, {"lat": 0, "lon": 180.1, "accuracy": 5},
    {"lat": float("nan"), "lon": 0, "accuracy": 5}, {"lat": True, "lon": 0, "accuracy": 5},
    {"lat": 0, "lon": 0, "accuracy": -1}, {"lat": 0, "lon": 0}, None,
])
def test_absurd_fixes_are_bad_payloads(body: object) -> None:
    with pytest.raises(BadPayload):
        fix_of(body)
