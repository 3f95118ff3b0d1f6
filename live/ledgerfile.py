"""A copy of every ballot's chain on disk, one JSON line per link, that
survives both the server and Redis. Appends are made under a file lock from the
chain in Redis, so workers sharing a data folder keep the lines in order."""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

from rooms.store import Store


def path_for(data_dir: Path, ledger_id: str, room: bool = False) -> Path:
    return data_dir / "ledger" / (f"room-{ledger_id}.jsonl" if room else f"{ledger_id}.jsonl")


async def mirror(store: Store, data_dir: Path, ledger_id: str, room: bool = False) -> int:
    """Append the links the file lacks; returns how many lines it has."""
    path = path_for(data_dir, ledger_id, room)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as out:
        fcntl.flock(out, fcntl.LOCK_EX)
        out.seek(0)
        have = sum(1 for _ in out)
        links = await store.chain(ledger_id, have, room)
        if links:
            events = await store.log_since(ledger_id, have, room)
            for link, payload in zip(links, events):
                out.write(json.dumps(dict(link, payload=payload), ensure_ascii=False,
                                     sort_keys=True) + "\n")
            out.flush()
            os.fsync(out.fileno())
        return have + len(links)
