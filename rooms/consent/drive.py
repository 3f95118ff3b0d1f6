"""A consent drive over its weeks: the organiser sets the proposal, the
threshold, the consent form and the deadline, imports the owners, and opens
it (publishing its manifest); each owner, once their identity is checked,
signs a consent or a withdrawal, countersigned by the server and optionally
time-stamped; the last valid act of each owner counts."""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any, Awaitable, Callable

from rooms.consent.area import format_area
from rooms.consent.owners import Owner, read_owners
from rooms.consent.progress import Progress, progress
from rooms.consent.thresholds import PRESETS, Threshold, custom
from rooms.errors import BadPayload, LiveVoteError
from rooms.gates import tokens
from rooms.ledger.bundle import Signer
from rooms.ledger.chain import pseudonym
from rooms.polls import payloads
from rooms.polls.model import Room
from rooms.polls.result import canonical
from rooms.store.consent import ConsentStore

PROPOSALS = ("promotion_committee", "union", "trust", "zone_plan", "custom")
CHOICES = ("consent", "withdraw")
FORM_LIMIT = 50_000
SESSION_MS = 15 * 60 * 1000  # an identity check is good for this long
MAX_DAYS = 366
Stamp = Callable[[bytes], Awaitable[dict[str, Any]]]


class ConsentError(LiveVoteError):
    """A drive's rule refused the request; `code` names which."""

    status = 409

    def __init__(self, code: str, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def form_of(body: Any) -> dict[str, Any]:
    """The consent form as owners read it: title, full text, attachments by hash."""
    form = payloads.as_dict(body)
    attachments = form.get("attachments", [])
    if not isinstance(attachments, list) or len(attachments) > 20:
        raise BadPayload("form.attachments", "must be a list of at most 20 {name, sha256}")
    listed = []
    for item in attachments:
        item = payloads.as_dict(item)
        digest = payloads.text(item, "sha256", limit=64)
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise BadPayload("form.attachments", "each sha256 must be 64 lowercase hex digits")
        listed.append({"name": payloads.text(item, "name", limit=200), "sha256": digest})
    return {"title": payloads.text(form, "title", limit=300),
            "body": payloads.text(form, "body", limit=FORM_LIMIT), "attachments": listed}


def threshold_of(value: Any) -> Threshold:
    if isinstance(value, str):
        if value not in PRESETS:
            raise BadPayload("threshold", "must be one of " + ", ".join(PRESETS)
                             + ", or a custom threshold object")
        return PRESETS[value]
    return custom(payloads.as_dict(value))


def owner_from(owner_id: str, stored: dict[str, Any]) -> Owner:
    return Owner(owner_id, stored.get("name_masked", ""), tuple(stored["owner_nos"]),
                 tuple(stored["parcels"]), int(stored["area_units"]),
                 frozenset(stored["buildings"]), int(stored.get("persons", 1)))


class Drives:
    def __init__(self, store: ConsentStore, secret: bytes, sign: Signer,
                 stamp: Stamp | None = None) -> None:
        self.store = store
        self.secret = secret
        self.sign = sign
        self.stamp = stamp
        self._kept: dict[str, tuple[str, dict[str, Owner]]] = {}

    # the organiser ---------------------------------------------------------------

    async def setup(self, room: Room, body: dict[str, Any]) -> dict[str, Any]:
        """Proposal, threshold, form, deadline and whether progress is public;
        only while the drive is a draft: the form's substance never changes
        under consents already given."""
        now = await self.store.now_ms()
        threshold = threshold_of(body.get("threshold"))
        form = form_of(body.get("form"))
        fields: dict[str, str | int] = {
            "proposal": payloads.choice(body, "proposal", PROPOSALS, "custom"),
            "threshold": json.dumps(threshold.public(), ensure_ascii=False),
            "form": json.dumps(form, ensure_ascii=False),
            "form_sha256": sha256_hex(canonical(form)),
            "deadline": payloads.integer(body, "deadline", now + 1000,
                                         now + MAX_DAYS * 86_400_000),
            "public": int(payloads.boolean(body, "public_progress", False))}
        if not await self.store.set_meta(room.id, fields):
            await self.store.log(room.id, {"type": "form_change_refused", "ts": now,
                                           "form_sha256": fields["form_sha256"]})
            raise ConsentError("form_locked", "the drive is open: its form, threshold and "
                                              "deadline no longer change (the attempt is "
                                              "recorded); start a new drive for a new form")
        return await self.settings(room.id)

    async def import_owners(self, room: Room, records: list[dict[str, Any]]) -> dict[str, Any]:
        """Rows with keyed hashes (never a plain name, number or birth date) to
        owners counted by head; replaces the roster while the drive is a draft."""
        roster = read_owners([dict(r, name=r["name_hash"]) for r in records])
        by_no = {r["owner_no"]: r for r in records}
        owners, rows = {}, {}
        for owner in roster.owners:
            rep = by_no[owner.id]
            owners[owner.id] = json.dumps(
                {"owner_nos": list(owner.owner_nos), "parcels": list(owner.parcels),
                 "area_units": owner.area_units, "buildings": sorted(owner.buildings),
                 "persons": owner.persons, "name_masked": rep["name_masked"]},
                ensure_ascii=False)
            for no in owner.owner_nos:
                row = by_no[no]
                rows[no] = json.dumps({k: row.get(k, "") for k in (
                    "name_hash", "phone_hash", "birth_hash", "phone_sealed", "name_masked")}
                    | {"owner": owner.id}, ensure_ascii=False)
        if not await self.store.replace_owners(room.id, owners, rows):
            raise ConsentError("drive_open", "the drive is open: its owners roster is frozen")
        return {"owners": len(owners), "rows": len(rows), "area_units": roster.area_units,
                "area": format_area(roster.area_units),
                "errors": [e.public() for e in roster.errors],
                "grouped": [{"owner": o.id, "owner_nos": list(o.owner_nos),
                             "parcels": list(o.parcels), "persons": o.persons,
                             "area": format_area(o.area_units)} for o in roster.grouped]}

    async def open(self, room: Room) -> dict[str, Any]:
        """Publish the manifest (threshold, form, deadline, the roster's
        commitment) and start taking consents."""
        meta = await self.store.meta(room.id)
        if meta.get("state", "draft") != "draft":
            raise ConsentError("drive_open", "the drive is already open")
        owners = await self.store.owners(room.id)
        if not owners or "form" not in meta:
            raise ConsentError("drive_not_ready", "import the owners and set the form, the "
                                                  "threshold and the deadline first")
        now = await self.store.now_ms()
        if int(meta["deadline"]) <= now:
            raise ConsentError("drive_closed", "the deadline has passed; set a later one")
        commitment = sorted(
            f"{self.who(room.id, oid)}\t{o['area_units']}\t{','.join(o['buildings'])}"
            for oid, o in owners.items())
        manifest = {"drive": room.id, "title": room.title, "proposal": meta["proposal"],
                    "threshold": json.loads(meta["threshold"]),
                    "form_sha256": meta["form_sha256"],
                    "attachments": json.loads(meta["form"])["attachments"],
                    "deadline": int(meta["deadline"]), "owners": len(owners),
                    "area_units": sum(int(o["area_units"]) for o in owners.values()),
                    "roster_sha256": sha256_hex("\n".join(commitment).encode()),
                    "opened_at": now}
        digest = sha256_hex(canonical(manifest))
        opened = await self.store.set_meta(room.id, {
            "state": "open", "manifest": json.dumps(manifest, ensure_ascii=False),
            "manifest_sha256": digest}, {"type": "drive_open", "ts": now,
                                          "manifest_sha256": digest})
        if not opened:
            raise ConsentError("drive_open", "the drive is already open")
        return {"manifest": manifest, "manifest_sha256": digest}

    async def settings(self, room_id: str) -> dict[str, Any]:
        meta = await self.store.meta(room_id)
        return {"state": meta.get("state", "draft"), "proposal": meta.get("proposal"),
                "threshold": json.loads(meta["threshold"]) if "threshold" in meta else None,
                "form": json.loads(meta["form"]) if "form" in meta else None,
                "form_sha256": meta.get("form_sha256"),
                "deadline": int(meta.get("deadline", 0)),
                "public_progress": meta.get("public") == "1",
                "manifest": json.loads(meta["manifest"]) if "manifest" in meta else None,
                "manifest_sha256": meta.get("manifest_sha256")}

    async def progress(self, room_id: str) -> dict[str, Any]:
        """How far the drive is from its threshold, from each owner's last act."""
        meta = await self.store.meta(room_id)
        if "threshold" not in meta:
            raise ConsentError("drive_not_ready", "set the drive's threshold first")
        owners = await self._owners(room_id, meta)
        choices = await self.store.choices(room_id)
        consenting = [oid for oid, choice in choices.items()
                      if choice == "consent" and oid in owners]
        made: Progress = progress(Threshold.from_dict(json.loads(meta["threshold"])),
                                  owners.values(), consenting)
        return made.public() | {"missing": {"ko": made.missing_text("ko"),
                                            "en": made.missing_text("en")},
                                "acts": len(choices), "consenting": len(consenting),
                                "withdrawn": sum(1 for c in choices.values() if c == "withdraw"),
                                "unstamped": int(meta.get("unstamped", 0)) if self.stamp else 0}

    async def _owners(self, room_id: str, meta: dict[str, str]) -> dict[str, Owner]:
        """The owners, read once per worker after the drive opened (the roster is
        frozen then): a dashboard polling a 5,000-owner drive reads only choices."""
        kept = self._kept.get(room_id)
        version = meta.get("roster_version", "")
        if kept is not None and kept[0] == version and meta.get("state") == "open":
            return kept[1]
        owners = {oid: owner_from(oid, o) for oid, o in (await self.store.owners(room_id)).items()}
        if meta.get("state") == "open":
            if len(self._kept) > 100:
                self._kept.clear()
            self._kept[room_id] = (version, owners)
        return owners

    # the owner -----------------------------------------------------------------

    async def first(self, key: str, ttl_s: int) -> bool:
        """An identity provider's state is used once, whichever worker sees it."""
        return await self.store.first(hashlib.sha256(key.encode()).hexdigest(), ttl_s)

    def who(self, room_id: str, owner_id: str) -> str:
        """An owner in the published record: a per-drive pseudonym."""
        return pseudonym(self.secret, room_id, f"o:{owner_id}")

    def invite(self, room_id: str, owner_no: str) -> str:
        return tokens.sign(self.secret, "consent-invite", f"{room_id}:{owner_no}")

    async def from_invite(self, token: object) -> tuple[str, str, dict[str, Any]]:
        value = tokens.unsign(self.secret, "consent-invite", token)
        if value is None:
            raise ConsentError("invite_invalid", "this consent link is not valid", 403)
        room_id, _, owner_no = value.partition(":")
        row = await self.store.row(room_id, owner_no)
        if row is None:
            raise ConsentError("invite_invalid", "this consent link is no longer valid; ask "
                                                 "the organisers", 403)
        return room_id, owner_no, row

    def session(self, room_id: str, owner_no: str, method: str, reference: str,
                now_ms: int) -> str:
        """Proof of a fresh identity check, kept by the owner's page."""
        return tokens.sign(self.secret, "consent-session",
                           f"{room_id}:{owner_no}:{now_ms + SESSION_MS}:{method}:{reference}")

    async def from_session(self, token: object) -> tuple[str, str, dict[str, str]]:
        value = tokens.unsign(self.secret, "consent-session", token)
        if value is None:
            raise ConsentError("identity_needed", "verify your identity first", 401)
        room_id, owner_no, expires, method, reference = value.split(":", 4)
        if int(expires) < await self.store.now_ms():
            raise ConsentError("identity_needed", "your identity check expired; verify again",
                               401)
        return room_id, owner_no, {"method": method, "reference": reference}

    async def act(self, token: object, body: dict[str, Any]) -> dict[str, Any]:
        """Sign the owner's consent or withdrawal over the form they read."""
        room_id, owner_no, verification = await self.from_session(token)
        choice = payloads.choice(body, "choice", CHOICES, "consent")
        read = payloads.text(body, "form_sha256", limit=64)
        row = await self.store.row(room_id, owner_no)
        meta = await self.store.meta(room_id)
        if row is None or meta.get("state") != "open":
            raise ConsentError("drive_not_open", "this drive is not taking consents", 409)
        if read != meta["form_sha256"]:
            raise ConsentError("form_changed", "the form changed since you opened it; read it "
                                               "again")
        owner_id = row["owner"]
        await self._representative(room_id, owner_id, row)
        last = await self.store.last_act(room_id, owner_id)
        if choice == "withdraw" and (last is None or last["record"]["choice"] != "consent"):
            raise ConsentError("nothing_to_withdraw", "you have no consent standing to withdraw")
        now = await self.store.now_ms()
        record = {"v": 1, "drive": room_id, "manifest_sha256": meta["manifest_sha256"],
                  "form_sha256": meta["form_sha256"],
                  "attachments": [a["sha256"] for a in json.loads(meta["form"])["attachments"]],
                  "owner": self.who(room_id, owner_id), "choice": choice, "ts": now,
                  "verification": verification, "nonce": secrets.token_hex(8)}
        signed = canonical(record)
        act: dict[str, Any] = {"record": record, "sha256": sha256_hex(signed),
                               "signature": self.sign(signed)}
        if self.stamp:
            try:
                act["timestamp"] = await self.stamp(hashlib.sha256(signed).digest())
            except LiveVoteError as failed:
                act["timestamp_error"] = failed.code  # kept; stamped again later
        refused = await self.store.act(room_id, owner_id, act, read, {
            "type": choice, "owner": record["owner"], "sha256": act["sha256"]}, now)
        if refused:
            raise ConsentError(refused, {"drive_not_open": "this drive is not taking consents",
                                         "drive_closed": "the drive's deadline has passed",
                                         "form_changed": "the form changed; read it again"}
                               [refused])
        return act

    async def _representative(self, room_id: str, owner_id: str, row: dict[str, Any]) -> None:
        """Co-owners act through their representative: the owner's first row's person."""
        rep = await self.store.row(room_id, owner_id)
        if rep is not None and (rep["name_hash"], rep["phone_hash"]) != (
                row["name_hash"], row["phone_hash"]):
            raise ConsentError("not_representative", f"{rep['name_masked']} signs for this "
                                                     "parcel as its representative", 403)

    async def mine(self, room_id: str, owner_no: str) -> dict[str, Any] | None:
        row = await self.store.row(room_id, owner_no)
        return None if row is None else await self.store.last_act(room_id, row["owner"])
