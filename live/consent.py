"""Consent drives over HTTP: the organiser's commands (host key) and the
owner's steps (personal link, identity check by provider or by a code texted
to the roster phone, then signing), plus the public manifest and progress."""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import secrets
import time
from typing import Any, Awaitable, Callable

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from live.commands import Command
from live.hub import Hub, now_ms
from live.identity import IdentityProvider, normal_birth, normal_name
from live.sms import text_code
from live.tsa import TimeStamper
from rooms.consent import PRESETS
from rooms.consent.drive import ConsentError, Drives, Stamp
from rooms.errors import BadPayload, GateError, LiveVoteError
from rooms.gates import phone
from rooms.polls import Room, payloads

ALIASES = {"소유자번호": "owner_no", "번호": "owner_no", "성명": "name", "이름": "name",
           "휴대폰": "phone", "휴대전화": "phone", "전화번호": "phone", "생년월일": "birth",
           "지번": "parcel", "소유물건": "parcel", "필지": "parcel", "면적": "area",
           "토지면적": "area", "대지지분": "area", "동": "building", "부대시설": "amenity"}
SEND_AT_ONCE = 8
Json = Callable[[Request], Awaitable[dict[str, Any]]]


def keyed(secret: bytes, kind: str, value: str) -> str:
    """A keyed hash of a name, birth date or provider key: checkable, not readable."""
    return hmac.new(secret, f"livevote-{kind}\x00{value}".encode(), hashlib.sha256).hexdigest()


def hasher(secret: bytes) -> Callable[[str, str], str]:
    """The hashes identity providers' answers are compared in: phones as everywhere."""
    def made(kind: str, value: str) -> str:
        return phone.phone_hash(secret, value) if kind == "phone" else keyed(secret, kind, value)
    return made


def masked_name(name: str) -> str:
    """김영희 -> 김*희, Kim -> K*m: enough for staff and the owner to recognise."""
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def owner_records(hub: Hub, text: Any) -> list[dict[str, Any]]:
    """The owners file (CSV text; an XLSX arrives converted) to rows holding
    keyed hashes and masked names only."""
    if not isinstance(text, str) or not text.strip():
        raise BadPayload("csv", "must be the owners roster as CSV or XLSX with a header row")
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    reader.fieldnames = [ALIASES.get(h.strip(), h.strip()) for h in reader.fieldnames or []]
    missing = [c for c in ("owner_no", "name", "parcel", "area") if c not in reader.fieldnames]
    if missing:
        raise BadPayload("csv", f"header lacks {', '.join(missing)}; expected owner_no, name, "
                                "phone, birth, parcel, area, building, amenity")
    hash_of = hasher(hub.rooms.secret)
    seal = hub.phone_seal
    rows = []
    for raw in reader:
        row = {k: (v or "").strip() for k, v in raw.items() if k}
        name = normal_name(row["name"]) if row.get("name", "").strip() else ""
        record: dict[str, Any] = {
            "owner_no": row.get("owner_no", ""), "parcel": row.get("parcel", ""),
            "area": row.get("area", ""), "building": row.get("building", ""),
            "amenity": row.get("amenity", "").lower() in ("1", "y", "yes", "true", "예", "o"),
            "name_hash": hash_of("name", name) if name else "", "name_masked": masked_name(name),
            "phone_hash": "", "phone_sealed": "", "birth_hash": ""}
        try:
            e164 = phone.normalise(row.get("phone", ""))
            record["phone_hash"] = hash_of("phone", e164)
            record["phone_sealed"] = seal.seal(e164) if seal else ""
        except LiveVoteError:
            pass  # no usable mobile: the owner can still verify through a provider
        try:
            record["birth_hash"] = hash_of("birth", normal_birth(row.get("birth", "")))
        except ValueError:
            pass
        rows.append(record)
    return rows


def drives(hub: Hub) -> Drives:
    if hub.drives is None:
        raise RuntimeError("the hub was built without consent drives")
    return hub.drives


async def as_drive(room: Room) -> Room:
    if room.kind != "drive":
        raise ConsentError("not_a_drive", "this room is not a consent drive; create one with "
                                          "\"kind\": \"drive\"", 404)
    return room


async def drive_setup(hub: Hub, room: Room, body: dict[str, Any]) -> Any:
    return await drives(hub).setup(await as_drive(room), body)


