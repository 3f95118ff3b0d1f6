"""Check a LiveVote result bundle, or a consent drive's bundle, without
trusting the server that made it.

Standard library only, plus `cryptography` for the Ed25519 signatures. For a
ballot it recomputes every hash, every chain link, the ballot trackers, the
totals and the outcome from the published ballots; for a consent drive every
act's hash and signature, the roster's commitment, that each standing act is
its owner's last in the chain, and the threshold from the owners and acts, in
integers. Both compare heads that outside witnesses saved earlier. Every
problem names what is wrong and where.

    python -m live.verify bundle.json [--key BASE64] [--witness HEIGHT:HASH ...]

Exit status: 0 the bundle checks out, 1 findings (each printed as FAIL ...),
2 the file is not a readable bundle (one UNREADABLE line says why).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
from typing import Any

GENESIS = "0" * 64
EXIT_OK, EXIT_FINDINGS, EXIT_UNREADABLE = 0, 1, 2


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Malformed(ValueError):
    """The file is not a result bundle this verifier can read at all."""


def _need(ok: bool, where: str, what: str) -> None:
    if not ok:
        raise Malformed(f"{where} {what}")


def _json_object(text: object, where: str) -> dict[str, Any]:
    _need(isinstance(text, str), where, "is not text")
    try:
        value = json.loads(str(text))
    except ValueError:
        raise Malformed(f"{where} is not JSON") from None
    _need(isinstance(value, dict), where, "is not a JSON object")
    return value  # type: ignore[no-any-return]


def check_shape(doc: object) -> None:
    """Every field the checks read, of the type they read it as; Malformed names
    the first that is not."""
    _need(isinstance(doc, dict) and isinstance(doc.get("bundle"), dict), "the file",
          "is not a LiveVote result bundle (no 'bundle' object)")
    assert isinstance(doc, dict)
    bundle = doc["bundle"]
    for name, kind in (("manifest", str), ("manifest_sha256", str), ("record", dict),
                       ("record_sha256", str), ("ballots", list), ("chain", list)):
        _need(isinstance(bundle.get(name), kind), f"bundle.{name}",
              f"is missing or not a {kind.__name__}")
    manifest = _json_object(bundle["manifest"], "bundle.manifest")
    _need(isinstance(manifest.get("options"), list) and isinstance(
        manifest.get("max_choices"), int), "bundle.manifest", "has no options or max_choices")
    _need(isinstance(bundle["record"].get("counts"), list), "bundle.record", "has no counts")
    for name in ("chain", "room_chain"):
        check_links(bundle, name)
    for i, ballot in enumerate(bundle["ballots"]):
        _need(isinstance(ballot, dict) and isinstance(ballot.get("tracker"), str)
              and isinstance(ballot.get("nonce"), str), f"bundle.ballots[{i}]",
              "is not a ballot {tracker, choices, nonce, voter}")
        choices = ballot.get("choices")
        _need(isinstance(choices, list) and all(type(c) is int for c in choices),
              f"bundle.ballots[{i}].choices", "is not a list of option numbers")


def check_links(bundle: dict[str, Any], name: str) -> None:
    links = bundle.get(name, [])
    _need(isinstance(links, list), f"bundle.{name}", "is not a list")
    for i, link in enumerate(links):
        _need(isinstance(link, dict) and isinstance(link.get("entry"), dict)
              and isinstance(link.get("hash"), str), f"bundle.{name}[{i}]",
              "is not a chain link {entry, hash, payload}")
        _json_object(link.get("payload"), f"bundle.{name}[{i}].payload")


def verify(doc: dict[str, Any], key: str | None = None,
           witnesses: list[tuple[int, str]] | None = None) -> list[str]:
    """All problems found; an empty list means the bundle checks out. A file that
    is not a readable bundle raises Malformed."""
    if is_drive(doc):
        return verify_drive(doc, key, witnesses)
    check_shape(doc)
    problems: list[str] = []
    bundle = doc["bundle"]
    check_signature(doc, bundle, key, problems)
    events = check_chain(bundle["chain"], problems)
    check_chain(bundle.get("room_chain", []), problems, "room_chain")
    check_manifest(bundle, events, problems)
    check_record(bundle, events, problems)
    check_ballots(bundle, events, problems)
    check_roster(bundle, events, problems)
    check_counts(bundle, problems)
    for height, head in witnesses or []:
        check_witness(bundle["chain"], height, head, problems)
    return problems


def ed25519_valid(public_key: object, signature: object, data: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if not isinstance(public_key, str) or not isinstance(signature, str):
        return False
    try:
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key))
        public.verify(base64.b64decode(signature), data)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def check_signature(doc: dict[str, Any], bundle: dict[str, Any], key: str | None,
                    problems: list[str]) -> None:
    if key is not None and doc.get("public_key") != key:
        problems.append(f"signature: signed with key {doc.get('public_key')!r}, "
                        f"not the published key {key!r}")
    if not ed25519_valid(doc.get("public_key"), doc.get("signature"), canonical(bundle)):
        problems.append("signature: the Ed25519 signature does not match the bundle")


def check_chain(chain: list[dict[str, Any]], problems: list[str], name: str = "chain",
                last: str | None = "result") -> list[dict[str, Any]]:
    """Link by link: height, parent, own hash, payload hash; a ballot's chain
    ends with its result (`last`). Returns the payloads."""
    events = []
    parent = GENESIS
    for i, link in enumerate(chain):
        entry, payload = link["entry"], link["payload"]
        where = f"{name}[{i}] ({entry.get('type')})"
        if entry.get("height") != i:
            problems.append(f"{where}: height is {entry.get('height')}, expected {i}")
        if entry.get("parent") != parent:
            problems.append(f"{where}: parent does not match the hash of {name}[{i - 1}]; "
                            "entries were reordered, removed or inserted")
        if sha256(canonical(entry)) != link["hash"]:
            problems.append(f"{where}: hash does not match its entry")
        if sha256(payload.encode()) != entry.get("payload_hash"):
            problems.append(f"{where}: payload does not match its payload_hash")
        event = json.loads(payload)
        if event.get("type") != entry.get("type") or event.get("ts") != entry.get("ts"):
            problems.append(f"{where}: entry type or time differs from its payload")
        events.append(event)
        parent = link["hash"]
    if name != "chain" or last is None:
        return events
    if not events or events[-1].get("type") != last:
        last = events[-1].get("type") if events else "nothing"
        problems.append(f"chain: ends at height {len(events) - 1} with {last!r}, not with the "
                        "result; the chain is truncated")
    return events


def last_index(events: list[dict[str, Any]], kind: str) -> int:
    return max((i for i, e in enumerate(events) if e.get("type") == kind), default=-1)


def check_manifest(bundle: dict[str, Any], events: list[dict[str, Any]],
                   problems: list[str]) -> None:
    digest = sha256(bundle["manifest"].encode())
    if digest != bundle["manifest_sha256"] or digest != bundle["record"].get("manifest_sha256"):
        problems.append("manifest: its SHA-256 does not match manifest_sha256 in the bundle "
                        "and the sealed record; the manifest was swapped")
    check_published(events, ("open", "manifest"), digest, ("ballot", "voting"), problems)


def check_published(events: list[dict[str, Any]], event: tuple[str, str], digest: str,
                    what: tuple[str, str], problems: list[str]) -> None:
    """The manifest is the one the last opening event (type, field) published."""
    kind, field = event
    opened = last_index(events, kind)
    if opened < 0:
        problems.append(f"chain: no '{kind}' event; the {what[0]} was never opened in this "
                        "chain")
    elif events[opened].get(field) != digest:
        problems.append(f"manifest: does not match the manifest published when {what[1]} "
                        f"opened (chain[{opened}])")


def check_record(bundle: dict[str, Any], events: list[dict[str, Any]],
                 problems: list[str]) -> None:
    record = bundle["record"]
    digest = sha256(canonical(record))
    if digest != bundle["record_sha256"]:
        problems.append("record: its SHA-256 does not match record_sha256")
    results = [i for i, e in enumerate(events) if e.get("type") == "result"]
    if results and events[results[-1]].get("sha256") != digest:
        problems.append(f"record: differs from the result logged in chain[{results[-1]}]")
    at_close = record.get("chain_at_close", {})
    height = at_close.get("height", -1)
    chain = bundle["chain"]
    if not 0 <= height < len(chain) or chain[height]["hash"] != at_close.get("hash") \
            or events[height].get("type") != "close":
        problems.append(f"record: chain_at_close (height {height}) is not the close entry "
                        "of this chain")


def standing(events: list[dict[str, Any]], problems: list[str]) -> tuple[
        dict[str, tuple[int, str]], int]:
    """Replay the chain: the last ballot of each named voter, and how many secret
    ballots stand (cast after the last opening, not replacing one, not
    withdrawn). Secret cast and withdrawal events name no tracker: the chain
    says that a secret ballot was cast or withdrawn, and when, never which."""
    opened, closed = last_index(events, "open"), last_index(events, "close")
    named: dict[str, tuple[int, str]] = {}
    secret = 0
    for i, event in enumerate(events):
        kind = event.get("type")
        if kind not in ("cast", "withdraw") or i < opened:
            continue  # casts before the last opening were discarded by a reset
        if 0 <= closed < i:
            problems.append(f"chain[{i}]: a ballot {kind} after the ballot closed")
            continue
        voter = event.get("voter")
        if event.get("secret") or not voter:  # (bundles before 2026-12 name no "secret")
            replaced = event.get("replaced") or event.get("replaces")
            secret += -1 if kind == "withdraw" else 0 if replaced else 1
        elif kind == "withdraw":
            named.pop(voter, None)
        else:
            named[voter] = (i, event["tracker"])
    return named, secret


def check_ballots(bundle: dict[str, Any], events: list[dict[str, Any]],
                  problems: list[str]) -> None:
    """One counted ballot per voter, each the voter's last one in the chain; as
    many secret ballots as stand in the chain."""
    named, secret = standing(events, problems)
    manifest = json.loads(bundle["manifest"])
    seen: set[str] = set()
    published_secret = 0
    for n, ballot in enumerate(bundle["ballots"]):
        where = f"ballots[{n}] (tracker {ballot['tracker'][:12]}…)"
        mine = {"ballot": manifest["ballot"], "choices": sorted(ballot["choices"]),
                "nonce": ballot["nonce"]}
        if sha256(canonical(mine)) != ballot["tracker"]:
            problems.append(f"{where}: tracker does not match its choices and nonce")
        voter = ballot["voter"]
        if voter is None:
            published_secret += 1
            continue
        if voter in seen:
            problems.append(f"{where}: voter {voter} has more than one counted ballot")
        seen.add(voter)
        cast = named.get(voter)
        if cast is None:
            problems.append(f"{where}: no such ballot was cast in the chain")
        elif cast[1] != ballot["tracker"]:
            problems.append(f"{where}: not the voter's last ballot (chain[{cast[0]}] is)")
    if published_secret != secret:
        problems.append(f"ballots: {published_secret} secret ballots are published, but "
                        f"{secret} stand in the chain")
    trackers = [b["tracker"] for b in bundle["ballots"]]
    if trackers != sorted(trackers) or len(set(trackers)) != len(trackers):
        problems.append("ballots: not in tracker order, or a tracker appears twice")
    missing = [(i, t) for v, (i, t) in named.items() if v not in seen]
    for i, tracker in sorted(missing):
        problems.append(f"chain[{i}]: tracker {tracker[:12]}… was cast but is missing "
                        "from the published ballots; a ballot was dropped")


def check_roster(bundle: dict[str, Any], events: list[dict[str, Any]],
                 problems: list[str]) -> None:
    """An agenda item's manifest commits to its roster (each member's pseudonym
    for the item): every withdrawal, and every named ballot, must name one of
    them. A withdrawal by anyone else (another room's member, say) is a finding."""
    manifest = json.loads(bundle["manifest"])
    if "roster" not in manifest:
        return
    roster = set(manifest["roster"])
    for i, event in enumerate(events):
        kind = event.get("type")
        if kind == "withdraw" and event.get("member") not in roster:
            problems.append(f"chain[{i}]: a withdrawal by {event.get('member')!r}, who is not "
                            "on the roster committed in the manifest")
        elif kind == "cast" and event.get("voter") and event["voter"] not in roster:
            problems.append(f"chain[{i}]: a ballot by {event['voter']!r}, who is not on the "
                            "roster committed in the manifest")


def check_counts(bundle: dict[str, Any], problems: list[str]) -> None:
    manifest, record = json.loads(bundle["manifest"]), bundle["record"]
    if manifest.get("kind") in ("text", "qa"):
        return  # open answers, Q&A questions: no choices to recount
    n = len(manifest["options"])
    # A ranking counts each (option, place) cell: option * n + place.
    counts = [0] * (n * n if manifest.get("kind") == "ranking" else n)
    for n, ballot in enumerate(bundle["ballots"]):
        choices = ballot["choices"]
        if not 1 <= len(choices) <= manifest["max_choices"] or len(set(choices)) != len(choices) \
                or any(not 0 <= c < len(counts) for c in choices):
            problems.append(f"ballots[{n}]: choices {choices} are not valid for this ballot")
            continue
        for c in choices:
            counts[c] += 1
    if record["counts"] != counts:
        problems.append(f"record: counts are {record['counts']} but the published ballots "
                        f"add up to {counts}")
    if record["voters"] != len(bundle["ballots"]):
        problems.append(f"record: {record['voters']} voters, but {len(bundle['ballots'])} "
                        "ballots are published")
    if "meeting" in record:
        check_meeting(record["meeting"], counts, problems)
        return
    top = max(counts) if counts and max(counts) > 0 else None
    winners = [i for i, c in enumerate(counts) if top is not None and c == top]
    expected = {"rule": "plurality", "winners": winners, "tie": len(winners) > 1}
    if bundle["outcome"] != expected:
        problems.append(f"outcome: says {bundle['outcome']}, the recount gives {expected}")


def check_meeting(m: dict[str, Any], counts: list[int], problems: list[str]) -> None:
    """A general meeting item: the legal rule re-applied to the frozen inputs."""
    n, d, di, a, rule = m["n"], m["d"], m["d_in_person"], m["a"], m["rule"]
    if m["votes"] != counts:
        problems.append(f"meeting: votes {m['votes']} differ from the recount {counts}")
    if not di <= d <= a <= n:
        problems.append(f"meeting: attendance figures are impossible (Di={di}, D={d}, A={a}, "
                        f"N={n})")
    quorum = 2 * a > n and 100 * d >= rule["direct_min_pct"] * n and \
        (not rule["contractor"] or 2 * di > n)

    def passes(yes: int) -> bool:
        if rule["pass_rule"] == "all":
            return bool(2 * yes > n)
        if rule["pass_rule"] == "two_thirds_all":
            return bool(3 * yes >= 2 * n)
        return bool(2 * yes > a)
    elected: list[int] = []
    tied: list[int] = []
    if not quorum:
        outcome = "QUORUM_NOT_MET"
    elif m["seats"]:
        elected, tied = elect(counts, m["seats"], passes)
        outcome = "TIE" if tied else "PASSED" if elected else "FAILED"
    else:
        outcome = "PASSED" if passes(counts[0]) else "FAILED"
    if m["outcome"] != outcome:
        problems.append(f"meeting: outcome says {m['outcome']}, the rule gives {outcome}")
    if m.get("elected", []) != elected or m.get("tied", []) != tied:
        problems.append(f"meeting: elected {m.get('elected')} and tied {m.get('tied')}, the "
                        f"rule gives elected {elected} and tied {tied}")


def elect(counts: list[int], seats: int, qualifies: Any) -> tuple[list[int], list[int]]:
    """(elected, tied): most votes win, each only past the rule's threshold; more
    candidates tied for the last seats than seats left are all tied, none elected."""
    elected: list[int] = []
    for level in sorted({v for v in counts if qualifies(v)}, reverse=True):
        group = [i for i, v in enumerate(counts) if v == level]
        if len(elected) >= seats:
            break
        if len(group) > seats - len(elected):
            return elected, group
        elected += group
    return elected, []


def check_witness(chain: list[dict[str, Any]], height: int, head: str,
                  problems: list[str]) -> None:
    if height >= len(chain):
        problems.append(f"witness: saved height {height}, but the chain has only "
                        f"{len(chain)} entries")
    elif chain[height]["hash"] != head:
        problems.append(f"witness: at height {height} the chain has "
                        f"{chain[height]['hash'][:16]}…, the witness saved {head[:16]}…; "
                        "this chain forks from the witnessed history")


# consent drives ----------------------------------------------------------------

ACTS = ("consent", "withdraw")
CRITERIA = ("owners", "area", "per_building")


def is_drive(doc: object) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get("bundle"), dict) \
        and doc["bundle"].get("kind") == "drive"


