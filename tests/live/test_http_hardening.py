"""HTTP as an attacker meets it: bodies over the limit are refused while they
stream in (with or without Content-Length), and every response carries the
security headers, with the location, camera and microphone allowed only on
the pages that use them."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from tests.support import Host, LiveServer

PAGES = ["/", "/j/123456", "/host", "/screen", "/verify", "/meeting", "/minutes", "/video",
         "/static/video.html", "/static/host.html", "/static/voter.html"]


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


async def post_big(url: str, declared: bool) -> tuple[int, bytes, int]:
    """Stream a 100 MB POST over a raw socket (as an attacker would: no waiting
    for the answer) while reading; (status, body, MB sent before the answer)."""
    host, port = url.rsplit("/", 1)[1].split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    total, block = 100 * (1 << 20), b"x" * (1 << 20)
    length = f"content-length: {total}" if declared else "transfer-encoding: chunked"
    writer.write(f"POST /api/rooms HTTP/1.1\r\nhost: {host}\r\n"
                 f"content-type: application/json\r\n{length}\r\n\r\n".encode())
    answer = asyncio.ensure_future(read_answer(reader))
    sent = 0
    try:
        while sent < total and not answer.done():
            writer.write(block if declared else b"%x\r\n%s\r\n" % (len(block), block))
            await writer.drain()
            sent += len(block)
            await asyncio.sleep(0.005)  # a fast client, but one the answer can overtake
    except (ConnectionError, OSError):
        pass  # the server closed the connection after answering
    status, body = await asyncio.wait_for(answer, 10)
    writer.close()
    return status, body, sent >> 20


async def read_answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """The status and the whole body (its Content-Length): the head and the body
    may come in separate reads."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length:"))
    return int(head.split(b" ", 2)[1]), await reader.readexactly(length)


async def test_a_hundred_megabyte_body_is_refused_while_it_streams_in(live: LiveServer) -> None:
    pid = live.proc.pid
    before = rss_kb(pid)
    declared = await post_big(live.url, declared=True)
    chunked = await post_big(live.url, declared=False)
    grown_mb = (rss_kb(pid) - before) / 1024

    for status, body, sent_mb in (declared, chunked):
        assert status == 413 and b'"body_too_large"' in body, (status, body)
        assert sent_mb < 90, f"the answer came only after {sent_mb} MB were sent"
    assert grown_mb < 16, f"the server grew by {grown_mb:.0f} MB reading a refused body"
    small = httpx.post(f"{live.url}/api/rooms", json={"title": "still fine"})
    assert small.status_code == 201


async def test_every_response_carries_the_security_headers(live: LiveServer,
                                                           host: Host) -> None:
    paths = PAGES + ["/static/app.css", f"/api/rooms/{host.room['id']}/qr.svg",
                     "/healthz", "/api/nope", "/socket.io/?EIO=4&transport=polling"]
    async with httpx.AsyncClient(base_url=live.url) as client:
        answers = {p: await client.get(p) for p in paths}
        answers["POST /api/rooms"] = await client.post("/api/rooms", json={"title": "t"})
    for path, r in answers.items():
        csp = r.headers.get("content-security-policy", "")
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp, (path, csp)
        assert "frame-ancestors 'none'" in csp and r.headers["x-frame-options"] == "DENY", path
        assert r.headers["referrer-policy"] == "no-referrer", path
        assert r.headers["x-content-type-options"] == "nosniff", path
        policy = r.headers["permissions-policy"]
        location = "geolocation=(self)" in policy
        media = "camera=(self)" in policy and "microphone=(self)" in policy
        assert location == (path in ("/", "/j/123456", "/host", "/static/host.html",
                                     "/static/voter.html")), (path, policy)
        assert media == (path in ("/video", "/static/video.html", "/meeting",
                                  "/static/meeting.html")), (path, policy)
        if not location:
            assert "geolocation=()" in policy, (path, policy)