async def drive_get(hub: Hub, room: Room, body: dict[str, Any]) -> Any:
    await as_drive(room)
    settings = await drives(hub).settings(room.id)
    shown = settings | {"links": {"public": f"{hub.settings.base_url}/drive-progress#drive={room.id}"},
                        "presets": {name: t.public() for name, t in PRESETS.items()}}
    if settings["threshold"]:
        shown["progress"] = await drives(hub).progress(room.id)
    return shown


async def owners_import(hub: Hub, room: Room, body: dict[str, Any]) -> Any:
    return await drives(hub).import_owners(await as_drive(room),
                                           owner_records(hub, body.get("csv")))


async def owners_get(hub: Hub, room: Room, body: dict[str, Any]) -> Any:
    await as_drive(room)
    d = drives(hub)
    rows, acts = await d.store.rows(room.id), await d.store.acts(room.id)
    sent = await d.store.deliveries(room.id)
    base = hub.settings.base_url
    return {"rows": [{"owner_no": no, "owner": r["owner"], "name": r["name_masked"],
                      "representative": no == r["owner"], "phone": bool(r["phone_hash"]),
                      "choice": (acts.get(r["owner"]) or {}).get("record", {}).get("choice"),
                      "sent": sent.get(no),
                      "link": f"{base}/consent#invite={d.invite(room.id, no)}"}
                     for no, r in sorted(rows.items())]}


async def drive_open(hub: Hub, room: Room, body: dict[str, Any]) -> Any:
    return await drives(hub).open(await as_drive(room))


async def drive_progress(hub: Hub, room: Room, body: dict[str, Any]) -> Any:
    await as_drive(room)
    return await drives(hub).progress(room.id)


async def drive_send(hub: Hub, room: Room, body: dict[str, Any]) -> Any:
    """Text each representative their personal consent link; per row a record."""
    await as_drive(room)
    channel = payloads.choice(body, "channel", ("sms", "kakao"), "sms")
    to = payloads.choice(body, "to", ("all", "not_acted", "not_sent"), "all")
    sender = hub.messengers.get(channel)
    if sender is None or hub.phone_seal is None:
        raise ConsentError("channel_unavailable", f"this server has no {channel} sender set up")
    d = drives(hub)
    rows, acts = await d.store.rows(room.id), await d.store.acts(room.id)
    sent = await d.store.deliveries(room.id)
    chosen = [(no, r) for no, r in sorted(rows.items()) if no == r["owner"]
              and not (to == "not_acted" and r["owner"] in acts)
              and not (to == "not_sent" and (sent.get(no) or {}).get("ok"))]
    results = []
    for no, row in chosen:
        number = hub.phone_seal.open(row["phone_sealed"]) if row["phone_sealed"] else None
        record: dict[str, Any] = {"channel": channel, "at": now_ms(), "ok": number is not None}
        if number is None:
            record["error"] = "no_number"
        else:
            link = f"{hub.settings.base_url}/consent#invite={d.invite(room.id, no)}"
            try:
                await sender.send(room.id, number, f"[전자동의] {room.title}\n{row['name_masked']}님, "
                                  f"동의서를 읽고 서명하실 수 있는 개인 링크입니다: {link}\n"
                                  f"Your personal consent link: {link}")
            except LiveVoteError as failed:
                record |= {"ok": False, "error": failed.code}
        await d.store.record_delivery(room.id, no, record)
        await d.store.log(room.id, {"type": "delivery", "owner": d.who(room.id, row["owner"]),
                                    "channel": channel, "ok": record["ok"],
                                    "ts": record["at"] - record["at"] % 60_000})
        results.append(record["ok"])
    return {"sent": sum(results), "failed": len(results) - sum(results)}


DRIVE_COMMANDS: dict[str, Command] = {
    "drive:setup": drive_setup, "drive:get": drive_get, "owners:import": owners_import,
    "owners:get": owners_get, "drive:open": drive_open, "drive:progress": drive_progress,
    "drive:send": drive_send,
}


