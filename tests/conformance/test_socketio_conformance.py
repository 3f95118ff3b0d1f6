"""The Socket.IO project's own protocol suites (README.md), run with Node's mocha
against tests/conformance/server.py twice: with python-socketio's stock
WebSocket loops and with live.transport's lean ones. Some tests fail on stock
python-socketio (README.md says which and why); every test that passes on
stock must pass on lean too."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support import wait_for

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SUITES = ("engine.io-protocol", "socket.io-protocol")

pytestmark = pytest.mark.timeout(170)


@contextmanager
def exclusive(folder: Path) -> Iterator[None]:
    """One `npm ci` and its mocha runs at a time in a suite folder, should two
    test runs share this checkout."""
    key = hashlib.sha256(str(folder).encode()).hexdigest()[:16]
    with open(Path(tempfile.gettempdir()) / f"livevote-conformance-{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


class Server:
    """tests/conformance/server.py on a free port, stock or lean."""

    def __init__(self, mode: str, log: Path) -> None:
        self.mode, self.log = mode, log
        command = [sys.executable, str(HERE / "server.py"), "--port", "0"]
        with open(log, "wb") as out:
            self.proc = subprocess.Popen(command + (["--stock"] if mode == "stock" else []),
                                         cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        self.port = self._wait_for_port()

    def _first_line(self) -> str:
        first = self.log.read_text(errors="replace").partition("\n")
        return first[0] if first[1] else ""

    def _wait_for_port(self) -> int:
        """The port the server prints on its first line (tests.support.wait_for)."""
        try:
            wait_for(lambda: self._first_line().startswith("listening on ")
                     or self.proc.poll() is not None, f"{self.mode} server", 30)
        except TimeoutError:
            pass
        first = self._first_line()
        if not first.startswith("listening on "):
            self.stop()
            raise AssertionError(f"{self.mode} server did not start:\n{self.output()}")
        assert f"({self.mode})" in first, first
        return int(first.split()[2])

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


@pytest.fixture(scope="module")
def node() -> tuple[str, str]:
    npm, node = shutil.which("npm"), shutil.which("node")
    if npm is None or node is None:
        pytest.skip("npm and node are not installed: the Socket.IO conformance suites "
                    "(tests/conformance) run on Node.js")
    return npm, node


@pytest.fixture(scope="module")
def servers(node: tuple[str, str],
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Server]]:
    logs = tmp_path_factory.mktemp("conformance-servers")
    started: dict[str, Server] = {}
    try:
        for mode in ("stock", "lean"):
            started[mode] = Server(mode, logs / f"{mode}.log")
        yield started
    finally:
        for server in started.values():
            server.stop()


def npm_ci(npm: str, folder: Path) -> None:
    result = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                            cwd=folder, capture_output=True, text=True, timeout=240,
                            env={**os.environ, "npm_config_update_notifier": "false"})
    assert result.returncode == 0, f"npm ci in {folder} failed:\n{result.stdout}{result.stderr}"


def mocha(node: str, folder: Path, server: Server, report: Path) -> dict[str, bool]:
    """{full test title: passed} of one run of the suite in `folder`."""
    result = subprocess.run(
        [node, "node_modules/mocha/bin/mocha", "--exit", "--reporter", "json",
         "--reporter-option", f"output={report}", "test-suite.js"],
        cwd=folder, capture_output=True, text=True, timeout=90,
        env={**os.environ, "PORT": str(server.port)})
    assert report.exists(), (f"mocha wrote no report (exit {result.returncode}):\n"
                             f"{result.stdout[-3000:]}{result.stderr[-3000:]}")
    data = json.loads(report.read_text())
    passed = {t["fullTitle"] for t in data["passes"]}
    outcome = {t["fullTitle"]: t["fullTitle"] in passed for t in data["tests"]}
    assert outcome, f"no test ran in {folder.name}"
    assert server.proc.poll() is None, f"{server.mode} server died:\n{server.output()}"
    return outcome


@pytest.mark.parametrize("suite", SUITES)
def test_lean_passes_what_stock_passes(suite: str, node: tuple[str, str],
                                       servers: dict[str, Server], tmp_path: Path) -> None:
    npm, node_bin = node
    folder = HERE / suite
    with exclusive(folder):
        npm_ci(npm, folder)
        stock = mocha(node_bin, folder, servers["stock"], tmp_path / "stock.json")
        lean = mocha(node_bin, folder, servers["lean"], tmp_path / "lean.json")
    assert set(lean) == set(stock)
    # Guards against a run where nothing could pass (a server that answers nothing).
    assert sum(stock.values()) >= len(stock) // 3, \
        f"only {sum(stock.values())} of {len(stock)} pass on stock:\n{servers['stock'].output()}"
    regressions = sorted(title for title, ok in stock.items() if ok and not lean[title])
    # A few tests time heartbeats to 100-200 ms and fail now and then on a busy
    # machine whatever the loops: a regression must fail on lean in five runs
    # and pass on stock in the same conditions.
    for attempt in range(4):
        if not regressions:
            break
        with exclusive(folder):
            again = mocha(node_bin, folder, servers["lean"], tmp_path / f"lean{attempt}.json")
        regressions = [title for title in regressions if not again[title]]
    # What still fails on lean is run on stock again, as busy as the machine is
    # now: a title that fails there too is the machine's timing, not the loops.
    for attempt in range(2):
        if not regressions:
            break
        with exclusive(folder):
            stock_again = mocha(node_bin, folder, servers["stock"],
                                tmp_path / f"stock{attempt}.json")
        regressions = [title for title in regressions if stock_again[title]]
    assert not regressions, (
        f"{suite}: passes on stock python-socketio but fails with live.transport:\n  "
        + "\n  ".join(regressions) + f"\nlean server log:\n{servers['lean'].output()}")
