"""What the minutes of a general meeting (의사록) hold: per agenda item the frozen
inputs and outcome (or the live gauge while open), the votes by name on named
items once they are closed, who spoke on it, and who attended the meeting, by
how, and who watched its video when (in all, and per item)."""

from __future__ import annotations

from typing import Any

from rooms.meetings.counting import member_of
from rooms.meetings.meeting import Meetings
from rooms.meetings.speaking import Speaking
from rooms.meetings.watching import Watching, during
from rooms.polls.model import Room

MODES = ("in_person", "proxy", "online")


async def minutes(meetings: Meetings, room: Room) -> dict[str, Any]:
    people = await meetings.store.people(room.id)
    reps = await meetings.store.representatives(room.id)
    names = _names(people, reps)
    rows = []
    spoke = await Speaking(meetings).speakers(room.id)
    watched = await Watching(meetings).sessions(room.id, people)
    meta = await meetings.store.meta(room.id)
    for ballot in await meetings.rooms.store.ballots(room.id):
        if not ballot.rule:
            continue
        sealed = await meetings.rooms.store.result(ballot.id)
        row: dict[str, Any] = {"ballot": ballot.id, "question": ballot.question,
                               "options": list(ballot.options), "state": ballot.state.value,
                               "opened_at": ballot.opened_at, "closed_at": ballot.closed_at,
                               "secret": ballot.secret, "kind": ballot.kind.value,
                               "speakers": spoke.get(ballot.id, []),
                               "watchers": during(watched, int(meta.get(f"live:{ballot.id}", 0)),
                                                  ballot.closed_at)}
        if sealed:
            row |= sealed["record"]["meeting"] | {"sha256": sealed["sha256"]}
            if not ballot.secret:
                row["named_votes"] = await _named_votes(meetings, ballot.id, names)
        else:
            row |= await meetings.gauge(ballot)
        rows.append(row)
    return {"room": room.public(), "meta": meta, "items": rows,
            "attendance": await _attendance(meetings, room.id, names),
            "speakers_between_items": spoke.get("", []),
            "video_sessions": watched}


def _names(people: dict[str, dict[str, Any]], reps: dict[str, str]
           ) -> dict[str, dict[str, str]]:
    """member -> the name and number of the person who answers for it."""
    found: dict[str, dict[str, str]] = {}
    for no, person in sorted(people.items()):
        member = member_of(person)
        if member not in found or reps.get(member) == no:
            found[member] = {"member_no": no, "name": person["name"]}
    return found


async def _named_votes(meetings: Meetings, ballot_id: str,
                       names: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    """On a named item, who voted what and how, in member number order."""
    entries = await meetings.rooms.store.ballots_by_owner(ballot_id)
    votes = []
    for owner, entry in entries.items():
        member = owner[2:] if owner.startswith("m:") else owner
        who = names.get(member, {"member_no": member, "name": ""})
        votes.append({**who, "choices": list(entry.get("c") or []), "mode": entry.get("m")})
    return sorted(votes, key=lambda v: v["member_no"])


async def _attendance(meetings: Meetings, room_id: str,
                      names: dict[str, dict[str, str]]) -> dict[str, list[dict[str, Any]]]:
    """Members present at the meeting (from the first item's start), each once,
    by how: in person over by proxy over online."""
    meta = await meetings.store.meta(room_id)
    began = min((int(v) for k, v in meta.items() if k.startswith("live:")), default=0)
    listed: dict[str, list[dict[str, Any]]] = {mode: [] for mode in MODES}
    if not began:
        return listed
    proxies = await meetings.store.proxies(room_id)
    for member, record in sorted((await meetings.store.attendance(room_id)).items()):
        modes = {mode for since, until, mode, _ in record.get("iv") or []
                 if not until or until >= began}
        how = next((m for m in MODES if m in modes), "")
        if how:
            entry: dict[str, Any] = {**names.get(member, {"member_no": member, "name": ""}),
                                     "member": member}
            if how == "proxy" and member in proxies:
                entry |= {"proxy_name": proxies[member]["name"],
                          "ground": proxies[member]["ground"]}
            listed[how].append(entry)
    return listed
