"""Inviting members and meeting day at the desk, over the wire: invitations and
reminders by text (SMS or a KakaoTalk-style message), the personal short link
`/m/CODE`, the check-in desk's search and the attendance board."""

from __future__ import annotations

import asyncio
import html
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from live.commands import Command
from live.hub import Hub
from live.sms import SmsUnavailable
from rooms.meetings import desk, spaced
from rooms.polls import payloads, Room
from rooms.errors import LiveVoteError, MeetingError, RateLimited

# Invitations in flight at once are the sender's `at_once`: one text per
# request, 128 (5,000 texts to a gateway that answers in 0.2-1.5 s take about
# 40 s; the sender keeps room beside them for sign-in codes); to a gateway
# that takes lists, enough for all of its requests at once.
NOTE_LIMIT = 200


def invitation(hub: Hub, room: Room, person: dict[str, Any], code: str, note: str,
               reminder: bool) -> str:
    link = f"{hub.settings.base_url}/m/{code}"
    head = "[총회 알림 · 미접속 안내]" if reminder else "[총회 초대]"
    lines = [f"{head} {room.title}", f"{person['name']}님, 본인 확인 후 참석·투표하실 수 있는 "
             f"개인 링크입니다: {link}", f"개인 코드 {spaced(code)} (다른 사람에게 보내지 마세요)"]
    if note:
        lines.append(note)
    lines.append(f"Your personal meeting link: {link} (code {spaced(code)}); keep it private.")
    return "\n".join(lines)


async def invite_send(hub: Hub, room: Room, body: dict[str, Any]) -> Any:
    """Texts each recipient their personal link; each result is recorded per
    person (a failed one can be sent again with `"to": "not_sent"`)."""
    channel = payloads.choice(body, "channel", ("sms", "kakao"), "sms")
    sender = hub.messengers.get(channel)
    if sender is None or hub.phone_seal is None:
        raise MeetingError("channel_unavailable", f"this server has no {channel} sender set up "
                                                  "(LIVE_KAKAO_WEBHOOK); use sms", 409)
    note = payloads.text(body, "note", required=False, limit=NOTE_LIMIT)
    to = body.get("to", "all")
    invites = hub.meetings.invites
    people = await invites.recipients(room.id, to)
    reminder = to == "not_signed_in"
    gate = asyncio.Semaphore(sender.at_once)
    seal = hub.phone_seal

    async def one(person: dict[str, Any]) -> bool:
        record: dict[str, Any] = {"channel": channel, "reminder": reminder}
        number = seal.open(person.get("phone_sealed", ""))
        async with gate:
            try:
                if number is None:
                    raise MeetingError("no_number", "no number kept for this person; "
                                                    "import the roster again")
                code = invites.code(room.id, person["member_no"])
                await sender.send(room.id, number, invitation(hub, room, person, code, note,
                                                              reminder))
                record["ok"] = True
            except (SmsUnavailable, MeetingError) as failed:
                record |= {"ok": False, "error": failed.code}
        record["at"] = time.time_ns() // 1_000_000
        await invites.record(room.id, person["member_no"], record)
        return bool(record["ok"])
    results = await asyncio.gather(*(one(p) for p in people))
    return {"channel": channel, "reminder": reminder, "sent": sum(results),
            "failed": len(results) - sum(results)}


async def invite_list(hub: Hub, room: Room, body: dict[str, Any]) -> Any:
    board = await hub.meetings.invites.board(room.id)
    return {"people": board, "channels": sorted(hub.messengers),
            "signed_in": sum(1 for p in board if p["signed_in_at"]),
            "sent": sum(1 for p in board if p["sent"] and p["sent"].get("ok"))}


async def desk_find(hub: Hub, room: Room, body: dict[str, Any]) -> Any:
    return {"people": await desk.find(hub.meetings.store, room.id, body.get("q"))}


async def attendance_get(hub: Hub, room: Room, body: dict[str, Any]) -> Any:
    return await desk.board(hub.meetings.store, room.id)


async def early_close(hub: Hub, room: Room, body: dict[str, Any]) -> Any:
    return await hub.meetings.close_early(room)


INVITE_COMMANDS: dict[str, Command] = {
    "invite:send": invite_send,
    "invite:list": invite_list,
    "desk:find": desk_find,
    "attendance:get": attendance_get,
    "early:close": early_close,
}

PAGE = """<!doctype html>
<html lang="ko"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>개인 코드 · Personal code · LiveVote</title>
<link rel="stylesheet" href="/static/app.css"></head>
<body class="page-personal"><main class="card narrow personal-code">
<h1>총회 개인 코드 <span lang="en">Personal code</span></h1>
{problem}
<p>초대 문자에 있는 8자리 개인 코드를 입력하세요.<br>
<span lang="en">Type the 8-character code from your invitation text.</span></p>
<form action="/m/go" method="get">
<div class="field"><label for="code">개인 코드 <span lang="en">Code</span></label>
<input id="code" name="code" autocomplete="off" autocapitalize="characters" spellcheck="false"
 maxlength="20" required value="{typed}" data-testid="personal-code"></div>
<button type="submit" class="big primary">열기 <span lang="en">Open</span></button>
</form>
<p class="hint">코드를 모르시면 조합 사무실에 문의하세요.
<span lang="en">No code? Ask the union office.</span></p>
</main></body></html>
"""


def code_page(problem: str = "", typed: str = "", status: int = 200) -> Response:
    shown = f'<p class="error" role="alert">{html.escape(problem)}</p>' if problem else ""
    return HTMLResponse(PAGE.replace("{problem}", shown).replace("{typed}", html.escape(typed)),
                        status, headers={"cache-control": "no-store"})


def personal_routes(hub: Hub, address: Any) -> dict[str, Any]:
    """`/m` (a form), `/m/go?code=` (the form's answer) and `/m/{code}`, which
    sends the member to their personal meeting page."""
    async def form(request: Request) -> Response:
        return code_page()

    async def typed(request: Request) -> Response:
        code = request.query_params.get("code", "")
        return await open_code(request, code)

    async def direct(request: Request) -> Response:
        return await open_code(request, request.path_params["code"])

    async def open_code(request: Request, code: str) -> Response:
        limits = hub.rooms.limits
        try:
            await limits.guess(address(request), wrong=False)
            try:
                room_id, member_no = await hub.meetings.invites.resolve(code)
            except MeetingError:
                await limits.guess(address(request), wrong=True)
                raise
        except RateLimited as refused:
            return code_page("잘못된 코드가 너무 많습니다. 잠시 후 다시 시도하세요. / "
                             f"{refused.message}", code[:20], 429)
        except LiveVoteError:
            return code_page("코드가 맞지 않습니다. 초대 문자의 코드를 다시 확인하세요. / "
                             "This code is not valid; check your invitation text.", code[:20], 404)
        token = hub.meetings.invite(room_id, member_no)
        return RedirectResponse(f"/meeting#invite={token}", 303,
                                headers={"cache-control": "no-store"})
    return {"form": form, "typed": typed, "direct": direct}