def _fields(value: Any, where: str, fields: tuple[tuple[str, type], ...]) -> None:
    _need(isinstance(value, dict), where, "is not an object")
    for name, kind in fields:
        ok = isinstance(value.get(name), kind) and not (
            kind is int and isinstance(value.get(name), bool))
        _need(ok, f"{where}.{name}", f"is missing or not a {kind.__name__}")


def check_drive_shape(bundle: dict[str, Any]) -> None:
    """Every field the drive checks read, of the type they read it as."""
    _fields(bundle, "bundle", (("manifest", dict), ("manifest_sha256", str), ("owners", list),
                               ("acts", list), ("chain", list), ("progress", dict)))
    _fields(bundle["manifest"], "bundle.manifest", (
        ("drive", str), ("form_sha256", str), ("roster_sha256", str), ("threshold", dict),
        ("attachments", list), ("deadline", int), ("opened_at", int), ("owners", int),
        ("area_units", int)))
    threshold = bundle["manifest"]["threshold"]
    for key in CRITERIA:
        share = threshold.get(key)
        _need(share is None or (isinstance(share, list) and len(share) == 2 and all(
            type(n) is int and n > 0 for n in share)), f"bundle.manifest.threshold.{key}",
            "is not [numerator, denominator] or null")
    _need(type(threshold.get("building_exempt_max", 5)) is int,
          "bundle.manifest.threshold.building_exempt_max", "is not a whole number")
    for i, owner in enumerate(bundle["owners"]):
        _fields(owner, f"bundle.owners[{i}]", (("owner", str), ("area_units", int),
                                               ("buildings", list)))
        _need(all(isinstance(b, str) for b in owner["buildings"]),
              f"bundle.owners[{i}].buildings", "is not a list of names")
    _need(isinstance(bundle.get("history", []), list), "bundle.history", "is not a list")
    for name in ("acts", "history"):
        for i, act in enumerate(bundle.get(name, [])):
            _fields(act, f"bundle.{name}[{i}]", (("record", dict), ("sha256", str),
                                                 ("signature", dict)))
            _fields(act["record"], f"bundle.{name}[{i}].record", (
                ("owner", str), ("choice", str), ("ts", int)))
            if act.get("timestamp") is not None:
                _fields(act["timestamp"], f"bundle.{name}[{i}].timestamp", (("token", str),))
    check_links(bundle, "chain")
    _fields(bundle["progress"], "bundle.progress", (("criteria", list), ("buildings", list)))
    for name in ("criteria", "buildings"):
        for i, row in enumerate(bundle["progress"][name]):
            _need(isinstance(row, dict), f"bundle.progress.{name}[{i}]", "is not an object")


