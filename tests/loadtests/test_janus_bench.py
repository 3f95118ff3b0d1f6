"""The video benchmark's tiny pass: one viewer through the built-in relay and
one through a real Janus, in the same run, both at the source frame rate.
(In its own process: the benchmark patches aiortc for its peers.)"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.stream.janus_server import JANUS, missing_message
from tests.support import ROOT


@pytest.mark.timeout(300)
def test_one_viewer_through_each_server_gets_every_frame() -> None:
    if not JANUS.exists():
        pytest.fail(missing_message(), pytrace=False)
    run = subprocess.run([sys.executable, "loadtests/janus_bench.py", "--counts", "1",
                          "--seconds", "2", "--warmup", "1", "--viewer-procs", "1"],
                         cwd=ROOT, capture_output=True, text=True, timeout=280)
    assert run.returncode == 0, run.stderr[-3000:]
    rows = {cells[0]: cells for line in run.stdout.splitlines() if line.startswith("| ")
            for cells in [[c.strip() for c in line.strip("|").split("|")]]}
    for mode in ("relay", "janus"):
        fps_min = float(rows[mode][5].split("/")[0])
        assert fps_min >= 13.5, (mode, rows[mode])  # 90 % of 15 fps
        assert float(rows[mode][6]) > 100, (mode, rows[mode])  # kbit/s reached the viewer
