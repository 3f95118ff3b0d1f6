"""Every consent threshold at its boundary, and properties over any drive:
`met` is the fraction's own comparison and `needed` is exactly the minimum."""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Iterable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rooms.consent import (AMENITY, PRESETS, Owner, Threshold, custom, in_force, progress,
                           read_owners)
from rooms.consent.progress import Progress
from rooms.errors import BadPayload

M2 = 10_000


def owners(n: int, area_units: int = M2, buildings: Iterable[str] = ()) -> list[Owner]:
    return [Owner(id=f"o{i}", name=f"owner {i}", owner_nos=(f"o{i}",), parcels=(f"p{i}",),
                  area_units=area_units, buildings=frozenset(buildings)) for i in range(n)]


def ids(roster: list[Owner], k: int) -> list[str]:
    return [o.id for o in roster[:k]]


def drive(name: str, roster: list[Owner], consenting: int) -> Progress:
    return progress(PRESETS[name], roster, ids(roster, consenting))


def test_the_presets_are_those_of_the_legal_commentary() -> None:
    committee, redev, recon = (PRESETS[n] for n in ("promotion_committee",
                                                    "redevelopment_union",
                                                    "reconstruction_union"))
    assert committee.criteria() == (("owners", Fraction(1, 2), True),)
    assert redev.criteria() == (("owners", Fraction(3, 4), False),
                                ("area", Fraction(1, 2), False))
    assert recon.criteria() == (("owners", Fraction(3, 4), False),
                                ("area", Fraction(3, 4), False),
                                ("per_building", Fraction(1, 2), True))
    assert recon.building_exempt_max == 5
    assert all("counsel must confirm" in t.note for t in PRESETS.values())
    assert all(t.effective_from == "2025-12-04" for t in PRESETS.values())


@pytest.mark.parametrize("name,total,consenting,met,needed", [
    ("redevelopment_union", 4, 3, True, 0),
    ("redevelopment_union", 4, 2, False, 1),
    ("redevelopment_union", 100, 75, True, 0),
    ("redevelopment_union", 100, 74, False, 1),
    ("redevelopment_union", 101, 76, True, 0),     # 4·76 = 304 >= 303
    ("redevelopment_union", 101, 75, False, 1),    # 4·75 = 300 < 303
    ("reconstruction_union", 8, 6, True, 0),
    ("reconstruction_union", 8, 5, False, 1),
    ("promotion_committee", 4, 2, False, 1),       # half is not a majority
    ("promotion_committee", 4, 3, True, 0),
    ("promotion_committee", 5, 3, True, 0),
    ("promotion_committee", 5, 2, False, 1),
    ("promotion_committee", 1000, 0, False, 501),
])
def test_owners_by_head_at_the_boundary(name: str, total: int, consenting: int, met: bool,
                                        needed: int) -> None:
    owners_criterion = drive(name, owners(total), consenting).criterion("owners")
    assert owners_criterion is not None
    assert (owners_criterion.met, owners_criterion.needed) == (met, needed)


def area_drive(areas: list[str], consenting: int) -> Progress:
    roster = read_owners([{"owner_no": str(i), "name": f"n{i}", "parcel": str(i), "area": a}
                          for i, a in enumerate(areas)]).owners
    return progress(PRESETS["redevelopment_union"], list(roster), ids(list(roster), consenting))


def test_exactly_half_the_land_area_with_decimals_passes() -> None:
    result = area_drive(["165.3", "100.1", "65.2"], 1)  # 165.3 of 330.6
    area = result.criterion("area")
    assert area is not None and area.met and area.needed == 0
    assert (area.have, area.total) == (1_653_000, 3_306_000)


def test_one_ten_thousandth_of_a_square_metre_short_of_half_fails() -> None:
    result = area_drive(["165.3", "100.1", "65.2001"], 1)  # 165.3 of 330.6001
    area = result.criterion("area")
    assert area is not None and not area.met and area.needed == 1
    assert result.missing_text("ko") == "토지등소유자 2명 더, 토지면적 0.0001 m² 더 필요"
    assert result.missing_text("en") == "Needed: 2 more owners, 0.0001 m² more land area"


