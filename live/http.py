"""The host JSON API and the public result and QR routes."""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import asdict
from typing import Any, Awaitable, Callable

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from live import exports, qr, transport
from live.bodylimit import MAX_BODY, MAX_CSV
from live import meeting
from live.commands import COMMANDS
from live.consent import DRIVE_COMMANDS, OwnerSteps, public_progress
from live.consentevidence import endpoints as drive_evidence
from live.identity import IdentityProvider
from live.invites import personal_routes
from live.rosterfile import XLSX_TYPE, xlsx_to_csv
from live.hub import Hub, now_ms
from rooms.errors import (BadPayload, BadRequest, LiveVoteError, MethodNotAllowed, NotFound,
                          NotHost, OperatorRequired, ResultNotReady, StoreUnavailable)
from rooms.polls import Ballot, Kind, Visibility
from rooms.meetings import AGENDA_TYPES

log = logging.getLogger("livevote.http")


def json_response(data: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(data), status_code=status, media_type="application/json")


def error_response(error: LiveVoteError) -> Response:
    return json_response({"ok": False, "error": error.as_dict()}, error.status)


async def read_json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    kind = request.headers.get("content-type", "")
    limit = MAX_CSV if kind.startswith(("text/csv", XLSX_TYPE)) else MAX_BODY
    if len(raw) > limit:
        raise BadPayload("body", f"must be at most {limit} bytes")
    if not raw:
        return {}
    if kind.startswith(XLSX_TYPE):
        return {"csv": await asyncio.to_thread(xlsx_to_csv, raw)}
    if limit == MAX_CSV:
        try:
            return {"csv": raw.decode("utf-8-sig")}
        except UnicodeDecodeError:
            raise BadPayload("csv", "must be UTF-8 text (save the sheet as CSV UTF-8)") from None
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadPayload("body", f"is not valid JSON ({exc.msg})") from None
    if not isinstance(body, dict):
        raise BadPayload("body", "must be a JSON object")
    return body


def client_address(request: Request) -> str:
    """The TCP peer, or the X-Forwarded-For address when uvicorn was told the peer
    is a trusted proxy (LIVE_TRUSTED_PROXIES)."""
    return request.client.host if request.client else "?"


