"""The owners of a consent drive are counted by head: co-owners of a parcel
are one owner, one person's parcels are one owner, areas are summed once."""

from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rooms.consent.owners import AMENITY, read_owners
from rooms.errors import BadPayload


def rec(owner_no: str, name: str, parcel: str, area: str, *, phone: str = "",
        building: str = "", amenity: bool = False) -> dict[str, object]:
    return {"owner_no": owner_no, "name": name, "phone_hash": phone, "parcel": parcel,
            "area": area, "building": building, "amenity": amenity}


def test_co_owners_of_one_parcel_are_one_owner_with_its_area_once() -> None:
    roster = read_owners([rec("1", "김갑동", "100-1", "165.3", phone="h1"),
                          rec("2", "김을순", "100-1", "165.3", phone="h2"),
                          rec("3", "박병철", "100-2", "80", phone="h3")])
    assert [o.id for o in roster.owners] == ["1", "3"]
    first = roster.owners[0]
    assert first.owner_nos == ("1", "2")
    assert first.name == "김갑동"
    assert first.area_units == 1_653_000
    assert first.persons == 2
    assert roster.area_units == 2_453_000
    assert [o.id for o in roster.grouped] == ["1"]


def test_one_person_owning_several_parcels_counts_once_with_the_areas_summed() -> None:
    roster = read_owners([rec("1", "이정희", "200-1", "100.25", phone="h1"),
                          rec("2", "최민수", "200-9", "10", phone="h2"),
                          rec("3", "이정희", "200-2", "50.5", phone="h1")])
    assert [o.id for o in roster.owners] == ["1", "2"]
    assert roster.owners[0].owner_nos == ("1", "3")
    assert roster.owners[0].parcels == ("200-1", "200-2")
    assert roster.owners[0].area_units == 1_507_500
    assert roster.owners[0].persons == 1


def test_links_by_person_and_by_parcel_join_transitively() -> None:
    # 4 co-owns 300-2 with 2, who owns 300-1 alone: all one owner, represented by row 1
    roster = read_owners([rec("1", "정", "300-1", "10", phone="a"),
                          rec("2", "한", "300-3", "5", phone="b"),
                          rec("3", "정", "300-2", "20", phone="a"),
                          rec("4", "한", "300-2", "20", phone="b")])
    assert len(roster.owners) == 1
    assert roster.owners[0].id == "1"
    assert roster.owners[0].owner_nos == ("1", "2", "3", "4")
    assert roster.owners[0].area_units == 350_000


def test_one_name_is_not_one_person_without_the_same_phone() -> None:
    roster = read_owners([rec("1", "김철수", "1", "1", phone="a"),
                          rec("2", "김철수", "2", "1", phone="b"),
                          rec("3", "김철수", "3", "1"),
                          rec("4", "김철수", "4", "1")])
    assert len(roster.owners) == 4


def test_all_amenity_buildings_are_one_building() -> None:
    roster = read_owners([rec("1", "가", "A-1", "1", building="상가1동", amenity=True),
                          rec("2", "나", "A-2", "1", building="상가2동", amenity=True),
                          rec("3", "다", "101-1", "1", building="101동"),
                          rec("4", "다", "102-1", "1", building="102동", phone="x"),
                          rec("5", "다", "102-2", "1", building="유치원", amenity=True,
                              phone="x")])
    buildings = [o.buildings for o in roster.owners]
    assert buildings == [{AMENITY}, {AMENITY}, {"101동"}, {"102동", AMENITY}]


def test_bad_rows_are_reported_by_row_number_and_skipped() -> None:
    roster = read_owners([
        rec("1", "가", "1", "10"),
        rec("", "나", "2", "10"),
        rec("1", "다", "3", "10"),
        rec("4", "", "4", "10"),
        rec("5", "마", "5", "-10"),
        rec("6", "바", "6", "1.23456"),
        rec("7", "사", "1", "10.0001"),
        rec("8", "아", "1", "10.000"),
    ])
    codes = [(e.row, e.owner_no, e.code) for e in roster.errors]
    assert codes == [(3, "", "missing_owner_no"), (4, "1", "duplicate_owner_no"),
                     (5, "4", "missing_name"), (6, "5", "bad_area"), (7, "6", "bad_area"),
                     (8, "7", "parcel_area_mismatch")]
    assert [o.owner_nos for o in roster.owners] == [("1", "8")]
    assert roster.owners[0].area_units == 100_000
    assert "10.0001 m²" in roster.errors[-1].message


