"""The check-in desk on meeting day: find a person on the roster by name,
member number or the last digits of their phone, and see who is here now, by
how they attend."""

from __future__ import annotations

from typing import Any

from rooms.errors import BadPayload
from rooms.store import MeetingStore

MODES = ("in_person", "proxy", "online")
FOUND_AT_MOST = 30


def current_mode(record: dict[str, Any] | None) -> str:
    """How a member attends right now ("" if not here): an open stay's mode."""
    stays = (record or {}).get("iv") or []
    if stays and not stays[-1][1]:
        return str(stays[-1][2])
    return ""


def matches(person: dict[str, Any], query: str) -> bool:
    if query.isdigit():
        return person["member_no"].startswith(query) or \
            (len(query) == 4 and person.get("phone_masked", "").endswith(query))
    folded = query.casefold()
    return folded in person["name"].casefold() or folded in person["member_no"].casefold()


async def find(store: MeetingStore, room_id: str, raw: object) -> list[dict[str, Any]]:
    """Roster rows matching the query, each with its member's attendance now,
    registered proxy and representative."""
    if not isinstance(raw, str) or not raw.strip() or len(raw) > 100:
        raise BadPayload("q", "type part of a name, a member number or the phone's last 4 digits")
    query = "".join(raw.split()) if raw.strip().replace(" ", "").isdigit() else raw.strip()
    people = await store.people(room_id)
    found = [p for _, p in sorted(people.items()) if matches(p, query)][:FOUND_AT_MOST]
    attendance = await store.attendance(room_id)
    proxies = await store.proxies(room_id)
    reps = await store.representatives(room_id)
    return [_row(p, attendance.get(p["member"]), proxies.get(p["member"]),
                 reps.get(p["member"], "")) for p in found]


def _row(person: dict[str, Any], record: dict[str, Any] | None, proxy: dict[str, Any] | None,
         rep: str) -> dict[str, Any]:
    return {"member_no": person["member_no"], "name": person["name"],
            "phone": person.get("phone_masked", ""), "holding": person["holding"],
            "member": person["member"], "here": current_mode(record),
            "votes": not rep or rep == person["member_no"], "representative": rep,
            "proxy": proxy}


async def board(store: MeetingStore, room_id: str) -> dict[str, Any]:
    """Who is here now, by mode (each member once, named by its representative),
    with the roster's size and N once frozen."""
    people = await store.people(room_id)
    reps = await store.representatives(room_id)
    proxies = await store.proxies(room_id)
    meta = await store.meta(room_id)
    here: dict[str, list[dict[str, Any]]] = {mode: [] for mode in MODES}
    for member, record in sorted((await store.attendance(room_id)).items()):
        mode = current_mode(record)
        if mode not in here:
            continue
        person = people.get(reps.get(member, ""), {"member_no": member, "name": ""})
        entry: dict[str, Any] = {"member": member, "member_no": person["member_no"],
                                 "name": person["name"], "since": record["iv"][-1][0]}
        if mode == "proxy" and member in proxies:
            entry["proxy_name"] = proxies[member]["name"]
        here[mode].append(entry)
    return {"n": int(meta["n"]) if "n" in meta else None,
            "members": len({p["member"] for p in people.values()}),
            "record_date": meta.get("record_date", ""),
            "here": here, "counts": {mode: len(v) for mode, v in here.items()},
            "proxies": [{"member": m, **p} for m, p in sorted(proxies.items())],
            "live": {k[5:]: int(v) for k, v in meta.items() if k.startswith("live:")},
            "early_closes_at": int(meta.get("early_closes_at", 0)),
            "adjourned_at": int(meta.get("adjourned_at", 0)) or None,
            "written_closes_at": int(meta.get("written_closes_at", 0))}
