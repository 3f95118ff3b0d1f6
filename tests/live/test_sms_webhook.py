"""A real SMS gateway is reached through the webhook sender."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web

from tests.support import Host, LiveServer, call, free_port, voter


async def test_codes_go_to_the_sms_gateway_webhook(redis_url: str, redis_client: Any,
                                                   tmp_path: Path) -> None:
    received: list[dict[str, Any]] = []
    status = {"code": 200}

    async def gateway(request: web.Request) -> web.Response:
        received.append({"auth": request.headers.get("authorization"),
                         "body": await request.json()})
        return web.json_response({}, status=status["code"])

    app = web.Application()
    app.router.add_post("/sms", gateway)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    server = LiveServer(tmp_path / "data", redis_url=redis_url, env={
        "LIVE_SMS_WEBHOOK": f"http://127.0.0.1:{port}/sms", "LIVE_SMS_TOKEN": "gw-token"})
    host = Host(server.url)
    try:
        await host.create_room(title="총회")
        await host.http.put(f"/api/rooms/{host.room['id']}/gates", json={"phone": True})
        phone, _ = await voter(server.url, code=host.room["code"])

        sent = await call(phone, "otp:send", {"phone": "010-2222-3333"})
        status["code"] = 500
        failed = await call(phone, "otp:send", {"phone": "010-4444-5555"})

        assert sent["ok"] and received[0]["body"]["to"] == "+821022223333"
        assert received[0]["auth"] == "Bearer gw-token"
        assert "총회" in received[0]["body"]["text"]
        assert failed["error"]["code"] == "sms_unavailable"
        assert (await host.get("/outbox")).json()["data"] == []
        log = (tmp_path / f"server-{server.port}.log").read_text()
        assert "2222" not in log and "gw-token" not in log
        await phone.disconnect()
    finally:
        await host.aclose()
        server.stop()
        await runner.cleanup()
