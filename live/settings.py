"""Settings: the only module that reads the environment."""

from __future__ import annotations

import json
import os
import secrets
import socket
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    redis_url: str | None = None
    redis_server: str = ""
    # REDIS_URL names one node of a Redis/Valkey Cluster (docs/deploy.md)
    redis_cluster: bool = False
    # replicas that must have a vote before it is acked (WAIT); None: 1 on a
    # cluster, 0 on one server
    vote_replicas: int | None = None
    data_dir: Path = Path("data")
    secret: bytes = b""
    public_url: str | None = None
    fsync: str = "always"
    tick_ms: int = 100
    ping_s: int = 20
    # overload (live/pressure.py): votes answered `busy` while the event loop is
    # this late, or while this many of the worker's votes wait for Redis; 0: off
    busy_lag_ms: int = 250
    busy_casting: int = 2000
    cross_worker: bool = False
    workers: int = 1
    sms_webhook: str = ""
    sms_token: str = ""
    kakao_webhook: str = ""
    kakao_token: str = ""
    # texts per request to a gateway that takes a list (docs/protocol.md); 0:
    # one text per request
    sms_list: int = 0
    kakao_list: int = 0
    otp_gap_s: int = 30
    witnesses: tuple[str, ...] = ()
    witness_every_s: float = 10.0
    member_grace_ms: int = 60_000
    trusted_proxies: str = ""
    frame_ancestors: str = ""
    operator_token: str = ""
    rooms_per_hour: int = 30
    wrong_codes_per_minute: int = 30
    code_idle_days: float = 7.0
    timezone: str = "Asia/Seoul"  # the venue's clock, for times in exported files
    tsa_url: str = ""  # an RFC 3161 time-stamping authority for consents; empty: none
    # a mobile identity verification provider (live/identity.py); empty: the OTP fallback
    idv_auth_url: str = ""
    idv_result_url: str = ""
    idv_client_id: str = ""
    idv_client_secret: str = ""
    # video (docs/video-performance.md): the built-in relay, or Janus for large
    # meetings; STUN/TURN servers for every browser
    video: str = "relay"
    janus_url: str = ""  # the Janus API as browsers reach it
    janus_admin_url: str = ""  # the Admin API, reached by LiveVote only
    janus_admin_secret: str = ""
    janus_room_key: str = ""  # the VideoRoom plugin's admin_key, if it has one
    ice_servers: str = ""  # a JSON list of RTCIceServer objects
    ice_policy: str = "all"  # "relay": browsers connect only through the TURN servers

    def __post_init__(self) -> None:
        if self.fsync not in ("always", "everysec"):
            raise ValueError("LIVE_FSYNC must be 'always' or 'everysec'")
        if not 20 <= self.tick_ms <= 2000:
            raise ValueError("LIVE_TICK_MS must be between 20 and 2000")
        if self.busy_lag_ms < 0 or self.busy_casting < 0:
            raise ValueError("LIVE_BUSY_LAG_MS and LIVE_BUSY_CASTING are 0 (off) or more")
        if not 1 <= self.ping_s <= 120:
            raise ValueError("LIVE_PING_S must be between 1 and 120")
        if self.rooms_per_hour < 1 or self.wrong_codes_per_minute < 1:
            raise ValueError("LIVE_ROOMS_PER_HOUR and LIVE_WRONG_CODES_PER_MINUTE must be >= 1")
        if not 0 < self.code_idle_days <= 365:
            raise ValueError("LIVE_CODE_IDLE_DAYS must be between 0 and 365")
        if any(c in self.frame_ancestors for c in ";,\r\n"):
            raise ValueError("LIVE_FRAME_ANCESTORS is a space-separated list of origins")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"LIVE_TIMEZONE {self.timezone!r} is not an IANA time zone "
                             "such as Asia/Seoul") from None
        idv = (self.idv_auth_url, self.idv_result_url, self.idv_client_id, self.idv_client_secret)
        if any(idv) and not all(idv):
            raise ValueError("LIVE_IDV_AUTH_URL, LIVE_IDV_RESULT_URL, LIVE_IDV_CLIENT_ID and "
                             "LIVE_IDV_CLIENT_SECRET are set together, or none of them")
        if self.video not in ("relay", "janus"):
            raise ValueError("LIVE_VIDEO must be 'relay' (built in) or 'janus'")
        if self.video == "janus" and not (self.janus_url and self.janus_admin_url
                                          and self.janus_admin_secret):
            raise ValueError("LIVE_VIDEO=janus needs LIVE_JANUS_URL, LIVE_JANUS_ADMIN_URL and "
                             "LIVE_JANUS_ADMIN_SECRET")
        ice_server_list(self.ice_servers)
        if self.ice_policy not in ("all", "relay"):
            raise ValueError("LIVE_ICE_POLICY must be 'all' or 'relay' (TURN only)")
        if self.ice_policy == "relay" and not any(
                "turn" in str(s.get("urls", "")) for s in self.ice_server_list):
            raise ValueError("LIVE_ICE_POLICY=relay needs a TURN server in LIVE_ICE_SERVERS")
        if self.vote_replicas is not None and not 0 <= self.vote_replicas <= 5:
            raise ValueError("LIVE_VOTE_REPLICAS must be between 0 and 5")
        if not (0 <= self.sms_list <= 1000 and 0 <= self.kakao_list <= 1000):
            raise ValueError("LIVE_SMS_LIST and LIVE_KAKAO_LIST are 0 (one text per request) "
                             "to 1000 texts per request")

    @property
    def replicas_per_vote(self) -> int:
        if self.vote_replicas is not None:
            return self.vote_replicas
        return 1 if self.redis_cluster else 0

    @property
    def ice_server_list(self) -> list[dict[str, Any]]:
        return ice_server_list(self.ice_servers)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = self.host
        if host in ("0.0.0.0", "::"):
            host = lan_address()  # phones must reach join links, so not localhost
        elif host == "127.0.0.1":
            host = "localhost"
        return f"http://{host}:{self.port}"

    def with_(self, **changes: object) -> "Settings":
        return replace(self, **changes)  # type: ignore[arg-type]


