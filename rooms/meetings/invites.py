"""Invitations to a general meeting: each person on the roster gets a personal
link, and a short code (`/m/CODE`) that an older member can type or read over
the phone; staff send them by text, then remind those who have not signed in.
The code is derived from the room and the member number with the server's
secret, so importing a corrected roster keeps everyone's code."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from rooms.errors import BadPayload, MeetingError
from rooms.store import MeetingStore

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud without doubt
CODE_LEN = 8
AUDIENCES = ("all", "not_signed_in", "not_sent")
MAX_LISTED = 20_000


def short_code(secret: bytes, room_id: str, member_no: str) -> str:
    digest = hmac.new(secret, f"livevote-short\x00{room_id}\x00{member_no}".encode(),
                      hashlib.sha256).digest()
    number = int.from_bytes(digest[:8], "big")
    chars = []
    for _ in range(CODE_LEN):
        number, digit = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[digit])
    return "".join(chars)


def clean_code(raw: object) -> str | None:
    """The code as typed ("abcd-2345", "ABCD 2345") in its canonical form, or None."""
    if not isinstance(raw, str) or len(raw) > 40:
        return None
    code = "".join(c for c in raw.upper() if c not in " -\u2010\u2011\u2012\u2013\u2014")
    return code if len(code) == CODE_LEN and all(c in ALPHABET for c in code) else None


def spaced(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


class Invitations:
    def __init__(self, store: MeetingStore, secret: bytes) -> None:
        self.store = store
        self.secret = secret

    def code(self, room_id: str, member_no: str) -> str:
        return short_code(self.secret, room_id, member_no)

    async def publish(self, room_id: str, member_nos: list[str]) -> None:
        await self.store.save_short_codes(
            room_id, {self.code(room_id, no): no for no in member_nos})

    async def resolve(self, raw: object) -> tuple[str, str]:
        """(room, member_no) of a short code, or invite_invalid. A code that was
        never issued, or whose person left the roster, is refused the same way."""
        code = clean_code(raw)
        found = await self.store.short_code(code) if code else None
        if found is None:
            raise MeetingError("invite_invalid", "this personal code is not valid; check the "
                                                 "invitation text or ask the union office", 403)
        room_id, _, member_no = found.partition(":")
        if await self.store.person(room_id, member_no) is None:
            raise MeetingError("invite_invalid", "this personal code is no longer valid; ask "
                                                 "the union office", 403)
        if self.code(room_id, member_no) != code:
            raise MeetingError("invite_invalid", "this personal code is not valid", 403)
        return room_id, member_no

    async def recipients(self, room_id: str, to: object) -> list[dict[str, Any]]:
        """The roster rows an invitation or reminder goes to: everyone, those
        who have not signed in (a reminder), those never sent one, or the
        member numbers listed (each checked to be on this room's roster)."""
        people = await self.store.people(room_id)
        if not people:
            raise MeetingError("roster_empty", "import the roster before sending invitations")
        if isinstance(to, list):
            if not to or len(to) > MAX_LISTED or not all(isinstance(n, str) for n in to):
                raise BadPayload("to", "must be a list of member numbers, or one of "
                                       + ", ".join(AUDIENCES))
            missing = [n for n in to if n not in people]
            if missing:
                raise MeetingError("member_not_found", f"no member {missing[0]} on the roster",
                                   404)
            return [people[n] for n in dict.fromkeys(to)]
        if to not in AUDIENCES:
            raise BadPayload("to", "must be one of " + ", ".join(AUDIENCES)
                             + ", or a list of member numbers")
        skip: set[str] = set()
        if to == "not_signed_in":
            skip = set(await self.store.signed_in(room_id))
        elif to == "not_sent":
            skip = {n for n, d in (await self.store.deliveries(room_id)).items() if d.get("ok")}
        return [p for n, p in sorted(people.items()) if n not in skip]

    async def record(self, room_id: str, member_no: str, record: dict[str, Any]) -> None:
        await self.store.record_delivery(room_id, member_no, record)

    async def signed_in(self, room_id: str, member_no: str, now_ms: int) -> None:
        await self.store.mark_signed_in(room_id, member_no, now_ms)

    async def board(self, room_id: str) -> list[dict[str, Any]]:
        """Per person: the short code, the last text sent and whether they signed in."""
        people = await self.store.people(room_id)
        sent = await self.store.deliveries(room_id)
        signed = await self.store.signed_in(room_id)
        return [{"member_no": no, "name": p["name"], "phone": p.get("phone_masked", ""),
                 "member": p.get("member", ""), "code": spaced(self.code(room_id, no)),
                 "sent": sent.get(no), "signed_in_at": signed.get(no, 0)}
                for no, p in sorted(people.items())]