def verify_drive(doc: dict[str, Any], key: str | None,
                 witnesses: list[tuple[int, str]] | None) -> list[str]:
    bundle = doc["bundle"]
    check_drive_shape(bundle)
    problems: list[str] = []
    check_signature(doc, bundle, key, problems)
    events = check_chain(bundle["chain"], problems, last=None)
    check_drive_manifest(bundle, events, problems)
    roster = check_commitment(bundle, problems)
    for name in ("acts", "history"):
        for i, act in enumerate(bundle.get(name, [])):
            check_act(bundle, act, f"{name}[{i}]", doc.get("public_key"), problems)
    logged = [(i, e) for i, e in enumerate(events) if e.get("type") in ACTS]
    check_standing(bundle, logged, roster, problems)
    if "history" in bundle:
        check_history(bundle["history"], logged, problems)
    check_progress(bundle, roster, problems)
    for height, head in witnesses or []:
        check_witness(bundle["chain"], height, head, problems)
    return problems


def check_drive_manifest(bundle: dict[str, Any], events: list[dict[str, Any]],
                         problems: list[str]) -> None:
    digest = sha256(canonical(bundle["manifest"]))
    if digest != bundle["manifest_sha256"]:
        problems.append("manifest: its SHA-256 does not match manifest_sha256; the manifest "
                        "was changed")
    check_published(events, ("drive_open", "manifest_sha256"), digest, ("drive", "the drive"),
                    problems)


