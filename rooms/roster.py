"""The union roster: CSV in, members out. A member is one holding; co-owners of
a holding share it. Bad rows are reported by row number and skipped; good rows
are kept, so staff fix the bad ones and import again."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from rooms import phone
from rooms.errors import BadPayload, PhoneInvalid

COLUMNS = ("member_no", "name", "phone", "holding", "weight")
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

    def public(self) -> dict[str, Any]:
        return {"member_no": self.member_no, "name": self.name, "phone": self.phone_masked,
                "holding": self.holding, "weight": self.weight}


@dataclass
class Import:
    people: list[Person] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def refuse(self, row: int, member_no: str, code: str, message: str) -> None:
        self.errors.append({"row": row, "member_no": member_no, "code": code,
                            "message": message})


def parse(text: Any, secret: bytes) -> Import:
    """Rows to people. Importing again replaces people by member number, so a
    corrected row takes the place of the one before."""
    if not isinstance(text, str) or not text.strip():
        raise BadPayload("csv", "must be the roster as CSV text with a header row")
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in reader.fieldnames or []]
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
            result.people.append(person)
    return result


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
