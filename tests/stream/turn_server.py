"""A real TURN server for the video tests: Debian's `coturn` (`turnserver`),
started with a configuration written here (nothing in /etc matters), on this
machine's own address (Janus skips loopback, so the relayed media must be
reachable at an address Janus offers), long-term credentials, no TLS.

Its log says what it relayed: `allocations()` counts the allocations it
granted, the proof that media went through it."""

from __future__ import annotations

import json
import secrets
import socket
import subprocess
from pathlib import Path

from tests.stream.janus_server import stop_process
from tests.support import free_port, wait_for

TURNSERVER = Path("/usr/bin/turnserver")

CONFIG = """listening-ip={ip}
listening-port={port}
relay-ip={ip}
min-port={low}
max-port={high}
lt-cred-mech
user={user}:{password}
realm=livevote.test
fingerprint
no-tls
no-dtls
no-cli
no-stdout-log
log-file={log}
simple-log
verbose
pidfile={pid}
"""


def own_address() -> str:
    """The address this machine reaches others from (no packet is sent)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.254", 9))  # TEST-NET: routing only
        return str(probe.getsockname()[0])
    finally:
        probe.close()


def missing_message() -> str:
    return (f"{TURNSERVER} is missing. The TURN test drives Debian's coturn (apt-get install "
            "coturn; scripts/test installs it when run as root) and never downloads one.")


class TurnProcess:
    def __init__(self, workdir: Path, relay_ports: tuple[int, int] = (50000, 50999)) -> None:
        self.ip, self.port = own_address(), free_port()
        self.user, self.password = "livevote", secrets.token_urlsafe(12)
        workdir.mkdir(parents=True, exist_ok=True)
        self.log_path = workdir / "turn.log"
        conf = workdir / "turnserver.conf"
        conf.write_text(CONFIG.format(ip=self.ip, port=self.port, low=relay_ports[0],
                                      high=relay_ports[1], user=self.user,
                                      password=self.password, log=self.log_path,
                                      pid=workdir / "turn.pid"))
        self.out = open(workdir / "turn.out", "ab")
        self.proc = subprocess.Popen([str(TURNSERVER), "-c", str(conf)], stdout=self.out,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        wait_for(self._up, "turnserver", timeout=20)

    def _up(self) -> bool:
        if self.proc.poll() is not None:
            raise RuntimeError(f"turnserver exited with {self.proc.returncode}: "
                               f"{self._log()[-2000:]}")
        try:
            socket.create_connection((self.ip, self.port), timeout=1).close()
            return True
        except OSError:
            return False

    def _log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def ice_servers(self) -> str:
        """LIVE_ICE_SERVERS naming this server."""
        return json.dumps([{"urls": [f"turn:{self.ip}:{self.port}?transport=udp"],
                            "username": self.user, "credential": self.password}])

    def allocations(self) -> int:
        """Relay allocations granted so far (one per browser connection through it)."""
        return self._log().count("ALLOCATE processed, success")

    def stop(self) -> None:
        stop_process(self.proc, 10)
        self.out.close()