def recon(buildings: dict[str, tuple[int, int]]) -> Progress:
    """A reconstruction drive: building -> (owners, consenting)."""
    roster: list[Owner] = []
    consenting: list[str] = []
    for building, (total, agreed) in buildings.items():
        batch = [Owner(f"{building}-{i}", "n", (f"{building}-{i}",), (), M2,
                       frozenset({building})) for i in range(total)]
        roster += batch
        consenting += ids(batch, agreed)
    return progress(PRESETS["reconstruction_union"], roster, consenting)


@pytest.mark.parametrize("owners_in_building,consenting,exempt,needed", [
    (5, 0, True, 0),
    (5, 5, True, 0),
    (6, 3, False, 1),   # 3 of 6 is not a majority
    (6, 4, False, 0),
    (7, 3, False, 1),
    (7, 4, False, 0),
    (100, 0, False, 51),
])
def test_each_building_needs_a_majority_unless_it_has_five_owners_or_fewer(
        owners_in_building: int, consenting: int, exempt: bool, needed: int) -> None:
    result = recon({"101동": (owners_in_building, consenting), "102동": (20, 20)})
    row = result.buildings[0]
    assert (row.building, row.owners, row.consenting) == ("101동", owners_in_building,
                                                          consenting)
    assert (row.exempt, row.needed, row.met) == (exempt, needed, needed == 0)
    per_building = result.criterion("per_building")
    assert per_building is not None
    assert per_building.met == (needed == 0)
    assert per_building.total == (1 if exempt else 2)


def test_amenity_buildings_count_as_one_building() -> None:
    rows = [{"owner_no": str(i), "name": f"n{i}", "parcel": str(i), "area": "1",
             "building": f"상가{i % 2}", "amenity": True} for i in range(6)]
    roster = list(read_owners(rows).owners)
    result = progress(PRESETS["reconstruction_union"], roster, ids(roster, 3))
    assert [(b.building, b.owners, b.exempt, b.needed) for b in result.buildings] == [
        (AMENITY, 6, False, 1)]


def test_an_owner_counts_in_every_building_where_they_own() -> None:
    both = Owner("x", "n", ("x",), (), M2, frozenset({"101동", "102동"}))
    rest = [Owner(f"{b}-{i}", "n", (f"{b}-{i}",), (), M2, frozenset({b}))
            for b in ("101동", "102동") for i in range(5)]
    result = progress(PRESETS["reconstruction_union"], [both, *rest],
                      ["x", "101동-0", "101동-1", "102동-0"])
    assert [(b.owners, b.consenting, b.needed) for b in result.buildings] == [(6, 3, 1),
                                                                              (6, 2, 2)]
    # 11 owners of 1 m² each: 3/4 is 8.25 owners (so 9) and 8.25 m²
    assert result.missing_text("ko") == ("토지등소유자 5명 더, 토지면적 4.25 m² 더, "
                                         "101동 소유자 1명 더, 102동 소유자 2명 더 필요")
    assert result.missing_text("en") == ("Needed: 5 more owners, 4.25 m² more land area, "
                                         "1 more owner in 101동, 2 more owners in 102동")


def test_co_owners_and_multi_parcel_owners_are_counted_once_by_head() -> None:
    rows = [("1", "가", "a", "1", "100"), ("2", "나", "b", "1", "100"),
            ("3", "가", "a", "2", "50.5"), ("4", "다", "c", "3", "49.5")]
    roster = list(read_owners([{"owner_no": n, "name": nm, "phone_hash": ph, "parcel": p,
                                "area": a} for n, nm, ph, p, a in rows]).owners)
    result = progress(PRESETS["redevelopment_union"], roster, ["1"])
    by_kind = {c.kind: (c.have, c.total) for c in result.criteria}
    assert by_kind == {"owners": (1, 2), "area": (150 * M2 + 5_000, 200 * M2)}
    assert result.missing_text("ko") == "토지등소유자 1명 더 필요"


def test_buildings_are_listed_in_natural_order() -> None:
    result = recon({"10동": (1, 0), "9동": (1, 0), AMENITY: (1, 0), "101동": (1, 0)})
    assert [b.building for b in result.buildings] == ["9동", "10동", "101동", AMENITY]