def check_commitment(bundle: dict[str, Any], problems: list[str]) -> dict[str, dict[str, Any]]:
    """The owners must be the roster the manifest committed to; returns them by
    pseudonym."""
    owners, manifest = bundle["owners"], bundle["manifest"]
    lines = sorted(f"{o['owner']}\t{o['area_units']}\t{','.join(o['buildings'])}"
                   for o in owners)
    if sha256("\n".join(lines).encode()) != manifest["roster_sha256"]:
        problems.append("owners: the roster (each owner's pseudonym, area and buildings) does "
                        "not hash to the manifest's roster_sha256; an owner's area or buildings "
                        "were changed, or an owner added or removed")
    area = sum(o["area_units"] for o in owners)
    if (len(owners), area) != (manifest["owners"], manifest["area_units"]):
        problems.append(f"owners: {len(owners)} owners with {m2(area)} of land, the manifest "
                        f"says {manifest['owners']} with {m2(manifest['area_units'])}")
    roster: dict[str, dict[str, Any]] = {}
    for owner in owners:
        if owner["owner"] in roster:
            problems.append(f"owners: {owner['owner']} is listed twice")
        roster[owner["owner"]] = owner
    return roster


def m2(units: int) -> str:
    """Land area in whole units of 1/10000 m², as the land register writes it."""
    return f"{units // 10_000:,}.{units % 10_000:04d} m²"


