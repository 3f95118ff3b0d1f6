"""A gateway that takes a list of texts per request (`LIVE_SMS_LIST`): a
meeting's invitations go out a list at a time, codes asked at the same moment
share a request, each text's own answer counts (sent, refused and sent once
more, or maybe sent and not again); and a code the gateway could not send does
not cost the member the wait between codes, with either kind of gateway."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

from aiohttp import web

from tests.live.test_invitations_at_scale import meeting
from tests.support import Host, LiveServer, call, stand_in, voter

MEMBERS = 40
MOST = 16


async def invite_everyone(host: Host) -> tuple[dict[str, Any], dict[str, Any]]:
    """`invite:send` to all: its answer, and what each member's record says."""
    sent = (await host.post("/invites", {"to": "all"})).json()["data"]
    board = {p["member_no"]: p["sent"] for p in
             (await host.get("/invites")).json()["data"]["people"]}
    return sent, board


async def test_invitations_go_a_list_at_a_time_and_each_text_has_its_answer(
        redis_url: str, redis_client: Any, tmp_path: Path) -> None:
    requests: list[list[dict[str, Any]]] = []
    tries: dict[str, int] = {}

    async def gateway(request: web.Request) -> web.Response:
        """Per text: M3's number refused once (may be sent again), M5's refused
        for good, M7's left out of the answer; the rest taken."""
        assert request.headers.get("authorization") == "Bearer list-token"
        body = await request.json()
        requests.append(body["messages"])
        results = []
        for m in body["messages"]:
            tries[m["to"]] = tries.get(m["to"], 0) + 1
            if m["to"].endswith("0003") and tries[m["to"]] == 1:
                results.append({"id": m["id"], "ok": False, "error": "busy", "retry": True})
            elif m["to"].endswith("0005"):
                results.append({"id": m["id"], "ok": False, "error": "blocked number"})
            elif not m["to"].endswith("0007"):
                results.append({"id": m["id"], "ok": True})
        return web.json_response({"results": results})

    async with meeting(gateway, redis_url, tmp_path, MEMBERS, env={
            "LIVE_SMS_TOKEN": "list-token", "LIVE_SMS_LIST": str(MOST)}) as host:
        sent, board = await invite_everyone(host)

    assert (sent["sent"], sent["failed"]) == (MEMBERS - 2, 2)  # M5 refused, M7 unanswered
    assert all(len(r) <= MOST for r in requests)
    assert len(requests) < MEMBERS // 2  # lists, not a text per request
    texts = [m for r in requests for m in r]
    assert tries["+821050030003"] == 2  # refused with retry: once more
    assert tries["+821050050005"] == 1 and tries["+821050070007"] == 1  # never again
    assert len(texts) == MEMBERS + 1
    for m in texts:
        i = int(m["to"][-4:])
        assert f"Member {i}님" in m["text"] and re.search(r"/m/[2-9A-Z]{8}", m["text"])
    assert board["M5"] == board["M5"] | {"ok": False, "error": "sms_unavailable"}
    assert not board["M7"]["ok"] and board["M3"]["ok"] and board["M1"]["ok"]


async def test_codes_asked_together_share_a_request(redis_url: str, redis_client: Any,
                                                    tmp_path: Path) -> None:
    requests: list[list[dict[str, Any]]] = []
    all_asked = asyncio.Event()

    async def gateway(request: web.Request) -> web.Response:
        """Answers once every phone's code is here (a carrier busy for a moment)."""
        messages = (await request.json())["messages"]
        requests.append(messages)
        if sum(map(len, requests)) == 12:
            all_asked.set()
        await asyncio.wait_for(all_asked.wait(), 10)
        return web.json_response({"results": [{"id": m["id"], "ok": True} for m in messages]})

    async with stand_in({"/sms": gateway}) as url:
        server = LiveServer(tmp_path / "data", redis_url=redis_url, env={
            "LIVE_SMS_WEBHOOK": f"{url}/sms", "LIVE_SMS_LIST": "100"})
        host = Host(server.url)
        phones: list[Any] = []
        try:
            await host.create_room(title="현장 투표")
            await host.http.put(f"/api/rooms/{host.room['id']}/gates", json={"phone": True})
            phones = [(await voter(server.url, code=host.room["code"]))[0] for _ in range(12)]
            asks = await asyncio.gather(*(call(p, "otp:send", {"phone": f"010-7000-{i:04d}"})
                                          for i, p in enumerate(phones)))
            assert all(a["ok"] for a in asks), asks
            texts = {m["to"]: m["text"] for r in requests for m in r}
            admitted = await asyncio.gather(*(
                call(p, "gate:admit", {"phone": f"010-7000-{i:04d}", "otp": re.search(
                    r"인증번호 (\d{6})", texts[f"+82107000{i:04d}"]).group(1)})
                for i, p in enumerate(phones)))
            assert all(a["ok"] and "phone" in a["data"]["passed"] for a in admitted), admitted
            assert len(requests) < len(phones) / 2, [len(r) for r in requests]
        finally:
            for p in phones:
                await p.disconnect()
            await host.aclose()
            server.stop()


