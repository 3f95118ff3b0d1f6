"""Where the server's time goes, from a `py-spy record --format raw` file.

    .venv/bin/python loadtests/profile_summary.py /tmp/prof/live-burst-ladder.txt

Prints the share of samples per library (by the innermost frame), and the
functions with the most inclusive and self time.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter

FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^:()]*)(?::\d+)?\)$")
AREAS = ("asyncio", "uvicorn", "websockets", "engineio", "socketio", "redis", "live",
         "rooms", "starlette", "orjson", "json", "hashlib", "hmac", "uvloop")


# What the server was doing, by the first of these frames found from the root.
ACTIVITIES = (
    ("vote:cast handler", ("VoterNamespace.cast",)),
    ("room:join handler", ("VoterNamespace.join",)),
    ("host close: seal, bundle, announce", ("ballot_close",)),
    ("other host HTTP calls", ("Starlette.__call__",)),
    ("tally pump: ledger chain + disk copy", ("Hub.keep_ledger",)),
    ("tally pump: emit tallies", ("TallyPump._emit",)),
    ("tally pump: the rest", ("TallyPump",)),
    ("keepalive pings (uvicorn + Engine.IO)", ("send_keepalive_ping", "_send_ping")),
    # Engine.IO's writer task (stock), or LiveVote's (live/transport.py) and its acks
    # written straight from the reader.
    ("sending frames (writer task, acks)", ("_websocket_handler.<locals>.writer",
                                            "LeanWebSocket._write",
                                            "WebSocket.send (engineio")),
    ("Socket.IO event dispatch", ("AsyncServer._handle_event_internal",
                                  "AsyncServer._handle_eio_message",
                                  "LeanWebSocket._event")),
    ("new connections and frame reading", ("HttpToolsProtocol", "WebSocketsSansIOProtocol",
                                           "AsyncSocket._websocket_handler",
                                           "LeanWebSocket._read")),
    ("vote batches: Redis round trips", ("ScriptBatcher",)),
    ("Redis replies, timers, other callbacks", ("",)),
)


def activities(stacks: list[tuple[list[str], int]]) -> list[str]:
    """Shares of whole stacks per activity; a stack that stops in the event
    loop itself (no Python frame below it) is the loop and the collector."""
    shares: Counter[str] = Counter()
    for frames, count in stacks:
        if not frames[0].startswith("<module>"):
            continue
        if frames[-1].startswith("Runner.run"):
            shares["event loop itself and the cyclic GC"] += count
            continue
        for label, marks in ACTIVITIES:
            if any(m in f for f in frames for m in marks):
                shares[label] += count
                break
    total = sum(shares.values()) or 1
    return [f"  {100 * c / total:5.1f}%  {a}" for a, c in shares.most_common()]


def parse(path: str) -> list[tuple[list[str], int]]:
    stacks = []
    with open(path) as f:
        for line in f:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            if stack and count.isdigit():
                stacks.append((stack.split(";"), int(count)))
    return stacks


def name(frame: str) -> str:
    m = FRAME.match(frame)
    return f"{m['func']} ({m['file']})" if m else frame


def area(frame: str) -> str:
    m = FRAME.match(frame)
    path = m["file"] if m else frame
    top = path.split("/")[0].removesuffix(".py")
    return top if top in AREAS else ("stdlib/other" if "/" not in path else top)


def summarise(stacks: list[tuple[list[str], int]], top: int) -> list[str]:
    """Self time over every sample; inclusive time over whole stacks only
    (`--nonblocking` sampling sometimes catches a stack half-read)."""
    total = sum(c for _, c in stacks) or 1
    areas: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    for frames, count in stacks:
        areas[area(frames[-1])] += count
        own[name(frames[-1])] += count
    whole = [(f, c) for f, c in stacks if f[0].startswith("<module>")]
    complete = sum(c for _, c in whole) or 1
    for frames, count in whole:
        for fn in {name(f) for f in frames}:
            inclusive[fn] += count
    lines = [f"{total} samples ({complete} with the whole stack)", "",
             "by library of the innermost frame:"]
    lines += [f"  {100 * c / total:5.1f}%  {a}" for a, c in areas.most_common()]
    lines += ["", "what the server was doing (whole stacks):", *activities(stacks)]
    lines += ["", f"top {top} inclusive (of whole stacks):"]
    lines += [f"  {100 * c / complete:5.1f}%  {fn}" for fn, c in inclusive.most_common(top)]
    lines += ["", f"top {top} self:"]
    lines += [f"  {100 * c / total:5.1f}%  {fn}" for fn, c in own.most_common(top)]
    return lines


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("profile")
    p.add_argument("--top", type=int, default=30)
    args = p.parse_args()
    print("\n".join(summarise(parse(args.profile), args.top)))


if __name__ == "__main__":
    main()
