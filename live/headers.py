"""Security headers on every HTTP response (pages, API, static files, Socket.IO's
long-polling), as one ASGI middleware around the whole application.

- Content-Security-Policy: scripts, styles and connections from this origin
  only (no inline script anywhere in web/; the video page and the member's
  meeting page may also reach the Janus of LIVE_VIDEO=janus), no plugins, no <base> tricks;
  `frame-ancestors 'none'` except that the presenter screen may be embedded by
  the origins an operator lists in LIVE_FRAME_ANCESTORS.
- Referrer-Policy: no-referrer (join links and fragments carry room keys).
- X-Content-Type-Options: nosniff.
- Permissions-Policy: the location only on the pages that use it (the phone's
  page for the GPS fence, the host console to set the venue), the camera and
  microphone only on the video page and the member's meeting page (a member
  given the floor speaks from it); nothing elsewhere.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; "
       "img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; "
       "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors {ancestors}")
NOTHING = "geolocation=(), camera=(), microphone=(), payment=(), usb=()"
LOCATION = "geolocation=(self), camera=(), microphone=(), payment=(), usb=()"
MEDIA = "geolocation=(), camera=(self), microphone=(self), payment=(), usb=()"
MEDIA_PAGES = ("video", "meeting")  # pages that open the camera or microphone


def page_of(path: str) -> str:
    """The page a path serves: its route (/, /j/CODE, /host, ...) or its file under
    /static (/static/host.html)."""
    if path == "/" or path.startswith("/j/"):
        return "voter"
    if path.startswith("/static/") and path.endswith(".html"):
        return path[len("/static/"):-len(".html")]
    return path.strip("/")


def permissions_for(path: str) -> str:
    page = page_of(path)
    if page in ("voter", "host"):
        return LOCATION
    if page in MEDIA_PAGES:
        return MEDIA
    return NOTHING


class SecurityHeaders:
    def __init__(self, app: ASGIApp, frame_ancestors: str = "", media_server: str = "") -> None:
        self.app = app
        self.screen_ancestors = frame_ancestors.strip() or "'none'"
        self.media_server = media_server.strip()  # the video page talks to Janus there

    def csp_for(self, page: str) -> str:
        ancestors = self.screen_ancestors if page == "screen" else "'none'"
        csp = CSP.format(ancestors=ancestors)
        if page in MEDIA_PAGES and self.media_server:
            csp = csp.replace("connect-src 'self'", f"connect-src 'self' {self.media_server}")
        return csp

    def headers_for(self, path: str) -> list[tuple[bytes, bytes]]:
        ancestors = self.screen_ancestors if page_of(path) == "screen" else "'none'"
        found = [(b"content-security-policy", self.csp_for(page_of(path)).encode()),
                 (b"referrer-policy", b"no-referrer"),
                 (b"x-content-type-options", b"nosniff"),
                 (b"permissions-policy", permissions_for(path).encode())]
        if ancestors == "'none'":
            found.append((b"x-frame-options", b"DENY"))  # browsers without CSP 2
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self.headers_for(scope.get("path", ""))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                message = dict(message, headers=list(message.get("headers", [])) + [
                    (name, value) for name, value in extra if name not in names])
            await send(message)

        await self.app(scope, receive, send_with_headers)