def check_act(bundle: dict[str, Any], act: dict[str, Any], where: str, signer: object,
              problems: list[str]) -> None:
    """The act's hash and signature, and that it was signed for this drive, its
    manifest and its form, while the drive was open."""
    record, manifest = act["record"], bundle["manifest"]
    where = f"{where} (owner {record['owner'][:12]}…, {record['choice']})"
    signed = canonical(record)
    if sha256(signed) != act["sha256"]:
        problems.append(f"{where}: sha256 does not match its record; the record was changed")
    signature = act["signature"]
    if not ed25519_valid(signature.get("public_key"), signature.get("signature"), signed):
        problems.append(f"{where}: the Ed25519 signature does not match the record")
    elif signature.get("public_key") != signer:
        problems.append(f"{where}: signed by key {signature.get('public_key')!r}, not by the "
                        "key that signed the bundle")
    expected = {"drive": manifest["drive"], "manifest_sha256": bundle["manifest_sha256"],
                "form_sha256": manifest["form_sha256"],
                "attachments": [a.get("sha256") for a in manifest["attachments"]
                                if isinstance(a, dict)]}
    for name, value in expected.items():
        if record.get(name) != value:
            problems.append(f"{where}: its {name} {record.get(name)!r} is not this drive's "
                            f"{value!r}")
    if record["choice"] not in ACTS:
        problems.append(f"{where}: the choice is neither consent nor withdraw")
    if not manifest["opened_at"] <= record["ts"] <= manifest["deadline"]:
        problems.append(f"{where}: signed at {record['ts']} ms, outside the drive (opened at "
                        f"{manifest['opened_at']}, deadline {manifest['deadline']})")
    stamp = act.get("timestamp")
    if stamp is not None and not _carries(stamp["token"], hashlib.sha256(signed).digest()):
        problems.append(f"{where}: its time stamp token is not for this act's digest")


