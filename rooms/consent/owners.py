"""The owners (토지등소유자) of a consent drive: roster rows in, owners out.

A row is one thing owned: a land parcel in a redevelopment zone, or a unit
(101동 1203호) in a reconstruction one, with its land area (for a unit, its
land share, 대지지분) in units of 1/10000 m². An owner is counted by head, not
by row: rows of one person (same name and keyed phone hash) and the co-owners
of one parcel are one owner, linked either way, represented by their first row
in the file. The owner's area is the sum of its distinct parcels' areas (a
parcel counts once however many co-own it); its buildings are those of its
rows, every amenity building (부대·복리시설) being one pseudo-building.

Bad rows are reported by row number with a code and skipped, as the meeting
roster does: missing_owner_no, duplicate_owner_no, missing_name, bad_area,
parcel_area_mismatch (the parcel came earlier with another area).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Hashable, Iterable, Mapping, Sequence

from rooms.consent.area import MAX_UNITS, format_area, parse_area
from rooms.errors import BadPayload

AMENITY = "부대복리시설"
_ROW_CODES = {"owner_no": "missing_owner_no", "name": "missing_name", "area": "bad_area"}
_TEXTS = ("owner_no", "name", "phone_hash", "parcel", "area", "building")


@dataclass(frozen=True)
class OwnerRow:
    row: int  # the row's number in the file, for the report
    owner_no: str
    name: str
    phone_hash: str  # a keyed hash, never the number; "" when none is known
    parcel: str
    area_units: int
    building: str = ""
    amenity: bool = False

    def __post_init__(self) -> None:
        if not self.owner_no:
            raise BadPayload("owner_no", "is empty")
        if not self.name:
            raise BadPayload("name", "is empty")
        if (isinstance(self.area_units, bool) or not isinstance(self.area_units, int)
                or not 0 <= self.area_units <= MAX_UNITS):
            raise BadPayload("area", "must be 0 to 10^9 m² in units of 1/10000 m²")
        if not isinstance(self.amenity, bool):
            raise BadPayload("amenity", "must be true or false")

    @property
    def building_key(self) -> str:
        return AMENITY if self.amenity else self.building

    @property
    def parcel_key(self) -> tuple[str, str]:
        # A row without a parcel owns what it lists by itself.
        return ("parcel", self.parcel) if self.parcel else ("row", self.owner_no)

    @property
    def person_key(self) -> tuple[str, str] | None:
        # Without a phone, one name is not enough to say two rows are one person.
        return (self.name, self.phone_hash) if self.phone_hash else None


@dataclass(frozen=True)
class Owner:
    id: str  # the representative's owner_no
    name: str  # the representative's name
    owner_nos: tuple[str, ...]  # the owner's rows in file order, representative first
    parcels: tuple[str, ...]
    area_units: int
    buildings: frozenset[str]
    persons: int = 1

    def __post_init__(self) -> None:
        if not self.owner_nos or self.owner_nos[0] != self.id:
            raise ValueError("an owner's id is its first row's owner_no")
        if not 0 <= self.area_units:
            raise ValueError("an owner's area is never negative")

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "owner_nos": list(self.owner_nos),
                "parcels": list(self.parcels), "area_units": self.area_units,
                "area": format_area(self.area_units), "buildings": sorted(self.buildings),
                "persons": self.persons}


@dataclass(frozen=True)
class RowError:
    row: int
    owner_no: str
    code: str
    message: str

    def public(self) -> dict[str, Any]:
        return {"row": self.row, "owner_no": self.owner_no, "code": self.code,
                "message": self.message}


@dataclass(frozen=True)
class OwnerRoster:
    owners: tuple[Owner, ...]
    errors: tuple[RowError, ...] = ()

    @property
    def grouped(self) -> tuple[Owner, ...]:
        """Owners made of more than one row, for staff to check."""
        return tuple(o for o in self.owners if len(o.owner_nos) > 1)

    @property
    def area_units(self) -> int:
        return sum(o.area_units for o in self.owners)

    def public(self) -> dict[str, Any]:
        return {"owners": len(self.owners), "area_units": self.area_units,
                "area": format_area(self.area_units),
                "grouped": [o.public() for o in self.grouped],
                "errors": [e.public() for e in self.errors]}


def read_owners(records: Iterable[Mapping[str, object]], first_row: int = 2) -> OwnerRoster:
    """Roster records (owner_no, name, phone_hash, parcel, area as text or
    area_units as an int, building, amenity) to owners. Rows are numbered from
    `first_row`, the first line under a header."""
    rows: list[OwnerRow] = []
    errors: list[RowError] = []
    seen: set[str] = set()
    parcel_area: dict[tuple[str, str], int] = {}
    for number, record in enumerate(records, start=first_row):
        texts = _texts(record)  # a field of the wrong type is the caller's mistake: raised
        try:
            row = _row(number, texts, record.get("area_units"), record.get("amenity", False))
        except BadPayload as refused:
            errors.append(RowError(number, texts["owner_no"], _ROW_CODES[refused.field],
                                   refused.message))
            continue
        problem = _conflict(row, seen, parcel_area)
        if problem:
            errors.append(RowError(number, row.owner_no, *problem))
            continue
        seen.add(row.owner_no)
        parcel_area.setdefault(row.parcel_key, row.area_units)
        rows.append(row)
    return OwnerRoster(group_owners(rows), tuple(errors))


def _texts(record: Mapping[str, object]) -> dict[str, str]:
    if not isinstance(record.get("amenity", False), bool):
        raise BadPayload("amenity", "must be true or false")
    units = record.get("area_units")
    if units is not None and (isinstance(units, bool) or not isinstance(units, int)):
        raise BadPayload("area_units", "must be a whole number of 1/10000 m²")
    texts: dict[str, str] = {}
    for key in _TEXTS:
        value = record.get(key)
        if value is not None and not isinstance(value, str):
            raise BadPayload(key, "must be text")
        texts[key] = (value or "").strip()
    return texts


def _row(number: int, texts: dict[str, str], units: object, amenity: object) -> OwnerRow:
    if not isinstance(units, int):
        units = parse_area(texts["area"])
    return OwnerRow(number, texts["owner_no"], texts["name"], texts["phone_hash"],
                    texts["parcel"], units, texts["building"], amenity is True)


def _conflict(row: OwnerRow, seen: set[str],
              parcel_area: dict[tuple[str, str], int]) -> tuple[str, str] | None:
    if row.owner_no in seen:
        return ("duplicate_owner_no", f"owner_no {row.owner_no} appears twice in this file")
    known = parcel_area.get(row.parcel_key)
    if known is not None and known != row.area_units:
        return ("parcel_area_mismatch",
                f"parcel {row.parcel} came earlier with {format_area(known)}, here with "
                f"{format_area(row.area_units)}")
    return None


def group_owners(rows: list[OwnerRow]) -> tuple[Owner, ...]:
    """Rows linked by person or by parcel (transitively) are one owner; owners
    in the file order of their first rows."""
    links = [[("parcel", row.parcel_key)] + ([("person", row.person_key)]
                                             if row.person_key is not None else [])
             for row in rows]
    return tuple(_owner([rows[i] for i in members]) for members in connected(links))


def connected(links: Sequence[Iterable[Hashable]]) -> list[list[int]]:
    """Items that share a link, directly or through other items, as groups of
    their indices: each group in index order, groups in order of their first."""
    parent = list(range(len(links)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i
    first: dict[Hashable, int] = {}
    for i, keys in enumerate(links):
        for key in keys:
            parent[root(i)] = root(first.setdefault(key, i))
    groups: dict[int, list[int]] = {}
    for i in range(len(links)):
        groups.setdefault(root(i), []).append(i)
    return list(groups.values())


def _owner(rows: list[OwnerRow]) -> Owner:
    areas = {row.parcel_key: row.area_units for row in rows}
    persons = {row.person_key or ("row", row.owner_no) for row in rows}
    return Owner(id=rows[0].owner_no, name=rows[0].name,
                 owner_nos=tuple(row.owner_no for row in rows),
                 parcels=tuple(sorted({row.parcel for row in rows if row.parcel})),
                 area_units=sum(areas.values()),
                 buildings=frozenset(row.building_key for row in rows if row.building_key),
                 persons=len(persons))