def test_areas_may_come_as_units() -> None:
    roster = read_owners([{"owner_no": "1", "name": "가", "parcel": "1", "area_units": 5},
                          {"owner_no": "2", "name": "나", "parcel": "2", "area_units": -5},
                          {"owner_no": "3", "name": "다", "parcel": "3",
                           "area_units": 10**13 + 1}])
    assert roster.owners[0].area_units == 5
    assert [e.code for e in roster.errors] == ["bad_area", "bad_area"]


def test_a_row_without_a_parcel_owns_only_its_own_area() -> None:
    roster = read_owners([rec("1", "가", "", "10"), rec("2", "나", "", "20")])
    assert [o.area_units for o in roster.owners] == [100_000, 200_000]
    assert roster.owners[0].parcels == ()


@pytest.mark.parametrize("record", [
    {"owner_no": 1, "name": "가", "area": "1"},
    {"owner_no": "1", "name": "가", "area": "1", "amenity": "yes"},
    {"owner_no": "1", "name": "가", "area": "1", "building": 101},
    {"owner_no": "1", "name": "가", "area": 165.3},
    {"owner_no": "1", "name": "가", "area_units": 1.5},
    {"owner_no": "1", "name": "가", "area_units": True},
])
def test_a_field_of_the_wrong_type_is_the_callers_mistake(record: dict[str, object]) -> None:
    with pytest.raises(BadPayload):
        read_owners([record])


def test_the_report_is_json() -> None:
    roster = read_owners([rec("1", "가", "1", "1,240.25", phone="a"),
                          rec("2", "나", "1", "1,240.25", phone="b"), rec("", "다", "2", "1")])
    report = json.loads(json.dumps(roster.public(), ensure_ascii=False))
    assert report["owners"] == 1
    assert report["area"] == "1,240.25 m²"
    assert report["grouped"][0]["owner_nos"] == ["1", "2"]
    assert report["errors"][0]["code"] == "missing_owner_no"


@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), min_size=1, max_size=25))
def test_owners_are_exactly_the_rows_linked_by_person_or_parcel(
        pairs: list[tuple[int, int]]) -> None:
    # row i: person pairs[i][0] owns parcel pairs[i][1], whose area is its number + 1 m²
    roster = read_owners([rec(str(i), f"p{person}", f"lot{parcel}", str(parcel + 1),
                              phone=f"h{person}") for i, (person, parcel) in enumerate(pairs)])
    assert not roster.errors
    owner_of = {no: owner for owner in roster.owners for no in owner.owner_nos}
    for i, j in itertools.combinations(range(len(pairs)), 2):
        if pairs[i][0] == pairs[j][0] or pairs[i][1] == pairs[j][1]:
            assert owner_of[str(i)] is owner_of[str(j)]
    assert sorted(no for o in roster.owners for no in o.owner_nos) == sorted(
        str(i) for i in range(len(pairs)))
    for owner in roster.owners:
        assert owner.id == min(owner.owner_nos, key=int)
        rows = [int(no) for no in owner.owner_nos]
        reached = {rows[0]}
        for _ in rows:  # no owner joins rows that no chain of links joins
            reached |= {j for j in rows for i in reached
                        if pairs[i][0] == pairs[j][0] or pairs[i][1] == pairs[j][1]}
        assert reached == set(rows)
        parcels = {pairs[i][1] for i in rows}
        assert owner.area_units == sum((p + 1) * 10_000 for p in parcels)
    assert roster.area_units == sum((p + 1) * 10_000 for p in {p for _, p in pairs})