def _carries(token: str, digest: bytes) -> bool:
    """Whether an RFC 3161 token names `digest` (its message imprint); the
    authority's own signature is for live/tsa.py to check, with the TSA's CA."""
    try:
        return digest in base64.b64decode(token, validate=True)
    except ValueError:
        return False


def check_standing(bundle: dict[str, Any], logged: list[tuple[int, dict[str, Any]]],
                   roster: dict[str, Any], problems: list[str]) -> None:
    """Each owner's act in `acts` is their last one in the chain, and every owner
    who acted in the chain has one there."""
    last: dict[str, tuple[int, dict[str, Any]]] = {}
    for i, event in logged:
        if event.get("owner") not in roster:
            problems.append(f"chain[{i}]: a {event.get('type')} by {event.get('owner')!r}, who "
                            "is not on the roster committed in the manifest")
        last[str(event.get("owner"))] = (i, event)
    listed: set[str] = set()
    for n, act in enumerate(bundle["acts"]):
        owner, choice = act["record"]["owner"], act["record"]["choice"]
        where = f"acts[{n}] (owner {owner[:12]}…, {choice})"
        if owner in listed:
            problems.append(f"{where}: the owner has more than one standing act")
        listed.add(owner)
        standing = last.get(owner)
        ever = [i for i, e in logged if e.get("sha256") == act["sha256"]]
        if not ever:
            problems.append(f"{where}: its sha256 is in no chain entry; the act was never "
                            "logged")
        elif standing is None or standing[1].get("sha256") != act["sha256"]:
            later = f"chain[{standing[0]}] is" if standing else "the chain names another owner"
            problems.append(f"{where}: not the owner's last act ({later})")
        elif standing[1].get("type") != choice:
            problems.append(f"{where}: the chain logs a {standing[1].get('type')} "
                            f"(chain[{standing[0]}]), the act says {choice}")
    for owner, (i, event) in sorted(last.items(), key=lambda item: item[1][0]):
        if owner not in listed:
            problems.append(f"chain[{i}]: the {event.get('type')} of owner {owner[:12]}… "
                            f"(sha256 {str(event.get('sha256'))[:12]}…) is missing from the "
                            "acts; an act was removed")


