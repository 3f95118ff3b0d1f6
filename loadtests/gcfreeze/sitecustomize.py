"""An experiment for `bench.py --gc-freeze S`, loaded into the servers under
test through PYTHONPATH; it changes no server code.

Every S seconds it moves every object alive so far into Python's permanent
generation (`gc.freeze()`), so the cyclic collector stops re-scanning the
long-lived objects of thousands of idle connections on every full
collection. What it measures is the effect of doing the same in the server.
"""

import gc
import os
import threading
import time


def _freeze_every(seconds: float) -> None:
    while True:
        time.sleep(seconds)
        gc.freeze()


_every = float(os.environ.get("GC_FREEZE_S") or 0)
if _every > 0:
    threading.Thread(target=_freeze_every, args=(_every,), name="gc-freeze",
                     daemon=True).start()
