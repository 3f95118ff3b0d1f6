"""The result bundle: everything an auditor needs, in one signed document."""

from __future__ import annotations

from typing import Any, Callable

from rooms.ledger.chain import sha256_hex
from rooms.polls.result import canonical, record_hash

BUNDLE_VERSION = 1
Signer = Callable[[bytes], dict[str, str]]


def plurality(counts: list[int]) -> dict[str, Any]:
    """Live rooms: the option(s) with the most votes; a tie names every tied option."""
    top = max(counts) if counts and max(counts) > 0 else None
    winners = [i for i, c in enumerate(counts) if top is not None and c == top]
    return {"rule": "plurality", "winners": winners, "tie": len(winners) > 1}


def counted_ballots(entries: list[dict[str, Any]],
                    box: dict[str, tuple[list[int], str]]) -> list[dict[str, Any]]:
    """Published ballots: tracker, choices, nonce and, for named ballots, the
    per-ballot pseudonym; never an identity. Secret ballots come from the box,
    which holds no voter at all."""
    ballots = [{"tracker": e["t"], "choices": sorted(int(c) for c in e["c"]),
                "nonce": e["n"], "voter": e["p"]} for e in entries if "t" in e]
    ballots += [{"tracker": t, "choices": sorted(c), "nonce": n, "voter": None}
                for t, (c, n) in box.items()]
    return sorted(ballots, key=lambda b: b["tracker"])


def build(manifest_text: str, record: dict[str, Any], ballots: list[dict[str, Any]],
          chain: list[dict[str, Any]], events: list[str]) -> dict[str, Any]:
    links = [dict(link, payload=text) for link, text in zip(chain, events)]
    return {
        "kind": "livevote-result-bundle",
        "version": BUNDLE_VERSION,
        "manifest": manifest_text,
        "manifest_sha256": sha256_hex(manifest_text.encode()),
        "record": record,
        "record_sha256": record_hash(record),
        "ballots": ballots,
        "chain": links,
        "outcome": plurality(record["counts"]),
    }


def signed(bundle: dict[str, Any], sign: Signer) -> dict[str, Any]:
    return {"bundle": bundle, **sign(canonical(bundle))}
