"""The ASGI application: Starlette routes and pages, Socket.IO, the tally pump."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from pathlib import Path
from typing import Any, AsyncIterator
from urllib.parse import urlsplit

import socketio
from redis.asyncio.cluster import RedisCluster
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from live import collector, transport
from live.bodylimit import BodyLimit
from live.clustermanager import ClusterManager
from live.codec import OrjsonCodec
from live.headers import SecurityHeaders
from live.host import HostNamespace
from live.http import build_routes, http_error, internal_error, store_error
from live.hub import Hub
from live.meeting import MeetingNamespace
from live.packets import AnsweringPacket
from live.pressure import Pressure
from live.pump import TallyPump
from live.screen import ScreenNamespace
from live.serverinfo import require_supported_async
from live.consent import hasher, stamp_with
from live.identity import identity_provider
from live.sealing import PhoneSeal
from live.tsa import time_stamper
from live.sms import OutboxSender, Sender, webhook
from live.signing import Signer, load_or_create
from live.storeclient import UNAVAILABLE, store_client
from live.settings import Settings, from_env, server_secret
from live.transport import LeanManager, LeanRedisManager
from live.video import VideoNamespace
from live.videojanus import JanusVideoNamespace, janus_grants
from live.voter import VoterNamespace
from rooms.meetings import ItemCount, Meetings
from rooms.gates import Limits, normalise
from rooms.polls import Rooms
from rooms.consent.drive import Drives
from rooms.store import Client, ConsentStore, MeetingStore, Store
from stream import Relay

SHUTDOWN_STEP_S = 5.0
log = logging.getLogger("livevote")
WEB = Path(__file__).resolve().parent.parent / "web"


def page(name: str) -> Any:
    async def endpoint(request: Any) -> FileResponse:
        return FileResponse(WEB / f"{name}.html", headers={"cache-control": "no-cache"})
    return endpoint


def origin(url: str) -> str:
    """scheme://host:port of an absolute URL (the video page connects there);
    empty for a path on this origin."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def cross_worker_manager(settings: Settings, redis: Client) -> Any:
    """How events reach the clients of other workers: sharded pub/sub on a
    cluster (which is for several processes, so always), pub/sub on one Redis
    with several workers, nothing with one."""
    if isinstance(redis, RedisCluster):
        return ClusterManager(redis)
    return LeanRedisManager(settings.redis_url) if settings.cross_worker else LeanManager()


def create_app(settings: Settings | None = None) -> SecurityHeaders:
    settings = settings or from_env()
    if not settings.redis_url:
        raise RuntimeError("REDIS_URL is not set; `live serve` starts a private Redis for you")
    redis = store_client(settings.redis_url, settings.redis_cluster)
    manager = cross_worker_manager(settings, redis)
    # Handlers run inline in each connection's reader (no task per event): a
    # phone's events are answered in order, and nothing here waits for a client.
    sio = socketio.AsyncServer(async_mode="asgi", json=OrjsonCodec, client_manager=manager,
                               ping_interval=settings.ping_s, ping_timeout=settings.ping_s,
                               async_handlers=False, serializer=AnsweringPacket,
                               max_http_buffer_size=64 * 1024)
    transport.install(sio)
    store = Store(redis, settings.replicas_per_vote)
    signer = Signer(load_or_create(settings.data_dir))
    limits = Limits(store, settings.rooms_per_hour, settings.wrong_codes_per_minute,
                    int(settings.code_idle_days * 86_400))
    meeting_store = MeetingStore(redis)
    counting = ItemCount(store, meeting_store)
    rooms = Rooms(store, server_secret(settings), otp_gap_s=settings.otp_gap_s, sign=signer,
                  limits=limits, decorate=counting.freeze_item)
    sms = (webhook(settings.sms_webhook, settings.sms_token, "sms", settings.sms_list)
           if settings.sms_webhook else OutboxSender(rooms))
    messengers: dict[str, Sender] = {"sms": sms}
    if settings.kakao_webhook:
        messengers["kakao"] = webhook(settings.kakao_webhook, settings.kakao_token, "kakao",
                                      settings.kakao_list)
    elif not settings.sms_webhook:  # staff-assisted: both land in the outbox
        messengers["kakao"] = OutboxSender(rooms, "kakao")
    phone_seal = PhoneSeal(server_secret(settings))
    meetings = Meetings(rooms, meeting_store, counting, settings.member_grace_ms,
                        phone_seal.seal)
    drives = Drives(ConsentStore(redis), server_secret(settings), signer,
                    stamp_with(time_stamper(settings)))
    grants = janus_grants(settings)  # None: the built-in relay carries video
    hub = Hub(settings, rooms, sio, meetings, sms, signer, messengers, phone_seal, drives,
              pressure=Pressure(settings.busy_lag_ms, settings.busy_casting))
    manager.heard = hub.heard  # every worker's phone views follow ballot changes
    provider = identity_provider(settings, state_secret=server_secret(settings),
                                 hasher=hasher(server_secret(settings)),
                                 normalise=normalise, once=drives)
    for namespace in (VoterNamespace(hub), ScreenNamespace(hub), HostNamespace(hub),
                      MeetingNamespace(hub)):
        sio.register_namespace(namespace)
    # the relay holds nothing until a room's video starts; Janus holds it all
    video = JanusVideoNamespace(hub, grants) if grants else VideoNamespace(hub, Relay())
    hub.video = video  # a turn's end and a member's removal reach the media path
    sio.register_namespace(video)
    pump = TallyPump(hub)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await require_supported_async(redis)
        collector.tune()
        pump.start()
        hub.pressure.start()
        video.start()
        try:
            yield
        finally:
            started = time.monotonic()
            await asyncio.wait_for(video.close(), SHUTDOWN_STEP_S)
            await asyncio.wait_for(pump.stop(), SHUTDOWN_STEP_S)
            await hub.pressure.stop()
            await hub.settle(SHUTDOWN_STEP_S)
            if isinstance(manager, ClusterManager):
                await asyncio.wait_for(manager.close(), SHUTDOWN_STEP_S)
            await asyncio.wait_for(redis.aclose(), SHUTDOWN_STEP_S)
            log.info("worker %s stopped in %.0f ms", hub.worker,
                     1000 * (time.monotonic() - started))

    routes = build_routes(hub, provider) + [
        Route("/", page("voter")),
        Route("/j/{code}", page("voter")),
        Route("/screen", page("screen")),
        Route("/host", page("host")),
        Route("/verify", page("verify")),
        Route("/meeting", page("meeting")),
        Route("/minutes", page("minutes")),
        Route("/staff", page("staff")),
        Route("/consent", page("consent")),
        Route("/drive", page("drive")),
        Route("/drive-progress", page("drive-progress")),
        Route("/video", page("video")),
        Mount("/static", StaticFiles(directory=WEB), name="static"),
    ]
    handlers: dict[Any, Any] = {HTTPException: http_error, Exception: internal_error}
    handlers.update({kind: store_error for kind in UNAVAILABLE})
    web = Starlette(routes=routes, lifespan=lifespan, exception_handlers=handlers)
    web.state.hub = hub
    return SecurityHeaders(BodyLimit(socketio.ASGIApp(sio, other_asgi_app=web)),
                           settings.frame_ancestors, origin(settings.janus_url) if grants else "")