def host_key(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.headers.get("x-host-key")


ALL_COMMANDS = COMMANDS | meeting.MEETING_COMMANDS | DRIVE_COMMANDS
Endpoint = Callable[[Request], Awaitable[Response]]


def answered(endpoint: Endpoint) -> Endpoint:
    """Refusals become their status and envelope; nothing else is caught here."""
    async def run(request: Request) -> Response:
        try:
            return await endpoint(request)
        except LiveVoteError as error:
            return error_response(error)
    return run


def build_routes(hub: Hub, provider: IdentityProvider | None = None) -> list[Route]:
    @answered
    async def create_room(request: Request) -> Response:
        body = await read_json(request)
        operator = hub.settings.operator_token
        if operator:  # only the operator creates rooms, without a per-address limit
            given = body.get("operator_token")
            if not (isinstance(given, str) and secrets.compare_digest(
                    given.encode(), operator.encode())):
                raise OperatorRequired()
            room, key = await hub.rooms.create_room(body, now_ms())
        else:
            room, key = await hub.rooms.create_room(body, now_ms(), client_address(request))
        return json_response({"ok": True, "data": {"room": room.public(), "host_key": key,
                                                   "links": hub.links(room.id, room.code)}},
                             201)

    def command(name: str, status: int = 200) -> Endpoint:
        @answered
        async def endpoint(request: Request) -> Response:
            body = await read_json(request) if request.method in ("POST", "PUT") \
                else dict(request.query_params)
            if "ballot_id" in request.path_params:
                body["ballot"] = request.path_params["ballot_id"]
            room = await hub.rooms.as_host(request.path_params["room_id"], host_key(request))
            data = await ALL_COMMANDS[name](hub, room, body)
            return json_response({"ok": True, "data": data}, status)
        return endpoint

    @answered
    async def join_lookup(request: Request) -> Response:
        joined = await hub.rooms.limits.room_by_code(request.path_params["code"],
                                                     client_address(request))
        room = await hub.rooms.room(joined)
        return json_response({"ok": True, "data": {"room": room.public()}})

    @answered
    async def join_qr(request: Request) -> Response:
        room = await hub.rooms.room(request.path_params["room_id"])
        url = hub.links(room.id, room.code)["join_url"]
        token = request.query_params.get("t")
        if token:
            # Only draws tokens this server issued for this room and still accepts.
            hub.rooms.admission.check_qr(room.id, token, now_ms() / 1000)
            url = f"{url}?t={token}"
        return Response(qr.svg(url), media_type="image/svg+xml",
                        headers={"cache-control": "private, max-age=10" if token
                                 else "public, max-age=300"})

    async def public_ballot(request: Request) -> Any:
        room = await hub.rooms.room(request.path_params["room_id"])
        ballot = await hub.rooms.ballot_in(room, request.path_params["ballot_id"])
        if ballot.visibility is Visibility.NEVER:
            await hub.rooms.as_host(room.id, host_key(request))
        return ballot

    @answered
    async def result(request: Request) -> Response:
        fmt = request.path_params.get("fmt", "json")
        exports.check_format(fmt, also=("json",))
        ballot = await public_ballot(request)
        stored = await hub.rooms.result(ballot.id)
        if stored is None:
            raise ResultNotReady(ballot.id)
        if fmt != "json":
            return await exports.result_file(stored, fmt, hub.settings.zone, now_ms(),
                                             await shown_answers(request, ballot))
        return json_response({"ok": True, "data": stored})

    async def shown_answers(request: Request, ballot: Ballot) -> list[dict[str, Any]]:
        """An open-text question's answers (a board's questions) in its result
        file: the host's has every one with its state, anyone else's only the
        approved ones."""
        if ballot.kind not in (Kind.TEXT, Kind.QA):
            return []
        given = await hub.rooms.answers(ballot)
        try:
            await hub.rooms.as_host(ballot.room_id, host_key(request))
            return given
        except NotHost:
            return [a for a in given if a["state"] == "approved"]

    @answered
    async def signed_bundle(request: Request) -> Response:
        ballot = await public_ballot(request)
        signed = await hub.ensure_signed(ballot.id)
        raw = await hub.rooms.bundle(ballot.id) if signed else None
        if raw is None:
            raise ResultNotReady(ballot.id)
        return Response(raw.encode(), media_type="application/json", headers={
            "content-disposition": f'inline; filename="bundle-{ballot.id}.json"'})

    @answered
    async def trackers(request: Request) -> Response:
        ballot = await public_ballot(request)
        if not await hub.ensure_signed(ballot.id):
            raise ResultNotReady(ballot.id)
        counted = await hub.rooms.counted(ballot.id)
        return json_response({"ok": True, "data": {
            "ballot": ballot.id, "trackers": sorted(c["t"] for c in counted)}})

    @answered
    async def head(request: Request) -> Response:
        room = await hub.rooms.room(request.path_params["room_id"])
        ballot = await hub.rooms.ballot_in(room, request.path_params["ballot_id"])
        height = await hub.rooms.closer.sync_chain(ballot.id)
        _, tip = await hub.rooms.chain_tip(ballot.id)
        return json_response({"ok": True, "data": {"ballot": ballot.id, "height": height - 1,
                                                   "hash": tip}})

    async def agenda_types(request: Request) -> Response:
        """Each agenda type and the rule that follows from it, for staff pages."""
        return json_response({"ok": True, "data": {
            name: {k: v for k, v in asdict(rule).items() if k != "overridden"} | {"agenda": name}
            for name, rule in AGENDA_TYPES.items()}})

    async def keys(request: Request) -> Response:
        return json_response({"ok": True, "data": {"ed25519": hub.signer.public_key}})

    @answered
    async def minutes_export(request: Request) -> Response:
        fmt = request.path_params["fmt"]
        exports.check_format(fmt)
        room = await hub.rooms.as_host(request.path_params["room_id"], host_key(request))
        return await exports.minutes_file(await meeting.minutes(hub, room, {}), fmt,
                                          request.query_params.get("lang", "ko"),
                                          hub.settings.zone, now_ms())

    async def health(request: Request) -> Response:
        await hub.rooms.ping()
        return json_response({"ok": True, "data": {
            "worker": hub.worker, "transport": "lean" if transport.STATE["lean"] else "stock"}})

    async def metrics(request: Request) -> Response:
        """This worker's gauges, in the Prometheus text format."""
        lean = 1 if transport.STATE["lean"] else 0
        text = ("# HELP livevote_lean_transport 1 if this worker runs the lean WebSocket "
                "loops, 0 if it fell back to python-engineio's own\n"
                "# TYPE livevote_lean_transport gauge\n"
                f'livevote_lean_transport{{worker="{hub.worker}"}} {lean}\n'
                "# HELP livevote_votes_busy_total votes answered busy (this worker was behind)\n"
                "# TYPE livevote_votes_busy_total counter\n"
                + "".join(f'livevote_votes_busy_total{{worker="{hub.worker}",why="{why}"}} '
                          f'{hub.pressure.refused[why]}\n' for why in ("lag", "casting")) +
                "# HELP livevote_loop_lag_ms how late this worker's event loop ran "
                "(the least of its last ticks)\n"
                "# TYPE livevote_loop_lag_ms gauge\n"
                f'livevote_loop_lag_ms{{worker="{hub.worker}"}} {hub.pressure.lag_ms:.1f}\n')
        return Response(text, media_type="text/plain; version=0.0.4; charset=utf-8")

    personal = personal_routes(hub, client_address)
    owner = OwnerSteps(hub, read_json, client_address, provider)

    def owner_step(step: Callable[[Request], Awaitable[Any]]) -> Endpoint:
        @answered
        async def endpoint(request: Request) -> Response:
            answer = await step(request)
            if isinstance(answer, Response):
                return answer
            return json_response({"ok": True, "data": answer})
        return endpoint

    @answered
    async def drive_public(request: Request) -> Response:
        return json_response({"ok": True, "data": await public_progress(
            hub, request.path_params["room_id"])})

    async def provider_start(request: Request) -> Response:
        return owner.provider_start(request)
    evidence = drive_evidence(hub, host_key)
    ballot = "/api/rooms/{room_id}/ballots/{ballot_id}"
    return [
        Route("/api/consent/open", owner_step(owner.open), methods=["POST"]),
        Route("/api/consent/otp", owner_step(owner.otp), methods=["POST"]),
        Route("/api/consent/verify", owner_step(owner.verify), methods=["POST"]),
        Route("/api/consent/sign", owner_step(owner.sign), methods=["POST"]),
        Route("/api/consent/idv/start", owner_step(provider_start)),
        Route("/api/consent/idv/callback", owner_step(owner.provider_back)),
        Route("/api/drives/{room_id}/progress", drive_public),
        Route("/api/rooms/{room_id}/drive", command("drive:get")),
        Route("/api/rooms/{room_id}/drive", command("drive:setup"), methods=["POST", "PUT"]),
        Route("/api/rooms/{room_id}/drive/open", command("drive:open"), methods=["POST"]),
        Route("/api/rooms/{room_id}/drive/progress", command("drive:progress")),
        Route("/api/rooms/{room_id}/drive/send", command("drive:send"), methods=["POST"]),
        Route("/api/rooms/{room_id}/drive/bundle", answered(evidence["bundle"])),
        Route("/api/rooms/{room_id}/drive/export.{fmt}", answered(evidence["export"])),
        Route("/api/rooms/{room_id}/owners", command("owners:import"), methods=["POST"]),
        Route("/api/rooms/{room_id}/owners", command("owners:get")),
        Route("/api/rooms/{room_id}/speak", command("speak:list")),
        Route("/api/rooms/{room_id}/speak/grant", command("speak:grant"), methods=["POST"]),
        Route("/api/rooms/{room_id}/speak/decline", command("speak:decline"), methods=["POST"]),
        Route("/api/rooms/{room_id}/speak/end", command("speak:end"), methods=["POST"]),
        Route("/api/rooms/{room_id}/adjourn", command("meeting:adjourn"), methods=["POST"]),
        Route("/m", personal["form"]),
        Route("/m/go", personal["typed"]),
        Route("/m/{code}", personal["direct"]),
        Route("/api/rooms/{room_id}/invites", command("invite:list")),
        Route("/api/rooms/{room_id}/invites", command("invite:send"), methods=["POST"]),
        Route("/api/rooms/{room_id}/desk", command("desk:find")),
        Route("/api/rooms/{room_id}/attendance", command("attendance:get")),
        Route("/api/rooms/{room_id}/early/close", command("early:close"), methods=["POST"]),
        Route("/healthz", health),
        Route("/metrics", metrics),
        Route("/api/keys", keys),
        Route("/api/agenda-types", agenda_types),
        Route("/api/rooms", create_room, methods=["POST"]),
        Route("/api/join/{code}", join_lookup),
        Route("/api/rooms/{room_id}", command("room:get")),
        Route("/api/rooms/{room_id}/qr.svg", join_qr),
        Route("/api/rooms/{room_id}/qr", command("qr:get")),
        Route("/api/rooms/{room_id}/gates", command("gates:get")),
        Route("/api/rooms/{room_id}/gates", command("gates:set"), methods=["PUT", "POST"]),
        Route("/api/rooms/{room_id}/outbox", command("outbox:get")),
        Route("/api/rooms/{room_id}/limits/reset", command("limits:reset"), methods=["POST"]),
        Route("/api/rooms/{room_id}/screen", command("screen:show"), methods=["POST"]),
        Route("/api/rooms/{room_id}/ballots", command("ballot:create", 201), methods=["POST"]),
        Route(f"{ballot}/open", command("ballot:open"), methods=["POST"]),
        Route(f"{ballot}/close", command("ballot:close"), methods=["POST"]),
        Route(f"{ballot}/countdown", command("ballot:countdown"), methods=["POST"]),
        Route(f"{ballot}/reset", command("ballot:reset"), methods=["POST"]),
        Route(f"{ballot}/tally", command("tally:get")),
        Route(f"{ballot}/answers", command("answers:list")),
        Route(f"{ballot}/moderate", command("answer:moderate"), methods=["POST"]),
        Route("/api/rooms/{room_id}/roster", command("roster:import"), methods=["POST"]),
        Route("/api/rooms/{room_id}/roster", command("roster:get")),
        Route("/api/rooms/{room_id}/record-date", command("meeting:record_date"),
              methods=["POST"]),
        Route("/api/rooms/{room_id}/proxies", command("proxy:register"), methods=["POST"]),
        Route("/api/rooms/{room_id}/attendance", command("attendance:mark"), methods=["POST"]),
        Route("/api/rooms/{room_id}/written", command("written:enter"), methods=["POST"]),
        Route("/api/rooms/{room_id}/withdraw", command("ballot:withdraw"), methods=["POST"]),
        Route("/api/rooms/{room_id}/paper", command("paper:enter"), methods=["POST"]),
        Route("/api/rooms/{room_id}/representative", command("representative:name"),
              methods=["POST"]),
        Route("/api/rooms/{room_id}/written-cutoff", command("written:cutoff"),
              methods=["POST"]),
        Route("/api/rooms/{room_id}/early", command("early:open"), methods=["POST"]),
        Route("/api/rooms/{room_id}/minutes", command("minutes:get")),
        Route("/api/rooms/{room_id}/minutes.{fmt}", minutes_export),
        Route(f"{ballot}/live", command("item:live"), methods=["POST"]),
        Route(f"{ballot}/quorum", command("item:quorum")),
        Route(f"{ballot}/runoff", command("item:runoff", 201), methods=["POST"]),
        Route(f"{ballot}/result", result),
        Route(f"{ballot}/bundle", signed_bundle),
        Route(f"{ballot}/trackers", trackers),
        Route(f"{ballot}/head", head),
        Route(f"{ballot}/result.{{fmt}}", result),
    ]


async def http_error(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 500)
    named = {404: NotFound, 405: MethodNotAllowed}.get(status, BadRequest)
    error = named(str(getattr(exc, "detail", "request refused")))
    return json_response({"ok": False, "error": error.as_dict()}, status)


async def store_error(request: Request, exc: Exception) -> Response:
    log.warning("request %s %s: Redis not answering (%s)", request.method, request.url.path,
                type(exc).__name__)
    return error_response(StoreUnavailable())


async def internal_error(request: Request, exc: Exception) -> Response:
    log.exception("request %s %s failed", request.method, request.url.path)
    return error_response(LiveVoteError("something went wrong on the server; please retry"))