async def refusing(redis_url: str, tmp_path: Path, listed: bool) -> None:
    """A gateway that refuses every text until told otherwise (HTTP 503, or a
    refusal per text that may be retried): the member, told `sms_unavailable`,
    asks again at once and as often as the gateway fails, and gets the code
    the moment the gateway takes texts again."""
    taking = {"now": False}
    got: list[str] = []
    refused: list[str] = []

    async def gateway(request: web.Request) -> web.Response:
        body = await request.json()
        refused.extend(m["text"] for m in body.get("messages", [body]) if not taking["now"])
        if listed:
            got.extend(m["text"] for m in body["messages"] if taking["now"])
            return web.json_response({"results": [
                {"id": m["id"], "ok": taking["now"], "retry": True} for m in body["messages"]]})
        if taking["now"]:
            got.append(body["text"])
        return web.json_response({}, status=200 if taking["now"] else 503)

    env = {"LIVE_SMS_LIST": "50"} if listed else {}
    async with stand_in({"/sms": gateway}) as url:
        server = LiveServer(tmp_path / "data", redis_url=redis_url,
                            env=env | {"LIVE_SMS_WEBHOOK": f"{url}/sms"})
        host = Host(server.url)
        phone = None
        try:
            await host.create_room(title="현장 투표")
            await host.http.put(f"/api/rooms/{host.room['id']}/gates", json={"phone": True})
            phone, _ = await voter(server.url, code=host.room["code"])
            for _ in range(5):  # more than the 3 codes per 10 minutes
                failed = await call(phone, "otp:send", {"phone": "010-2222-3333"})
                assert failed["error"]["code"] == "sms_unavailable", failed
            never_told = re.search(r"인증번호 (\d{6})", refused[-1])
            assert never_told is not None
            dropped = await call(phone, "gate:admit", {"phone": "010-2222-3333",
                                                       "otp": never_told.group(1)})
            assert dropped["error"]["code"] == "otp_expired", dropped  # the unsent code is gone
            taking["now"] = True
            sent = await call(phone, "otp:send", {"phone": "010-2222-3333"})
            assert sent["ok"], sent
            assert len(got) == 1  # the ack waits for the gateway's answer
            code = re.search(r"인증번호 (\d{6})", got[0])
            assert code is not None
            admitted = await call(phone, "gate:admit", {"phone": "010-2222-3333",
                                                        "otp": code.group(1)})
            assert admitted["ok"] and "phone" in admitted["data"]["passed"], admitted
            again = await call(phone, "otp:send", {"phone": "010-2222-3333"})
            assert again["error"]["code"] == "rate_limited"  # a code that went out still counts
        finally:
            if phone is not None:
                await phone.disconnect()
            await host.aclose()
            server.stop()


async def test_a_code_a_gateway_refused_costs_no_wait(redis_url: str, redis_client: Any,
                                                      tmp_path: Path) -> None:
    await refusing(redis_url, tmp_path, listed=False)


async def test_a_code_a_list_gateway_refused_costs_no_wait(redis_url: str, redis_client: Any,
                                                           tmp_path: Path) -> None:
    await refusing(redis_url, tmp_path, listed=True)


async def test_an_answer_that_cannot_be_read_fails_its_texts_without_sending_again(
        redis_url: str, redis_client: Any, tmp_path: Path) -> None:
    requests: list[int] = []
    answers = iter([b"<html>gateway error page</html>", b'{"results": "none"}',
                    b'{"results": [7, {"id": "0"}]}'])

    async def gateway(request: web.Request) -> web.Response:
        """A 200 whose body is not the list's results: the texts may have gone."""
        requests.append(len((await request.json())["messages"]))
        return web.Response(body=next(answers), content_type="application/json")

    async with meeting(gateway, redis_url, tmp_path, 1, env={"LIVE_SMS_LIST": "10"}) as host:
        for _ in range(3):
            sent = (await host.post("/invites", {"to": "all"})).json()
            assert sent["ok"] and (sent["data"]["sent"], sent["data"]["failed"]) == (0, 1)
    assert requests == [1, 1, 1]  # each once: never sent again on its own
    log, = tmp_path.glob("server-*.log")
    assert "5001" not in log.read_text()  # M1's number


async def test_one_text_the_gateway_will_not_take_fails_alone(
        redis_url: str, redis_client: Any, tmp_path: Path) -> None:
    requests: list[int] = []

    async def gateway(request: web.Request) -> web.Response:
        """Refuses a whole list (400) that holds M7's number, as some do."""
        messages = (await request.json())["messages"]
        requests.append(len(messages))
        if any(m["to"].endswith("0007") for m in messages):
            return web.json_response({"error": "invalid recipient"}, status=400)
        return web.json_response({"results": [{"id": m["id"], "ok": True} for m in messages]})

    async with meeting(gateway, redis_url, tmp_path, MEMBERS,
                       env={"LIVE_SMS_LIST": "64"}) as host:
        sent, board = await invite_everyone(host)

    assert (sent["sent"], sent["failed"]) == (MEMBERS - 1, 1)
    assert not board["M7"]["ok"] and all(board[f"M{i}"]["ok"] for i in range(1, 7))
    assert len(requests) <= 2 * MEMBERS.bit_length() + 1  # halved down to M7, not one by one