def test_a_met_drive_and_an_empty_roster_say_so() -> None:
    done = drive("redevelopment_union", owners(4), 4)
    assert done.met and done.missing_text("ko") == "동의요건 충족"
    assert done.missing_text("en") == "Every consent threshold is met"
    empty = drive("promotion_committee", [], 0)
    assert not empty.met and empty.missing_text("ko") == "명부에 토지등소유자가 없음"


def test_thousands_are_grouped_in_what_is_missing() -> None:
    result = drive("redevelopment_union", owners(4000, area_units=124 * M2), 0)
    assert result.missing_text("ko") == "토지등소유자 3,000명 더, 토지면적 248,000.00 m² 더 필요"


def test_consent_from_someone_not_on_the_roster_is_refused() -> None:
    with pytest.raises(BadPayload):
        progress(PRESETS["promotion_committee"], owners(3), ["nobody"])
    with pytest.raises(BadPayload):
        drive("promotion_committee", owners(3), 1).missing_text("fr")


def test_progress_is_json_with_floor_rounded_percentages() -> None:
    result = drive("redevelopment_union", owners(3), 2)  # 66.666... %
    body = json.loads(json.dumps(result.public(), ensure_ascii=False))
    assert body["criteria"][0]["percent"] == "66.66"
    assert body["criteria"][1]["needed_text"] == "0.00 m²"
    assert body["missing"]["en"] == "Needed: 1 more owner"


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_a_threshold_survives_json(name: str) -> None:
    threshold = PRESETS[name]
    wire = json.loads(json.dumps(threshold.public(), ensure_ascii=False))
    assert Threshold.from_dict(wire) == threshold


def test_a_custom_threshold_combines_any_criteria() -> None:
    threshold = custom({"owners": [2, 3], "area": [2, 3], "area_strict": True})
    assert threshold.name == "custom"
    assert threshold.criteria() == (("owners", Fraction(2, 3), False),
                                    ("area", Fraction(2, 3), True))
    only_buildings = custom({"per_building": [1, 3], "building_exempt_max": 0})
    assert only_buildings.criteria() == (("per_building", Fraction(1, 3), False),)


@pytest.mark.parametrize("data,field", [
    ({}, "threshold"),
    ({"owners": None, "area": None}, "threshold"),
    ({"owners": [0, 1]}, "owners"),
    ({"owners": [5, 4]}, "owners"),
    ({"owners": [-1, 2]}, "owners"),
    ({"owners": [1, 0]}, "owners"),
    ({"owners": [True, 2]}, "owners"),
    ({"owners": [1, 2, 3]}, "owners"),
    ({"owners": 0.75}, "owners"),
    ({"owners": "3/4"}, "owners"),
    ({"owners": [1, 1], "owners_strict": True}, "owners"),
    ({"owners": [1, 2], "owners_strict": "yes"}, "owners_strict"),
    ({"area": [1, 2], "effective_from": "2025-13-01"}, "effective_from"),
    ({"area": [1, 2], "effective_from": "20251204"}, "effective_from"),
    ({"area": [1, 2], "building_exempt_max": -1}, "building_exempt_max"),
    ({"area": [1, 2], "building_exempt_max": True}, "building_exempt_max"),
    ({"area": [1, 2], "name": "Custom One"}, "name"),
    ({"area": [1, 2], "label_ko": ""}, "label_ko"),
    ({"area": [1, 2], "quorum": [1, 2]}, "quorum"),
])
def test_a_custom_threshold_is_validated(data: dict[str, object], field: str) -> None:
    with pytest.raises(BadPayload) as refused:
        custom(data)
    assert refused.value.field == field


def test_from_dict_needs_the_name_and_labels() -> None:
    with pytest.raises(BadPayload) as refused:
        Threshold.from_dict({"owners": [1, 2]})
    assert refused.value.field == "name"


