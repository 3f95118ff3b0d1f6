"""Checks on an offer before any peer connection is created for it, so
garbage costs a parse and nothing else."""

from __future__ import annotations

from dataclasses import dataclass

from aiortc import sdp

from stream.errors import BadOffer

MAX_SDP_CHARS = 64 * 1024
MEDIA_KINDS = ("audio", "video")
SENDING = ("sendonly", "sendrecv")
RECEIVING = ("recvonly", "sendrecv")


@dataclass(frozen=True)
class Offer:
    """A parsed offer: the raw text for aiortc, and which kinds the remote
    side sends and wants to receive."""

    text: str
    sends: frozenset[str]
    receives: frozenset[str]

    def __post_init__(self) -> None:
        if not (self.sends or self.receives):
            raise BadOffer("the offer has no audio or video to send or receive")


def parse_offer(text: object) -> Offer:
    if not isinstance(text, str) or not text.strip():
        raise BadOffer("sdp must be a non-empty string")
    if len(text) > MAX_SDP_CHARS:
        raise BadOffer(f"sdp is longer than {MAX_SDP_CHARS} characters")
    if not text.lstrip().startswith("v=0"):
        raise BadOffer("sdp must start with v=0")
    try:
        parsed = sdp.SessionDescription.parse(text)
    except Exception as exc:  # aiortc raises whatever its parser hits first
        raise BadOffer(f"sdp does not parse ({type(exc).__name__})") from None
    media = [m for m in parsed.media if m.kind in MEDIA_KINDS]
    if not media:
        raise BadOffer("the offer has no audio or video section")
    for m in media:
        if m.ice is None or not m.ice.usernameFragment or m.dtls is None or not m.dtls.fingerprints:
            raise BadOffer(f"the {m.kind} section lacks ICE credentials or a DTLS "
                           "fingerprint")
    sends = frozenset(m.kind for m in media if (m.direction or "sendrecv") in SENDING)
    receives = frozenset(m.kind for m in media if (m.direction or "sendrecv") in RECEIVING)
    return Offer(text, sends, receives)
