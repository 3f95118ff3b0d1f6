"""A copy of every ballot's chain on disk, one JSON line per link, that
survives both the server and Redis. Appends are made under a file lock from the
chain in Redis, so workers sharing a data folder keep the lines in order.

The event loop never waits on the disk: locking, counting, writing and `fsync`
run in a thread. Each process remembers how many lines a file had at the size
it left it, so it only re-counts when another worker appended since."""

from __future__ import annotations

import asyncio
import fcntl
import os
from pathlib import Path
from typing import IO, Any

import orjson

from rooms.polls import RoomReads

_locks: dict[Path, asyncio.Lock] = {}
_lines_at_size: dict[Path, tuple[int, int]] = {}  # path -> (size, lines)


def path_for(data_dir: Path, ledger_id: str, room: bool = False) -> Path:
    return data_dir / "ledger" / (f"room-{ledger_id}.jsonl" if room else f"{ledger_id}.jsonl")


def _open_locked(path: Path) -> tuple[IO[bytes], int]:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # 0600 whatever the umask: the data folder is private (live.embedded).
    out = os.fdopen(os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600), "ab+")
    fcntl.flock(out, fcntl.LOCK_EX)
    size = os.fstat(out.fileno()).st_size
    known = _lines_at_size.get(path)
    if known is not None and known[0] == size:
        return out, known[1]
    out.seek(0)
    return out, sum(1 for _ in out)


def _append(out: IO[bytes], lines: list[bytes]) -> int:
    out.write(b"".join(lines))
    out.flush()
    os.fsync(out.fileno())
    return os.fstat(out.fileno()).st_size


async def mirror(store: RoomReads, data_dir: Path, ledger_id: str, room: bool = False) -> int:
    """Append the links the file lacks; returns how many lines it has."""
    path = path_for(data_dir, ledger_id, room)
    lock = _locks.setdefault(path, asyncio.Lock())
    async with lock:  # one writer per file in this process; flock across processes
        opening = asyncio.ensure_future(asyncio.to_thread(_open_locked, path))
        try:
            out, have = await asyncio.shield(opening)
        except asyncio.CancelledError:
            # Cancelled (a stopping worker) while the thread takes the flock: close
            # what it opens, or the lock stays held and the next writer's thread
            # waits for it for ever, holding up the process's exit.
            opening.add_done_callback(_close_opened)
            raise
        try:
            links = await store.chain(ledger_id, have, room)
            size = None
            if links:
                events = await store.log_since(ledger_id, have, room)
                lines = [_line(link, payload) for link, payload in zip(links, events)]
                size = await asyncio.to_thread(_append, out, lines)
                have += len(lines)
            _lines_at_size[path] = (size if size is not None else os.fstat(out.fileno()).st_size,
                                    have)
        finally:
            out.close()  # releases the flock
        return have


def _close_opened(opening: "asyncio.Future[tuple[IO[bytes], int]]") -> None:
    if not opening.cancelled() and opening.exception() is None:
        opening.result()[0].close()


def _line(link: dict[str, Any], payload: str) -> bytes:
    """One link and its event as a line of UTF-8 JSON, keys sorted."""
    return orjson.dumps(dict(link, payload=payload), option=orjson.OPT_SORT_KEYS) + b"\n"
