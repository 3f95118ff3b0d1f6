"""Check a LiveVote result bundle without trusting the server that made it.

Standard library only, plus `cryptography` for the Ed25519 signature. It
recomputes every hash, every chain link, the ballot trackers, the totals and
the outcome from the published ballots, and compares heads that outside
witnesses saved earlier. Every problem names what is wrong and where.

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
        links = bundle.get(name, [])
        _need(isinstance(links, list), f"bundle.{name}", "is not a list")
        for i, link in enumerate(links):
            _need(isinstance(link, dict) and isinstance(link.get("entry"), dict)
                  and isinstance(link.get("hash"), str), f"bundle.{name}[{i}]",
                  "is not a chain link {entry, hash, payload}")
            _json_object(link.get("payload"), f"bundle.{name}[{i}].payload")
    for i, ballot in enumerate(bundle["ballots"]):
        _need(isinstance(ballot, dict) and isinstance(ballot.get("tracker"), str)
              and isinstance(ballot.get("nonce"), str), f"bundle.ballots[{i}]",
              "is not a ballot {tracker, choices, nonce, voter}")
        choices = ballot.get("choices")
        _need(isinstance(choices, list) and all(type(c) is int for c in choices),
              f"bundle.ballots[{i}].choices", "is not a list of option numbers")


def verify(doc: dict[str, Any], key: str | None = None,
           witnesses: list[tuple[int, str]] | None = None) -> list[str]:
    """All problems found; an empty list means the bundle checks out. A file that
    is not a readable bundle raises Malformed."""
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


def check_signature(doc: dict[str, Any], bundle: dict[str, Any], key: str | None,
                    problems: list[str]) -> None:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if key is not None and doc.get("public_key") != key:
        problems.append(f"signature: signed with key {doc.get('public_key')!r}, "
                        f"not the published key {key!r}")
    try:
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(doc["public_key"]))
        public.verify(base64.b64decode(doc["signature"]), canonical(bundle))
    except (InvalidSignature, ValueError, KeyError, TypeError):
        problems.append("signature: the Ed25519 signature does not match the bundle")


def check_chain(chain: list[dict[str, Any]], problems: list[str],
                name: str = "chain") -> list[dict[str, Any]]:
    """Link by link: height, parent, own hash, payload hash. Returns the payloads."""
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
    if name != "chain":
        return events
    if not events or events[-1].get("type") != "result":
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
    opened = last_index(events, "open")
    if opened < 0:
        problems.append("chain: no 'open' event; the ballot was never opened in this chain")
    elif events[opened].get("manifest") != digest:
        problems.append(f"manifest: does not match the manifest published when voting opened "
                        f"(chain[{opened}])")


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
    counts = [0] * len(manifest["options"])
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


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="live verify", description=__doc__.splitlines()[0])
    p.add_argument("bundle", help="the signed result bundle (JSON file)")
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
    b = doc["bundle"]
    print(f"OK {b['record'].get('question')!r}: counts {b['record']['counts']}, "
          f"{len(b['ballots'])} ballots, chain of {len(b['chain'])} entries")
    if args.key:
        print(f"   signed by the published key {args.key}")
    else:
        print(f"   signed by {doc.get('public_key')!r}; authenticity NOT checked: pass --key "
              "with the server's published key (GET /api/keys) to check who signed it")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
