"""Percentiles, latency histograms and CPU/RSS readings from /proc."""

from __future__ import annotations

import math
import os
from typing import Iterable

BUCKETS_MS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list (q in 0..100)."""
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def summary(values: Iterable[float]) -> dict[str, float]:
    """count, p50, p90, p99, p99.9 and max, in milliseconds (input in seconds)."""
    ordered = sorted(v * 1000 for v in values)
    return {"count": len(ordered), "p50": percentile(ordered, 50),
            "p90": percentile(ordered, 90), "p99": percentile(ordered, 99),
            "p999": percentile(ordered, 99.9),
            "max": ordered[-1] if ordered else math.nan}


def fmt_ms(s: dict[str, float]) -> str:
    if not s["count"]:
        return "n/a"
    return (f"p50 {s['p50']:.1f}  p99 {s['p99']:.1f}  p99.9 {s['p999']:.1f}  "
            f"max {s['max']:.1f} ms  (n={s['count']})")


def histogram(values: Iterable[float], width: int = 40) -> list[str]:
    """A text histogram of latencies (seconds) over fixed log buckets in ms."""
    counts = [0] * (len(BUCKETS_MS) + 1)
    for v in values:
        ms = v * 1000
        i = 0
        while i < len(BUCKETS_MS) and ms >= BUCKETS_MS[i]:
            i += 1
        counts[i] += 1
    total = sum(counts) or 1
    top = max(counts) or 1
    lines = []
    edges = (0,) + BUCKETS_MS
    for i, c in enumerate(counts):
        if not c:
            continue
        label = (f"{edges[i]:>5}-{BUCKETS_MS[i]:<5}" if i < len(BUCKETS_MS)
                 else f"{BUCKETS_MS[-1]:>5}+     ")
        bar = "#" * max(1, round(width * c / top))
        lines.append(f"    {label} ms {c:>7} {100 * c / total:5.1f}% {bar}")
    return lines


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    except (OSError, IndexError):
        return 0.0


def rss_kb(pid: int) -> int:
    """VmRSS of one process in KiB (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def children(pid: int) -> list[int]:
    """Direct children of a process (uvicorn's worker processes)."""
    found = []
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            found = [int(p) for p in f.read().split()]
    except OSError:
        pass
    return found


def machine_busy_seconds() -> float:
    """CPU seconds every core of the machine spent busy (or stolen) since boot."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / CLOCK_TICKS


class CpuMeter:
    """CPU used by groups of processes between `start()` and `stop()`, and by
    everything else on the machine ("other": the noise of a shared box)."""

    def __init__(self, groups: dict[str, list[int]]) -> None:
        self.groups = groups
        self._start: dict[str, float] = {}
        self._t0 = 0.0

    def _read(self) -> dict[str, float]:
        used = {name: sum(cpu_seconds(p) for p in pids) for name, pids in self.groups.items()}
        used["other"] = machine_busy_seconds() - sum(used.values())
        return used

    def start(self, now: float) -> None:
        self._start, self._t0 = self._read(), now

    def stop(self, now: float) -> dict[str, float]:
        """Average cores used per group over the interval (1.0 = one full core)."""
        end = self._read()
        wall = max(now - self._t0, 1e-9)
        return {name: (end[name] - self._start.get(name, 0.0)) / wall for name in end}