class OwnerSteps:
    """The owner's page calls these over HTTP: open the link, prove who they
    are, then sign. Every answer is the JSON envelope."""

    def __init__(self, hub: Hub, read_json: Json, address: Callable[[Request], str],
                 provider: IdentityProvider | None) -> None:
        self.hub, self.read_json, self.address, self.provider = hub, read_json, address, provider

    async def open(self, request: Request) -> dict[str, Any]:
        body = await self.read_json(request)
        room_id, owner_no, row = await drives(self.hub).from_invite(body.get("invite"))
        settings = await drives(self.hub).settings(room_id)
        room = await self.hub.rooms.room(room_id)
        return {"drive": {"title": room.title, "lang": room.lang} | {
                    k: settings[k] for k in ("state", "proposal", "form", "form_sha256",
                                             "deadline", "manifest_sha256")},
                "owner": {"owner_no": owner_no, "name": row["name_masked"],
                          "representative": owner_no == row["owner"]},
                "methods": (["provider"] if self.provider else []) + (
                    ["otp"] if row["phone_hash"] else []),
                "mine": await drives(self.hub).mine(room_id, owner_no)}

    async def otp(self, request: Request) -> dict[str, Any]:
        body = await self.read_json(request)
        room_id, _, row = await drives(self.hub).from_invite(body.get("invite"))
        e164 = self._roster_phone(row, body)
        await text_code(self.hub.rooms, self.hub.sms, room_id, e164, self.address(request))
        return {"sent_to": phone.masked(e164), "expires_in": 300}

    def _roster_phone(self, row: dict[str, Any], body: dict[str, Any]) -> str:
        e164 = phone.normalise(body.get("phone"))
        if not row["phone_hash"] or not hmac.compare_digest(
                phone.phone_hash(self.hub.rooms.secret, e164), row["phone_hash"]):
            raise GateError("phone_mismatch", "this is not the phone number on the roster for "
                                              "this link; ask the organisers")
        return e164

    async def verify(self, request: Request) -> dict[str, Any]:
        body = await self.read_json(request)
        room_id, owner_no, row = await drives(self.hub).from_invite(body.get("invite"))
        self._roster_phone(row, body)
        await self.hub.rooms.admission.check_code(room_id, body)
        reference = f"otp-{secrets.token_hex(8)}"
        return {"session": drives(self.hub).session(room_id, owner_no, "otp", reference,
                                                    now_ms())}

    async def sign(self, request: Request) -> dict[str, Any]:
        body = await self.read_json(request)
        act = await drives(self.hub).act(body.get("session"), body)
        return act | {"receipt": act["sha256"][:16]}

    def provider_start(self, request: Request) -> Response:
        """Off to the identity provider; the state carries the invite's owner."""
        if self.provider is None:
            raise ConsentError("identity_unavailable", "no identity provider is set up; use "
                                                       "the code texted to your phone", 503)
        invite = request.query_params.get("invite", "")
        return RedirectResponse(self.provider.start(
            invite, f"{self.hub.settings.base_url}/api/consent/idv/callback"), 303)

    async def provider_back(self, request: Request) -> Response:
        """Back from the provider: the verified person must be the roster's."""
        if self.provider is None:
            raise ConsentError("identity_unavailable", "no identity provider is set up", 503)
        try:
            verified = await self.provider.finish(dict(request.query_params))
        except LiveVoteError as refused:  # a browser came back: the page says why
            return RedirectResponse(f"/consent#error={refused.code}", 303)
        room_id, owner_no, row = await drives(self.hub).from_invite(verified.session_id)
        same = hmac.compare_digest(verified.name_hash, row["name_hash"]) and (
            not row["phone_hash"] or hmac.compare_digest(verified.phone_hash, row["phone_hash"]))
        if row["birth_hash"]:
            same = same and hmac.compare_digest(verified.birth_hash, row["birth_hash"])
        if not same:  # the person verified is not this link's owner: the page says so
            return RedirectResponse(f"/consent#invite={verified.session_id}"
                                    "&error=identity_mismatch", 303,
                                    headers={"cache-control": "no-store"})
        session = drives(self.hub).session(room_id, owner_no, "provider", verified.reference,
                                           now_ms())
        return RedirectResponse(f"/consent#invite={verified.session_id}&session={session}", 303,
                                headers={"cache-control": "no-store"})


async def public_progress(hub: Hub, room_id: str) -> dict[str, Any]:
    settings = await drives(hub).settings(room_id)
    if not settings["public_progress"] or settings["state"] == "draft":
        raise ConsentError("not_public", "the organisers do not publish this drive's progress",
                           404)
    room = await hub.rooms.room(room_id)
    return {"title": room.title, "proposal": settings["proposal"],
            "deadline": settings["deadline"], "manifest_sha256": settings["manifest_sha256"],
            "progress": await drives(hub).progress(room_id), "at": int(time.time() * 1000)}


def stamp_with(stamper: TimeStamper | None) -> Stamp | None:
    """The RFC 3161 authority's token for a consent's digest, as stored."""
    if stamper is None:
        return None

    async def stamp(digest: bytes) -> dict[str, Any]:
        token = await stamper.stamp(digest)
        return {"token": base64.b64encode(token.der).decode(), "gen_time": token.gen_time,
                "serial": token.serial, "tsa": token.tsa}
    return stamp
