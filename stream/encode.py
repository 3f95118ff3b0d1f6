"""The one encoder per room and kind: decoded frames in, shared `av.Packet`s out.

Packets carry their own `pts` and `time_base`, which is all aiortc's
packetizers read (`Vp8Encoder.pack`, `OpusEncoder.pack`); everything else a
viewer needs (SSRC, sequence numbers, RTP timestamp offset) its sender adds.
"""

from __future__ import annotations

import fractions
from dataclasses import dataclass
from typing import Any

import av
from av.audio.frame import AudioFrame
from av.audio.resampler import AudioResampler
from av.packet import Packet
from av.video.codeccontext import VideoCodecContext
from av.video.frame import PictureType, VideoFrame

VIDEO_CLOCK = 90_000
AUDIO_CLOCK = 48_000
OPUS_FRAME = 960  # 20 ms at 48 kHz: what browsers send and expect
VIDEO_TIME_BASE = fractions.Fraction(1, VIDEO_CLOCK)
AUDIO_TIME_BASE = fractions.Fraction(1, AUDIO_CLOCK)


@dataclass(frozen=True)
class VideoSpec:
    """How the relay encodes a room's video, once for every viewer.

    One bitrate serves everyone, so it is a conservative one; per-viewer
    bandwidth estimates (REMB) cannot steer a shared encoder.
    """

    bitrate: int = 500_000  # aiortc's own starting bitrate: a like-for-like comparison
    max_height: int = 720
    keyframe_every_s: float = 4.0
    min_keyframe_gap_s: float = 0.3
    # One thread: at meeting sizes libvpx's extra threads cost more CPU in
    # hand-offs than they save (measured: 9.4 ms vs 3.5 ms a 360p frame).
    threads: int = 1

    def __post_init__(self) -> None:
        if not 100_000 <= self.bitrate <= 8_000_000:
            raise ValueError("bitrate must be between 100 kbit/s and 8 Mbit/s")
        if not 144 <= self.max_height <= 2160:
            raise ValueError("max_height must be between 144 and 2160")
        if not 0 < self.min_keyframe_gap_s < self.keyframe_every_s <= 60:
            raise ValueError("need 0 < min_keyframe_gap_s < keyframe_every_s <= 60")
        if not 1 <= self.threads <= 8:
            raise ValueError("threads must be between 1 and 8")


def _even(n: int) -> int:
    return max(2, n - n % 2)


class VideoEncoder:
    """VP8, because every browser decodes it and aiortc packetizes it."""

    def __init__(self, spec: VideoSpec) -> None:
        self.spec = spec
        self._codec: VideoCodecContext | None = None
        self._last_pts = -1

    def _open(self, width: int, height: int) -> VideoCodecContext:
        codec = av.CodecContext.create("libvpx", "w")
        assert isinstance(codec, VideoCodecContext)
        codec.width, codec.height = width, height
        codec.pix_fmt = "yuv420p"
        codec.bit_rate = self.spec.bitrate
        codec.time_base = VIDEO_TIME_BASE
        codec.framerate = fractions.Fraction(30, 1)
        codec.gop_size = 100_000  # keyframes come when asked, see Fanout
        codec.thread_count = self.spec.threads
        codec.options = {
            # aiortc's own realtime settings, which measured cheapest here.
            "deadline": "realtime", "cpu-used": "-6", "lag-in-frames": "0",
            "noise-sensitivity": "4", "partitions": "0",
            "static-thresh": "1", "undershoot-pct": "100", "overshoot-pct": "15",
            "bufsize": str(self.spec.bitrate), "minrate": str(self.spec.bitrate),
            "maxrate": str(self.spec.bitrate), "qmin": "4", "qmax": "56",
        }
        return codec

    def encode(self, frame: VideoFrame, pts: int, keyframe: bool) -> list[Packet[Any]]:
        """Encode one frame at `pts` (90 kHz). Runs in a worker thread."""
        frame = self._fit(frame)
        codec = self._codec
        if codec is None or (codec.width, codec.height) != (frame.width, frame.height):
            # A new size (a new speaker, or the browser adapting) needs a new
            # encoder, whose first picture is a keyframe anyway.
            codec = self._codec = self._open(frame.width, frame.height)
        pts = max(pts, self._last_pts + 1)  # libvpx refuses pts that do not grow
        self._last_pts = pts
        frame.pts, frame.time_base = pts, VIDEO_TIME_BASE
        frame.pict_type = PictureType.I if keyframe else PictureType.NONE
        packets = list(codec.encode(frame))
        for packet in packets:
            packet.pts, packet.time_base = pts, VIDEO_TIME_BASE
        return packets

    def _fit(self, frame: VideoFrame) -> VideoFrame:
        height = min(frame.height, self.spec.max_height)
        width = _even(frame.width * height // frame.height)
        height = _even(height)
        if frame.format.name == "yuv420p" and (width, height) == (frame.width, frame.height):
            return frame
        return frame.reformat(width=width, height=height, format="yuv420p")

    def close(self) -> None:
        self._codec = None


class AudioEncoder:
    """Opus at 48 kHz in 20 ms packets, on a continuous sample clock so that a
    change of speaker is a seamless stream to every viewer's jitter buffer."""

    def __init__(self, bitrate: int = 48_000) -> None:
        codec = av.CodecContext.create("libopus", "w")
        assert isinstance(codec, av.AudioCodecContext)
        codec.bit_rate = bitrate
        codec.sample_rate = AUDIO_CLOCK
        codec.format = "s16"
        codec.layout = "stereo"
        codec.time_base = AUDIO_TIME_BASE
        codec.options = {"application": "voip"}
        self._codec = codec
        self._resampler = AudioResampler(format="s16", layout="stereo", rate=AUDIO_CLOCK,
                                         frame_size=OPUS_FRAME)
        self._pts = 0
        self._in = 0

    def resync(self, pts: int) -> None:
        """Jump the sample clock forward (never back) after a gap or a switch."""
        self._pts = max(self._pts, pts)

    def encode(self, frame: AudioFrame) -> list[Packet[Any]]:
        out: list[Packet[Any]] = []
        for chunk in self._resampler.resample(frame):
            # Our own input clock: a new speaker's frames restart theirs.
            chunk.pts, chunk.time_base = self._in, AUDIO_TIME_BASE
            self._in += chunk.samples
            for packet in self._codec.encode(chunk):
                packet.pts, packet.time_base = self._pts, AUDIO_TIME_BASE
                self._pts += OPUS_FRAME
                out.append(packet)
        return out
