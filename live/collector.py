"""Python's cyclic collector, tuned for a server holding thousands of phones.

Each connection keeps ~170 long-lived objects; re-scanning 1.7 M of them made
full collections of 1.5-2 s and young ones of up to 0.4 s in the benchmark
(docs/performance.md), which, not the work, set vote latency. Survivors are
frozen (never re-scanned) every FREEZE_EVERY_S; a full unfreeze-and-collect
every FULL_EVERY_S returns the cyclic garbage of phones that left.
"""

from __future__ import annotations

import gc
import time

FREEZE_EVERY_S = 10.0
FULL_EVERY_S = 900.0
YOUNG_THRESHOLD = 50_000


class Collector:
    def __init__(self) -> None:
        self._frozen_at = time.monotonic()
        self._full_at = time.monotonic()

    def tick(self) -> None:
        """Called from the tally pump; cheap unless a step is due."""
        now = time.monotonic()
        if now - self._full_at >= FULL_EVERY_S:
            gc.unfreeze()
            gc.collect()
            self._full_at = now
        if now - self._frozen_at >= FREEZE_EVERY_S:
            gc.freeze()
            self._frozen_at = now


def tune() -> None:
    """At start-up: freeze what the app built, and collect the young less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, 20, 100)
