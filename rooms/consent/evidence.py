"""The evidence of a consent drive: one consistent snapshot of what the owners
were asked (the manifest published at open), who is on the roster, every act
signed and which one of each owner stands, taken at a height of the room's
hash chain; and the signed bundle made of it, which `live verify` re-checks
offline without trusting the server (docs/consent.md, "Evidence").

The acts come from the drive's history, which the act script appends in the
same step and order as the act's event in the room's log: the first n acts of
the history are the n act events of a chain of any height, so an act stored
after the chain was read never shows up without its chain entry."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from rooms.consent.drive import ConsentError, Drives, owner_from
from rooms.consent.owners import Owner
from rooms.consent.progress import Progress, progress
from rooms.consent.thresholds import Threshold
from rooms.ledger import bundle as ledger_bundle

BUNDLE_VERSION = 1
ACT_EVENTS = ("consent", "withdraw")
ACT_FIELDS = ("record", "sha256", "signature", "timestamp")


@dataclass(frozen=True)
class Snapshot:
    manifest: dict[str, Any]
    manifest_sha256: str
    owners: tuple[Owner, ...]  # by owner id (the representative's owner_no)
    pseudonyms: dict[str, str]  # owner id -> the per-drive pseudonym published for it
    acts: dict[str, dict[str, Any]]  # owner id -> the owner's last act
    history: list[dict[str, Any]] | None  # every act in order; None before it was kept
    progress: Progress

    def standing(self, choice: str = "consent") -> list[tuple[Owner, dict[str, Any]]]:
        """The owners whose last act is `choice`, with that act, by owner id."""
        return [(o, self.acts[o.id]) for o in self.owners
                if o.id in self.acts and self.acts[o.id]["record"]["choice"] == choice]


async def snapshot(drives: Drives, room_id: str, chained: list[str]) -> Snapshot:
    """The drive as of the chain whose event texts are `chained` (in order)."""
    meta = await drives.store.meta(room_id)
    if meta.get("state") != "open" or "manifest" not in meta:
        raise ConsentError("drive_not_open", "the drive has not been opened: its evidence "
                                             "starts with the manifest published at open")
    stored = await drives.store.owners(room_id)
    owners = tuple(owner_from(oid, o) for oid, o in sorted(stored.items(), key=_by_number))
    pseudonyms = {o.id: drives.who(room_id, o.id) for o in owners}
    acts, history = await _acts(drives, room_id, pseudonyms, chained)
    manifest = json.loads(meta["manifest"])
    consenting = [oid for oid, act in acts.items() if act["record"]["choice"] == "consent"]
    made = progress(Threshold.from_dict(manifest["threshold"]), owners, consenting)
    return Snapshot(manifest, meta["manifest_sha256"], owners, pseudonyms, acts, history, made)


async def _acts(drives: Drives, room_id: str, pseudonyms: dict[str, str], chained: list[str]
                ) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]] | None]:
    logged = sum(1 for text in chained if json.loads(text).get("type") in ACT_EVENTS)
    history = await drives.store.history(room_id)
    last = await drives.store.acts(room_id)
    if len(history) < logged:  # a drive whose first acts came before the history was kept
        return last, None
    history = history[:logged]
    owner_of = {p: oid for oid, p in pseudonyms.items()}
    acts: dict[str, dict[str, Any]] = {}
    for act in history:
        oid = owner_of[act["record"]["owner"]]
        kept = last.get(oid)  # the same act, perhaps time-stamped since
        acts[oid] = kept if kept is not None and kept["sha256"] == act["sha256"] else act
    return acts, history


def _by_number(item: tuple[str, Any]) -> tuple[int, str]:
    return len(item[0]), item[0]  # O2 before O10


def public_act(act: dict[str, Any]) -> dict[str, Any]:
    return {k: act[k] for k in ACT_FIELDS if k in act}


def build(snap: Snapshot, chain: list[dict[str, Any]], generated_at: int) -> dict[str, Any]:
    """The bundle: manifest, the roster commitment's owners, the standing acts
    (and every act), the room's chain with its event texts, and the progress."""
    owners = sorted(({"owner": snap.pseudonyms[o.id], "area_units": o.area_units,
                      "buildings": sorted(o.buildings)} for o in snap.owners),
                    key=lambda o: str(o["owner"]))
    doc: dict[str, Any] = {
        "kind": "drive", "version": BUNDLE_VERSION, "manifest": snap.manifest,
        "manifest_sha256": snap.manifest_sha256, "owners": owners,
        "acts": sorted((public_act(a) for a in snap.acts.values()),
                       key=lambda a: str(a["record"]["owner"])),
        "chain": chain, "progress": snap.progress.public(), "generated_at": generated_at}
    if snap.history is not None:
        doc["history"] = [public_act(a) for a in snap.history]
    return doc


def signed(snap: Snapshot, chain: list[dict[str, Any]], generated_at: int,
           sign: ledger_bundle.Signer) -> dict[str, Any]:
    """`{"bundle", "algorithm", "public_key", "signature"}`, as a ballot's."""
    return ledger_bundle.signed(build(snap, chain, generated_at), sign)
