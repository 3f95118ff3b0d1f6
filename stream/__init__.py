"""WebRTC relay for remote members: decode once, encode once, send to many.

Imports aiortc, av and the standard library only; `live/video.py` signals.
"""

from stream.encode import VideoSpec
from stream.errors import BadOffer, NotLive, RelayClosed, StreamError, UnknownPeer
from stream.relay import Relay, Session

__all__ = ["BadOffer", "NotLive", "Relay", "RelayClosed", "Session", "StreamError",
           "UnknownPeer", "VideoSpec"]