ICE_FIELDS = {"urls", "username", "credential"}


def ice_server_list(text: str) -> list[dict[str, Any]]:
    """LIVE_ICE_SERVERS: `[{"urls": "stun:stun.example.org"}, {"urls":
    ["turn:turn.example.org"], "username": "u", "credential": "p"}]`, as a
    browser's RTCPeerConnection takes it."""
    if not text.strip():
        return []
    try:
        servers = json.loads(text)
    except ValueError:
        raise ValueError("LIVE_ICE_SERVERS is not JSON") from None
    if not isinstance(servers, list):
        raise ValueError("LIVE_ICE_SERVERS is a JSON list of {\"urls\", \"username\"?, "
                         "\"credential\"?} objects")
    for server in servers:
        urls = server.get("urls") if isinstance(server, dict) else None
        listed = [urls] if isinstance(urls, str) else urls
        if (not isinstance(listed, list) or not listed
                or not all(isinstance(u, str) and u.split(":", 1)[0] in ("stun", "turn", "turns")
                           for u in listed)
                or set(server) - ICE_FIELDS
                or not all(isinstance(server.get(k, ""), str) for k in ("username", "credential"))):
            raise ValueError(f"LIVE_ICE_SERVERS: {server!r} is not an RTCIceServer with stun:, "
                             "turn: or turns: urls")
    return servers


def lan_address() -> str:
    """This machine's address by its own name (no traffic sent); set
    LIVE_PUBLIC_URL behind a proxy or when this guesses wrong."""
    try:
        address = socket.gethostbyname(socket.gethostname())
    except OSError:
        return "localhost"
    return "localhost" if address.startswith("127.") else address