def check_history(history: list[dict[str, Any]], logged: list[tuple[int, dict[str, Any]]],
                  problems: list[str]) -> None:
    """Every act ever signed, in the order the chain logs them."""
    for k in range(max(len(history), len(logged))):
        if k >= len(history):
            problems.append(f"chain[{logged[k][0]}]: an act the history does not hold")
        elif k >= len(logged):
            problems.append(f"history[{k}]: an act the chain does not log")
        elif history[k]["sha256"] != logged[k][1].get("sha256"):
            problems.append(f"history[{k}]: is not the act logged at chain[{logged[k][0]}]; "
                            "acts were removed, added or reordered")
        else:
            continue
        return  # past the first difference the rest is out of step


def at_least(total: int, share: list[int], strict: bool) -> int:
    """The fewest of `total` that reach the share of it (more than it when strict)."""
    whole, rest = divmod(share[0] * total, share[1])
    return whole + 1 if strict or rest else whole


def percent(have: int, total: int) -> str:
    hundredths = have * 10_000 // total if total else 0
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def recount(bundle: dict[str, Any], roster: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The progress again, from the owners and the standing acts alone."""
    threshold, owners = bundle["manifest"]["threshold"], list(roster.values())
    consenting = {a["record"]["owner"] for a in bundle["acts"]
                  if a["record"]["choice"] == "consent"} & set(roster)
    agreed = [o for o in owners if o["owner"] in consenting]
    counts = {"owners": (len(agreed), len(owners)),
              "area": (sum(o["area_units"] for o in agreed), sum(o["area_units"] for o in owners))}
    buildings = recount_buildings(threshold, owners, consenting)
    criteria = []
    for kind in CRITERIA:
        share, strict = threshold.get(kind), bool(threshold.get(f"{kind}_strict"))
        if share is None:
            continue
        if kind == "per_building":
            counted = [b for b in buildings.values() if not b["exempt"]]
            needed = sum(1 for b in counted if b["needed"])
            have, total = len(counted) - needed, len(counted)
        else:
            have, total = counts[kind]
            needed = max(0, at_least(total, share, strict) - have)
        criteria.append({"kind": kind, "fraction": share, "strict": strict, "have": have,
                         "total": total, "needed": needed, "met": needed == 0,
                         "percent": percent(have, total)})
    return {"owners": len(owners), "met": bool(owners) and all(c["met"] for c in criteria),
            "criteria": criteria, "buildings": buildings}


def recount_buildings(threshold: dict[str, Any], owners: list[dict[str, Any]],
                      consenting: set[str]) -> dict[str, dict[str, Any]]:
    """Per building its owners and consents; an owner counts in each building
    where they own (all amenity buildings are one, as the roster lists them)."""
    share = threshold.get("per_building")
    if share is None:
        return {}
    total: dict[str, int] = {}
    agreed: dict[str, int] = {}
    for owner in owners:
        for name in set(owner["buildings"]):
            total[name] = total.get(name, 0) + 1
            agreed[name] = agreed.get(name, 0) + (owner["owner"] in consenting)
    rows = {}
    for name, n in total.items():
        exempt = n <= threshold.get("building_exempt_max", 5)
        needed = 0 if exempt else max(0, at_least(
            n, share, bool(threshold.get("per_building_strict"))) - agreed[name])
        rows[name] = {"building": name, "owners": n, "consenting": agreed[name],
                      "exempt": exempt, "needed": needed, "met": needed == 0,
                      "percent": percent(agreed[name], n)}
    return rows


def check_progress(bundle: dict[str, Any], roster: dict[str, dict[str, Any]],
                   problems: list[str]) -> None:
    claimed, counted = bundle["progress"], recount(bundle, roster)
    if claimed.get("threshold") != bundle["manifest"]["threshold"]:
        problems.append("progress: counted against another threshold than the manifest's")
    for name in ("met", "owners"):
        if claimed.get(name) != counted[name]:
            problems.append(f"progress: says {name} {claimed.get(name)!r}, the recount from "
                            f"the owners and acts gives {counted[name]!r}")
    said = {c.get("kind"): c for c in claimed["criteria"]}
    for row in counted["criteria"]:
        _compare(f"the {row['kind']} criterion", said.pop(row["kind"], None), row, problems)
    said_buildings = {b.get("building"): b for b in claimed["buildings"]}
    for name, row in counted["buildings"].items():
        _compare(f"building {name}", said_buildings.pop(name, None), row, problems)
    for extra in [*said, *said_buildings]:
        problems.append(f"progress: lists {extra!r}, which the recount does not have")


def _compare(what: str, claimed: dict[str, Any] | None, counted: dict[str, Any],
             problems: list[str]) -> None:
    if claimed is None:
        problems.append(f"progress: {what} is missing (the recount gives {counted})")
        return
    wrong = [f"{k} {claimed.get(k)!r} (the recount gives {v!r})" for k, v in counted.items()
             if claimed.get(k) != v]
    if wrong:
        problems.append(f"progress: {what} says " + ", ".join(wrong))


def summary(b: dict[str, Any]) -> str:
    if b.get("kind") == "drive":
        consents = sum(1 for a in b["acts"] if a["record"]["choice"] == "consent")
        return (f"OK drive {b['manifest'].get('title')!r}: {len(b['owners'])} owners, "
                f"{consents} consents standing, threshold "
                f"{'met' if b['progress'].get('met') else 'not met'}, chain of "
                f"{len(b['chain'])} entries")
    return (f"OK {b['record'].get('question')!r}: counts {b['record']['counts']}, "
            f"{len(b['ballots'])} ballots, chain of {len(b['chain'])} entries")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="live verify", description=__doc__.splitlines()[0])
    p.add_argument("bundle", help="the signed result or drive bundle (JSON file)")
    p.add_argument("--key", help="the server's published Ed25519 public key (base64)")
    p.add_argument("--witness", action="append", default=[], metavar="HEIGHT:HASH",
                   help="a chain head an outside witness saved earlier")
    args = p.parse_args(argv)
    witnesses = []
    for w in args.witness:
        height, _, head = w.partition(":")
        if not (height.isascii() and height.isdigit() and head):
            print(f"UNREADABLE --witness {w!r}: expected HEIGHT:HASH")
            return EXIT_UNREADABLE
        witnesses.append((int(height), head))
    try:
        with open(args.bundle, encoding="utf-8") as f:
            doc = json.load(f)
        problems = verify(doc, args.key, witnesses)
    except OSError as exc:
        print(f"UNREADABLE {args.bundle}: {exc.strerror or exc}")
        return EXIT_UNREADABLE
    except (ValueError, RecursionError) as exc:  # not JSON, or Malformed
        reason = exc if isinstance(exc, Malformed) else "the file is not JSON"
        print(f"UNREADABLE {args.bundle}: {reason}")
        return EXIT_UNREADABLE
    for problem in problems:
        print(f"FAIL {problem}")
    if problems:
        return EXIT_FINDINGS
    print(summary(doc["bundle"]))
    if args.key:
        print(f"   signed by the published key {args.key}")
    else:
        print(f"   signed by {doc.get('public_key')!r}; authenticity NOT checked: pass --key "
              "with the server's published key (GET /api/keys) to check who signed it")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
