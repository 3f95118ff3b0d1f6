"""Refusals of the relay, each with a stable `reason`.

`stream/` imports nothing of the project, so it cannot raise the domain's
errors; `live/video.py` turns these into named `rooms.errors` classes.
"""

from __future__ import annotations


class StreamError(Exception):
    reason = "stream"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadOffer(StreamError):
    """The SDP is not a usable offer (garbage, wrong type, no media, no codec)."""

    reason = "bad_offer"


class NotLive(StreamError):
    """Nobody publishes in this room, so there is nothing to watch."""

    reason = "not_live"


class UnknownPeer(StreamError):
    """No such peer in this room (it left, or belongs to another room)."""

    reason = "unknown_peer"


class RelayClosed(StreamError):
    """The relay is shutting down or was never started."""

    reason = "relay_closed"


class MediaServerError(StreamError):
    """The media server refused a request (`code` is its own error code) or
    could not be reached (`code` 0)."""

    reason = "media_server"

    def __init__(self, message: str, code: int = 0) -> None:
        super().__init__(message)
        self.code = code
