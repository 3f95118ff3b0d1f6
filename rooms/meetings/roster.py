"""The union roster: CSV in, members out. A row is a person's holding. A member
is a person, not a row: rows of the same person (same name and phone) are one
member however many holdings they list, and the co-owners of a holding are one
member voting through one representative. Rows linked either way form one
member (its key is its first holding). Bad rows are reported by row number and
skipped; an import replaces the whole roster, so a corrected file can remove
rows; the roster is frozen at the record date."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field, replace
from typing import Any, Callable

from rooms.gates import phone
from rooms.errors import BadPayload, PhoneInvalid

COLUMNS = ("member_no", "name", "phone", "holding", "weight")
# Korean sheets name the columns in Korean; either header is read.
ALIASES = {"조합원번호": "member_no", "번호": "member_no", "성명": "name", "이름": "name",
           "휴대폰": "phone", "휴대전화": "phone", "전화번호": "phone", "연락처": "phone",
           "소유물건": "holding", "물건번호": "holding", "권리": "holding",
           "가중치": "weight", "의결권": "weight"}
MAX_ROWS = 20_000
PROXY_GROUNDS = {"adult_family": "adult family member (성년 가족)",
                 "abroad": "member abroad (해외 거주)",
                 "corporate": "corporate owner's agent (법인 대리인)"}


@dataclass(frozen=True)
class Person:
    member_no: str
    name: str
    phone_hash: str
    phone_masked: str
    holding: str
    weight: int = 1
    member: str = ""  # the member (voting unit) this row belongs to, set by `group`
    phone_sealed: str = ""  # the number encrypted for invitations; never shown

    def public(self) -> dict[str, Any]:
        return {"member_no": self.member_no, "name": self.name, "phone": self.phone_masked,
                "holding": self.holding, "weight": self.weight, "member": self.member}


def group(people: list[Person]) -> tuple[list[Person], dict[str, str], dict[str, Any]]:
    """(rows with their member, member -> default representative's member_no,
    what was grouped, for the import report). Rows of one person (same name and
    phone) and rows of one holding are joined; the first row of a member in the
    file is its representative until staff name another."""
    parent = list(range(len(people)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i
    first: dict[tuple[str, str], int] = {}
    for i, p in enumerate(people):
        for link in (("holding", p.holding), ("person", f"{p.name}\x00{p.phone_hash}")):
            if link in first:
                parent[root(i)] = root(first[link])
            else:
                first[link] = i
    rows: dict[int, list[int]] = {}
    for i in range(len(people)):
        rows.setdefault(root(i), []).append(i)
    grouped = []
    reps: dict[str, str] = {}
    for members_rows in rows.values():
        key = min(people[i].holding for i in members_rows)
        for i in members_rows:
            people[i] = replace(people[i], member=key)
        reps[key] = people[members_rows[0]].member_no
        if len(members_rows) > 1:
            grouped.append({"member": key,
                            "member_nos": [people[i].member_no for i in members_rows],
                            "holdings": sorted({people[i].holding for i in members_rows}),
                            "persons": len({(people[i].name, people[i].phone_hash)
                                            for i in members_rows}),
                            "representative": reps[key]})
    return people, reps, {"members": len(rows), "grouped": grouped}


def digest(people: list[Person]) -> str:
    """SHA-256 of a roster version: its rows (member number, member, holding,
    keyed phone hash) in member-number order; committed in each item's manifest."""
    rows = sorted(f"{p.member_no}\t{p.member}\t{p.holding}\t{p.phone_hash}" for p in people)
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()


@dataclass
class Import:
    people: list[Person] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)

    def refuse(self, row: int, member_no: str, code: str, message: str) -> None:
        self.errors.append({"row": row, "member_no": member_no, "code": code,
                            "message": message})


Seal = Callable[[str], str]


def parse(text: Any, secret: bytes, seal: Seal | None = None) -> Import:
    """Rows to people. Importing again replaces people by member number, so a
    corrected row takes the place of the one before. `seal` encrypts each
    number for sending invitations later (the keyed hash cannot be reversed)."""
    if not isinstance(text, str) or not text.strip():
        raise BadPayload("csv", "must be the roster as CSV text with a header row")
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    reader.fieldnames = [ALIASES.get(h.strip(), h.strip()) for h in reader.fieldnames or []]
    header = list(reader.fieldnames)
    missing = [c for c in COLUMNS[:4] if c not in header]
    if missing:
        raise BadPayload("csv", f"header lacks {', '.join(missing)}; expected {','.join(COLUMNS)}")
    result = Import()
    seen: set[str] = set()
    for number, row in enumerate(reader, start=2):
        if number - 1 > MAX_ROWS:
            raise BadPayload("csv", f"at most {MAX_ROWS} rows per import")
        row = {k.strip(): (v or "").strip() for k, v in row.items() if k}
        person = _person(row, number, secret, seen, result)
        if person is not None:
            seen.add(person.member_no)
            result.people.append(replace(person, phone_sealed=seal(
                phone.normalise(row["phone"]))) if seal else person)
    result.warnings = look_alikes(result.people)
    return result


def look_alikes(people: list[Person]) -> list[dict[str, Any]]:
    """Rows that may be one person written two ways, for staff to check: one
    phone number under different names (the same name and number are already
    one member)."""
    names: dict[str, dict[str, list[str]]] = {}
    for p in people:
        names.setdefault(p.phone_hash, {}).setdefault(p.name, []).append(p.member_no)
    return [{"code": "same_phone_other_name", "phone": next(
                q.phone_masked for q in people if q.phone_hash == digest),
             "member_nos": sorted(n for nos in by_name.values() for n in nos),
             "names": sorted(by_name),
             "message": "one phone number under different names: the same person? "
                        "(같은 휴대폰 번호, 다른 이름)"}
            for digest, by_name in names.items() if len(by_name) > 1]


def _person(row: dict[str, str], number: int, secret: bytes, seen: set[str],
            result: Import) -> Person | None:
    member_no = row.get("member_no", "")
    if not member_no:
        result.refuse(number, "", "missing_member_no", "member_no is empty")
        return None
    if member_no in seen:
        result.refuse(number, member_no, "duplicate_member_no",
                      f"member_no {member_no} appears twice in this file")
        return None
    if not row.get("name"):
        result.refuse(number, member_no, "missing_name", "name is empty")
        return None
    try:
        e164 = phone.normalise(row.get("phone"))
    except (BadPayload, PhoneInvalid):
        result.refuse(number, member_no, "bad_phone",
                      f"phone {row.get('phone')!r} is not a mobile number")
        return None
    weight_text = row.get("weight") or "1"
    if not (weight_text.isascii() and weight_text.isdigit()) or not 1 <= int(weight_text) <= 1000:
        result.refuse(number, member_no, "bad_weight", "weight must be a whole number 1-1000")
        return None
    return Person(member_no, row["name"], phone.phone_hash(secret, e164), phone.masked(e164),
                  row.get("holding") or member_no, int(weight_text))
