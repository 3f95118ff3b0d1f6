"""A real Janus for tests and the benchmark: Debian's `janus` binary, started
with a configuration folder generated here, so nothing in /etc/janus matters.

Only what LIVE_VIDEO=janus needs is switched on: the HTTP transport (Janus API
and Admin API) on 127.0.0.1 and free ports, the VideoRoom plugin with an
admin key, and stored-token authentication (`token_auth`), so that no browser
reaches Janus without a token LiveVote added through the Admin API.

Janus never offers loopback ICE candidates (it skips loopback interfaces), so
media to it uses this machine's own address; packets still never leave the
machine.
"""

from __future__ import annotations

import secrets
import subprocess
from pathlib import Path

import httpx

from tests.support import free_port, wait_for

JANUS = Path("/usr/bin/janus")
LIB = Path("/usr/lib/x86_64-linux-gnu/janus")
PLUGINS = ("audiobridge", "duktape", "echotest", "lua", "nosip", "recordplay", "sip",
           "streaming", "textroom", "videocall", "voicemail")
TRANSPORTS = ("mqtt", "nanomsg", "pfunix", "rabbitmq", "websockets")

CORE = """general: {{
    configs_folder = "{conf}"
    plugins_folder = "{lib}/plugins"
    transports_folder = "{lib}/transports"
    events_folder = "{lib}/events"
    loggers_folder = "{lib}/loggers"
    debug_level = 4
    admin_secret = "{admin_secret}"
    token_auth = true
    session_timeout = 60
{loops}    server_name = "livevote-test"
}}
certificates: {{
}}
media: {{
    rtp_port_range = "{rtp}"
}}
nat: {{
    nice_debug = false
    ice_ignore_list = "vmnet,docker,br-,veth"
}}
plugins: {{
    disable = "{plugins}"
}}
transports: {{
    disable = "{transports}"
}}
loggers: {{
    disable = "libjanus_jsonlog.so"
}}
events: {{
    broadcast = false
}}
"""

HTTP = """general: {{
    json = "plain"
    base_path = "/janus"
    http = true
    port = {port}
    ip = "127.0.0.1"
    https = false
}}
admin: {{
    admin_base_path = "/admin"
    admin_http = true
    admin_port = {admin_port}
    admin_ip = "127.0.0.1"
    admin_https = false
}}
cors: {{
}}
"""

VIDEOROOM = """general: {{
    admin_key = "{room_key}"
    lock_rtp_forward = true
}}
"""


def stop_process(proc: "subprocess.Popen[bytes]", grace_s: float = 15) -> None:
    """TERM, then KILL if it has not gone within `grace_s`."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(grace_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def missing_message() -> str:
    return (f"{JANUS} is missing. The video tests drive Debian's janus (apt-get install "
            "janus; scripts/test installs it when run as root) and never download one.")


class JanusProcess:
    """One Janus on free loopback ports, stopped with `stop()`."""

    def __init__(self, workdir: Path, rtp_ports: tuple[int, int] = (40000, 49999),
                 event_loops: int = 0) -> None:
        self.port, self.admin_port = free_port(), free_port()
        self.admin_secret = secrets.token_urlsafe(16)
        self.room_key = secrets.token_urlsafe(16)
        self.workdir = workdir
        conf = workdir / "conf"
        conf.mkdir(parents=True, exist_ok=True)
        (conf / "janus.jcfg").write_text(CORE.format(
            conf=conf, lib=LIB, admin_secret=self.admin_secret, rtp="-".join(map(str, rtp_ports)),
            # 0: a thread per handle (Janus's default); N: N shared event loops
            loops=f"    event_loops = {event_loops}\n" if event_loops else "",
            plugins=",".join(f"libjanus_{p}.so" for p in PLUGINS),
            transports=",".join(f"libjanus_{t}.so" for t in TRANSPORTS)))
        (conf / "janus.transport.http.jcfg").write_text(HTTP.format(
            port=self.port, admin_port=self.admin_port))
        (conf / "janus.plugin.videoroom.jcfg").write_text(VIDEOROOM.format(
            room_key=self.room_key))
        self.log = open(workdir / "janus.log", "ab")
        self.proc = subprocess.Popen(
            [str(JANUS), "-F", str(conf), "-P", str(LIB / "plugins"), "-C",
             str(conf / "janus.jcfg"), "-o"],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_for(self._up, "janus", timeout=30)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/janus"

    @property
    def admin_url(self) -> str:
        return f"http://127.0.0.1:{self.admin_port}/admin"

    def env(self) -> dict[str, str]:
        """The settings of a `live serve` that uses this Janus."""
        return {"LIVE_VIDEO": "janus", "LIVE_JANUS_URL": self.url,
                "LIVE_JANUS_ADMIN_URL": self.admin_url,
                "LIVE_JANUS_ADMIN_SECRET": self.admin_secret,
                "LIVE_JANUS_ROOM_KEY": self.room_key}

    def _up(self) -> bool:
        if self.proc.poll() is not None:
            tail = (self.workdir / "janus.log").read_text(errors="replace")[-3000:]
            raise RuntimeError(f"janus exited with {self.proc.returncode}:\n{tail}")
        try:
            return httpx.get(f"{self.url}/info", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        stop_process(self.proc)
        self.log.close()
