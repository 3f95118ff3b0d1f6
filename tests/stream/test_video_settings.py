"""The video settings: which media path, the Janus it uses, and the STUN/TURN
servers every browser gets; the video page may reach that Janus and no other."""

from __future__ import annotations

import pytest

from live.headers import SecurityHeaders
from live.settings import from_env

JANUS = {"LIVE_VIDEO": "janus", "LIVE_JANUS_URL": "https://media.example.org/janus",
         "LIVE_JANUS_ADMIN_URL": "http://10.0.0.5:7088/admin",
         "LIVE_JANUS_ADMIN_SECRET": "s3cret"}


def test_the_built_in_relay_is_the_default() -> None:
    settings = from_env({})
    assert settings.video == "relay" and settings.ice_server_list == []


def test_janus_needs_its_urls_and_admin_secret() -> None:
    assert from_env(JANUS).video == "janus"
    for missing in ("LIVE_JANUS_URL", "LIVE_JANUS_ADMIN_URL", "LIVE_JANUS_ADMIN_SECRET"):
        with pytest.raises(ValueError, match="LIVE_VIDEO=janus needs"):
            from_env({k: v for k, v in JANUS.items() if k != missing})
    with pytest.raises(ValueError, match="LIVE_VIDEO must be"):
        from_env({"LIVE_VIDEO": "livekit"})


def test_ice_servers_are_checked_once_at_start() -> None:
    servers = ('[{"urls": "stun:stun.example.org:3478"}, {"urls": ["turn:turn.example.org"], '
               '"username": "u", "credential": "p"}]')
    assert from_env({"LIVE_ICE_SERVERS": servers}).ice_server_list[1]["username"] == "u"
    for bad in ("not json", '{"urls": "stun:x"}', '[{"urls": "http://x"}]', '[{"url": "stun:x"}]',
                '[{"urls": []}]', '[{"urls": "turn:x", "credential": 5}]'):
        with pytest.raises(ValueError, match="LIVE_ICE_SERVERS"):
            from_env({"LIVE_ICE_SERVERS": bad})


def test_only_the_video_page_may_connect_to_janus() -> None:
    async def app(scope: object, receive: object, send: object) -> None:
        return None

    headers = SecurityHeaders(app, media_server="https://media.example.org")  # type: ignore[arg-type]
    video = dict(headers.headers_for("/video"))[b"content-security-policy"].decode()
    voter = dict(headers.headers_for("/"))[b"content-security-policy"].decode()
    assert "connect-src 'self' https://media.example.org;" in video
    assert "connect-src 'self';" in voter