def test_the_threshold_in_force_is_the_latest_not_after_the_day() -> None:
    older = Threshold("recon", "재건축", "Reconstruction", owners=Fraction(3, 4),
                      effective_from="2020-01-01")
    newer = Threshold("recon", "재건축", "Reconstruction", owners=Fraction(7, 10),
                      effective_from="2026-06-01")
    assert in_force("recon", "2026-05-31", [older, newer]) is older
    assert in_force("recon", "2026-06-01", [older, newer]) is newer
    assert in_force("redevelopment_union", "2026-01-01") == PRESETS["redevelopment_union"]
    with pytest.raises(BadPayload):
        in_force("redevelopment_union", "2025-12-03")
    with pytest.raises(BadPayload):
        in_force("recon", "yesterday", [older])


def passes(have: int, total: int, fraction: Fraction, strict: bool) -> bool:
    """The criterion straight from its fraction, independent of the code under test."""
    return Fraction(have) > fraction * total if strict else Fraction(have) >= fraction * total


shares = st.tuples(st.integers(1, 12), st.integers(1, 12), st.booleans()).filter(
    lambda t: t[0] < t[1] or (t[0] == t[1] and not t[2])).map(
    lambda t: (Fraction(t[0], t[1]), t[2]))


@given(share=shares, total=st.integers(1, 300), data=st.data())
def test_owners_met_is_the_fraction_comparison_and_needed_is_the_least(
        share: tuple[Fraction, bool], total: int, data: st.DataObject) -> None:
    fraction, strict = share
    threshold = custom({"owners": [fraction.numerator, fraction.denominator],
                        "owners_strict": strict})
    roster = owners(total)
    have = data.draw(st.integers(0, total))
    owners_criterion = progress(threshold, roster, ids(roster, have)).criteria[0]
    assert owners_criterion.met == passes(have, total, fraction, strict)
    needed = owners_criterion.needed
    assert progress(threshold, roster, ids(roster, have + needed)).met
    if needed:
        assert not progress(threshold, roster, ids(roster, have + needed - 1)).met


@given(share=shares, areas=st.lists(st.integers(0, 10**8), min_size=1, max_size=30),
       data=st.data())
def test_area_met_is_the_fraction_comparison_and_needed_is_the_least(
        share: tuple[Fraction, bool], areas: list[int], data: st.DataObject) -> None:
    fraction, strict = share
    threshold = custom({"area": [fraction.numerator, fraction.denominator],
                        "area_strict": strict})
    roster = [Owner(f"o{i}", "n", (f"o{i}",), (), a, frozenset()) for i, a in enumerate(areas)]
    chosen = data.draw(st.lists(st.sampled_from([o.id for o in roster]), unique=True))
    area = progress(threshold, roster, chosen).criteria[0]
    have, total = area.have, area.total
    assert (have, total) == (sum(o.area_units for o in roster if o.id in chosen), sum(areas))
    assert area.met == passes(have, total, fraction, strict)
    assert passes(have + area.needed, total, fraction, strict)
    if area.needed:
        assert not passes(have + area.needed - 1, total, fraction, strict)


@given(share=shares, sizes=st.lists(st.tuples(st.integers(1, 15), st.integers(0, 15)),
                                    min_size=1, max_size=6), exempt_max=st.integers(0, 6))
def test_each_buildings_need_is_the_least_that_meets_its_share(
        share: tuple[Fraction, bool], sizes: list[tuple[int, int]], exempt_max: int) -> None:
    fraction, strict = share
    threshold = custom({"per_building": [fraction.numerator, fraction.denominator],
                        "per_building_strict": strict, "building_exempt_max": exempt_max})
    counts = {f"{i + 1}동": (total, min(agreed, total)) for i, (total, agreed) in enumerate(sizes)}
    roster: list[Owner] = []
    consenting: list[str] = []
    for building, (total, agreed) in counts.items():
        batch = [Owner(f"{building}{j}", "n", (f"{building}{j}",), (), 1,
                       frozenset({building})) for j in range(total)]
        roster += batch
        consenting += ids(batch, agreed)
    result = progress(threshold, roster, consenting)
    for row in result.buildings:
        total, agreed = counts[row.building]
        assert row.exempt == (total <= exempt_max)
        if row.exempt:
            assert row.needed == 0
            continue
        assert row.met == passes(agreed, total, fraction, strict)
        assert passes(agreed + row.needed, total, fraction, strict)
        if row.needed:
            assert not passes(agreed + row.needed - 1, total, fraction, strict)
    assert result.met == all(row.met for row in result.buildings)
