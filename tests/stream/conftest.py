from __future__ import annotations

import os
from typing import Iterator

import aioice.ice
import hypothesis  # noqa: F401  see below
import pytest

from tests.stream.janus_server import JANUS, JanusProcess, missing_message
from tests.support import ROOT, LiveServer

# hypothesis' pytest plugin imports hypothesis lazily, at the terminal
# summary. After the media tests' codec threads ran, CPython 3.11.7 can fail
# that late compile with "AST constructor recursion depth mismatch"
# (python/cpython#106905); importing it before any thread starts avoids it.


@pytest.fixture(autouse=True)
def loopback_ice(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Peers in this process offer 127.0.0.1 only: media never leaves loopback."""
    monkeypatch.setattr(aioice.ice, "get_host_addresses", lambda **_: ["127.0.0.1"])
    yield


# `live serve` under test offers only loopback ICE candidates too. The patch
# rides in on the server's PYTHONPATH, so the server's code is the real thing.
LOOPBACK_SITE = '''import aioice.ice
aioice.ice.get_host_addresses = lambda **_: ["127.0.0.1"]
'''


@pytest.fixture(scope="session")
def live(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    site = tmp_path_factory.mktemp("loopback-site")
    (site / "sitecustomize.py").write_text(LOOPBACK_SITE)
    path = os.pathsep.join([str(site), str(ROOT), os.environ.get("PYTHONPATH", "")])
    server = LiveServer(tmp_path_factory.mktemp("live-video") / "data", redis_url=redis_url,
                        env={"PYTHONPATH": path.rstrip(os.pathsep)})
    yield server
    server.stop()


@pytest.fixture(scope="session")
def janus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JanusProcess]:
    """A real Janus for the session (Debian's binary, a generated config)."""
    if not JANUS.exists():
        pytest.fail(missing_message(), pytrace=False)
    server = JanusProcess(tmp_path_factory.mktemp("janus"))
    yield server
    server.stop()


ICE_SERVERS = '[{"urls": "stun:stun.example.org:3478"}]'


@pytest.fixture(scope="session")
def janus_live(redis_url: str, janus: JanusProcess,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """`live serve` with LIVE_VIDEO=janus: it signals and authorises, Janus
    carries the media."""
    server = LiveServer(tmp_path_factory.mktemp("live-janus") / "data", redis_url=redis_url,
                        env=janus.env() | {"LIVE_ICE_SERVERS": ICE_SERVERS})
    yield server
    server.stop()