def from_env(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    data_dir = Path(env.get("LIVE_DATA_DIR", "data"))
    return Settings(
        host=env.get("HOST", "127.0.0.1"),
        port=int(env.get("PORT", "8000")),
        redis_url=env.get("REDIS_URL") or None,
        redis_server=env.get("LIVE_REDIS_SERVER", ""),
        redis_cluster=env.get("LIVE_REDIS_CLUSTER", "") == "1",
        vote_replicas=int(env["LIVE_VOTE_REPLICAS"]) if env.get("LIVE_VOTE_REPLICAS") else None,
        data_dir=data_dir,
        secret=env.get("LIVE_SECRET", "").encode() or b"",
        public_url=env.get("LIVE_PUBLIC_URL") or None,
        fsync=env.get("LIVE_FSYNC", "always"),
        tick_ms=int(env.get("LIVE_TICK_MS", "100")),
        ping_s=int(env.get("LIVE_PING_S", "20")),
        busy_lag_ms=int(env.get("LIVE_BUSY_LAG_MS", "250")),
        busy_casting=int(env.get("LIVE_BUSY_CASTING", "2000")),
        cross_worker=env.get("LIVE_CROSS_WORKER", "") == "1",
        workers=int(env.get("LIVE_WORKERS", "1")),
        sms_webhook=env.get("LIVE_SMS_WEBHOOK", ""),
        sms_token=env.get("LIVE_SMS_TOKEN", ""),
        kakao_webhook=env.get("LIVE_KAKAO_WEBHOOK", ""),
        kakao_token=env.get("LIVE_KAKAO_TOKEN", ""),
        sms_list=int(env.get("LIVE_SMS_LIST", "0")),
        kakao_list=int(env.get("LIVE_KAKAO_LIST", "0")),
        otp_gap_s=int(env.get("LIVE_OTP_GAP_S", "30")),
        witnesses=tuple(u.strip() for u in env.get("LIVE_WITNESSES", "").split(",") if u.strip()),
        witness_every_s=float(env.get("LIVE_WITNESS_EVERY_S", "10")),
        member_grace_ms=int(env.get("LIVE_MEMBER_GRACE_MS", "60000")),
        trusted_proxies=env.get("LIVE_TRUSTED_PROXIES", "").strip(),
        frame_ancestors=env.get("LIVE_FRAME_ANCESTORS", "").strip(),
        operator_token=env.get("LIVE_OPERATOR_TOKEN", ""),
        rooms_per_hour=int(env.get("LIVE_ROOMS_PER_HOUR", "30")),
        wrong_codes_per_minute=int(env.get("LIVE_WRONG_CODES_PER_MINUTE", "30")),
        code_idle_days=float(env.get("LIVE_CODE_IDLE_DAYS", "7")),
        timezone=env.get("LIVE_TIMEZONE", "Asia/Seoul"),
        tsa_url=env.get("LIVE_TSA_URL", "").strip(),
        idv_auth_url=env.get("LIVE_IDV_AUTH_URL", "").strip(),
        idv_result_url=env.get("LIVE_IDV_RESULT_URL", "").strip(),
        idv_client_id=env.get("LIVE_IDV_CLIENT_ID", "").strip(),
        idv_client_secret=env.get("LIVE_IDV_CLIENT_SECRET", ""),
        video=env.get("LIVE_VIDEO", "relay").strip() or "relay",
        janus_url=env.get("LIVE_JANUS_URL", "").strip(),
        janus_admin_url=env.get("LIVE_JANUS_ADMIN_URL", "").strip(),
        janus_admin_secret=env.get("LIVE_JANUS_ADMIN_SECRET", ""),
        janus_room_key=env.get("LIVE_JANUS_ROOM_KEY", ""),
        ice_servers=env.get("LIVE_ICE_SERVERS", ""),
        ice_policy=env.get("LIVE_ICE_POLICY", "all").strip() or "all",
    )


def server_secret(settings: Settings) -> bytes:
    """The signing secret: from LIVE_SECRET, else kept in the data folder so a
    restart keeps every phone's device credential valid."""
    if settings.secret:
        return settings.secret
    path = settings.data_dir / "secret.key"
    if not path.exists():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
    return path.read_text().strip().encode()
