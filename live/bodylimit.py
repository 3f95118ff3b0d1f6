"""Request bodies over the limit are refused while they stream in, before the
application sees them: a Content-Length over the limit is answered at once, and
a body without one (chunked) is counted as it arrives and cut off when it
passes the limit. Nothing larger than the limit is ever held in memory: after
the answer, uvicorn reads the rest of the body and drops it (closing the
connection at once instead would reset it, and a reset can reach the client
before it has read the answer)."""

from __future__ import annotations

import orjson

from live.headers import ASGIApp, Message, Receive, Scope, Send

MAX_BODY = 64 * 1024             # JSON bodies and Socket.IO long-polling
MAX_CSV = 8 * 1024 * 1024        # a roster as CSV text or an .xlsx workbook
FILE_TYPES = (b"text/csv", b"application/vnd.openxmlformats-officedocument.spreadsheetml")
WITH_BODY = {"POST", "PUT", "PATCH", "DELETE"}


def limit_for(scope: Scope) -> int:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            return MAX_CSV if value.lower().startswith(FILE_TYPES) else MAX_BODY
    return MAX_BODY


def declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class BodyLimit:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in WITH_BODY:
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope)
        declared = declared_length(scope)
        if declared is not None and declared > limit:
            await too_large(send, limit)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away while sending
            body = message.get("body", b"")
            size += len(body)
            if size > limit:
                await too_large(send, limit)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        whole = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": whole, "more_body": False}
            return await receive()  # after the body: wait for a disconnect, as usual

        await self.app(scope, replay, send)


async def too_large(send: Send, limit: int) -> None:
    body = orjson.dumps({"ok": False, "error": {
        "code": "body_too_large",
        "message": f"the request body must be at most {limit} bytes / "
                   f"요청 본문은 {limit}바이트 이하여야 합니다"}})
    await send({"type": "http.response.start", "status": 413, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
