"""Video relay benchmark: encode-once (stream.Relay) against aiortc's default
per-viewer re-encode (MediaRelay), side by side in one run.

    .venv/bin/python loadtests/video_bench.py --counts 1,4,8,16 --seconds 8

For each mode and viewer count, a fresh relay process answers one publisher
and N viewers, all real aiortc peers on 127.0.0.1 in this (driver) process.
The driver measures the relay process's CPU (user + system, all threads)
over a steady window, and the frames each viewer received. Viewers count
frames instead of decoding them, so the driver stays light; the relay
process pays everything a real one would: one decode of the publisher, its
encoding, and per-viewer packetization, SRTP and sending.

This imports `stream.Relay` (the thing measured) and nothing else of the
project; the baseline is plain aiortc.
"""

from __future__ import annotations

import argparse
import asyncio
import fractions
import multiprocessing as mp
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TICK = os.sysconf("SC_CLK_TCK")
HELD = 0.9


def local_only(address: str = "127.0.0.1") -> None:
    """Every peer offers this one address of this machine (loopback unless
    told): no packet leaves the machine."""
    import aioice.ice
    aioice.ice.get_host_addresses = lambda **_: [address]  # type: ignore[assignment]


# relay process -------------------------------------------------------------

def relay_main(pipe: Any, mode: str, bitrate: int, address: str) -> None:
    sys.path.insert(0, str(ROOT))
    local_only(address)
    asyncio.run(_serve(pipe, mode, bitrate))


async def _serve(pipe: Any, mode: str, bitrate: int) -> None:
    from aiortc import RTCPeerConnection, RTCSessionDescription
    from aiortc.contrib.media import MediaRelay

    from stream import Relay, VideoSpec

    loop = asyncio.get_running_loop()
    shared = Relay(VideoSpec(bitrate=bitrate))
    shared.start()
    fanout, sources, pcs = MediaRelay(), {}, []

    async def answer(pc: Any, sdp: str, kinds: list[str] | None = None) -> str:
        pcs.append(pc)
        await pc.setRemoteDescription(RTCSessionDescription(sdp, "offer"))
        for kind in kinds or []:
            # aiortc's own pattern (examples/server): one proxy and one
            # encoder per viewer; unbuffered, so a slow encoder drops frames.
            pc.addTrack(fanout.subscribe(sources[kind], buffered=False))
        await pc.setLocalDescription(await pc.createAnswer())
        return str(pc.localDescription.sdp)

    while True:
        verb, sdp = await loop.run_in_executor(None, pipe.recv)
        if verb == "stop":
            break
        if verb == "skips":
            stats = shared.stats("bench") or {}
            pipe.send(str(stats.get("skips", "-")))
            continue
        if mode == "shared":
            session = await (shared.publish if verb == "publish" else shared.watch)("bench", sdp)
            pipe.send(session.sdp)
        elif verb == "publish":
            pc = RTCPeerConnection()
            pc.on("track", lambda track: sources.__setitem__(track.kind, track))
            pipe.send(await answer(pc, sdp))
        else:
            pipe.send(await answer(RTCPeerConnection(), sdp, sorted(sources)))
    await shared.close()
    for pc in pcs:
        await pc.close()
    pipe.send("stopped")


# driver --------------------------------------------------------------------

class Counting:
    """Stands in for a viewer's decoder: counts frames, decodes nothing."""

    made: list["Counting"] = []

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.frames = 0
        Counting.made.append(self)

    def decode(self, encoded_frame: Any) -> list[Any]:
        self.frames += 1
        return []


def source_tracks(width: int, height: int, fps: int) -> list[Any]:
    import av
    from aiortc import AudioStreamTrack, VideoStreamTrack

    class Camera(VideoStreamTrack):
        """A scrolling pattern under a band of fresh noise: motion and grain the
        encoder must really code, so it spends its whole budget all the time
        (a pattern alone turns cheap once the encoder has seen it)."""

        def __init__(self) -> None:
            super().__init__()
            row = bytes((x * 7 + (x // 16) * 40) % 256 for x in range(width))
            self.luma = b"".join(row[y % width:] + row[:y % width] for y in range(height * 2))
            self.n, self.start = 0, time.monotonic()

        async def recv(self) -> Any:
            wait = self.start + self.n / fps - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            frame = av.VideoFrame(width, height, "yuv420p")
            offset = (self.n * 2 % height) * width
            grain = width * (height // 40)
            frame.planes[0].update(os.urandom(grain)
                                   + self.luma[offset + grain:offset + width * height])
            for plane in frame.planes[1:]:
                plane.update(bytes([128 + self.n % 40]) * plane.buffer_size)
            frame.pts, frame.time_base = self.n * 90000 // fps, fractions.Fraction(1, 90000)
            self.n += 1
            return frame

    return [AudioStreamTrack(), Camera()]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime, all threads


@dataclass
class Result:
    mode: str
    viewers: int
    relay_cpu: float      # cores used by the relay (or media server) process
    driver_cpu: float     # cores used by this process (publisher + viewers)
    fps_min: float
    fps_avg: float
    skips: str            # viewers' skips to a keyframe (encode-once only)
    kbps: float = 0.0     # what one viewer receives, on the wire (IP and UDP headers too)


async def wire_bytes(pcs: list[Any]) -> list[int]:
    """Bytes each peer received so far, with 28 bytes of IPv4 and UDP header
    per packet."""
    totals = []
    for pc in pcs:
        stats = (await pc.getStats()).values()
        totals.append(sum(s.bytesReceived + 28 * s.packetsReceived for s in stats
                          if s.type == "transport"))
    return totals


async def window(viewers: list[Any], pid: int, seconds: float) -> tuple[float, float, list[float],
                                                                        float]:
    """Over `seconds`: the cores process `pid` and this one used, each viewer's
    video frame rate, and the mean kbit/s a viewer received."""
    video = [c for c in Counting.made if c.kind == "video"]
    before, bytes0 = [c.frames for c in video], await wire_bytes(viewers)
    cpu0, own0, t0 = cpu_seconds(pid), time.process_time(), time.monotonic()
    await asyncio.sleep(seconds)
    elapsed = time.monotonic() - t0
    cores = (cpu_seconds(pid) - cpu0) / elapsed
    own = (time.process_time() - own0) / elapsed
    fps = [(c.frames - b) / elapsed for c, b in zip(video, before)]
    fps += [0.0] * (len(viewers) - len(fps))  # a viewer that never got video
    got = [b1 - b0 for b0, b1 in zip(bytes0, await wire_bytes(viewers))]
    return cores, own, fps, 8 * sum(got) / len(got) / elapsed / 1000 if got else 0.0


async def measure(mode: str, viewers: int, args: argparse.Namespace) -> Result:
    from aiortc import RTCPeerConnection, RTCSessionDescription

    ctx = mp.get_context("spawn")
    ours, theirs = ctx.Pipe()
    child = ctx.Process(target=relay_main, args=(theirs, mode, args.bitrate, args.address),
                        daemon=True)
    child.start()
    loop = asyncio.get_running_loop()

    async def ask(verb: str, sdp: str) -> str:
        ours.send((verb, sdp))
        return str(await loop.run_in_executor(None, ours.recv))

    Counting.made = []
    pcs: list[Any] = []
    viewing: list[Any] = []
    try:
        pub = RTCPeerConnection()
        pcs.append(pub)
        for track in source_tracks(args.width, args.height, args.fps):
            pub.addTransceiver(track, direction="sendonly")
        await pub.setLocalDescription(await pub.createOffer())
        answer = await ask("publish", pub.localDescription.sdp)
        await pub.setRemoteDescription(RTCSessionDescription(answer, "answer"))
        for _ in range(viewers):
            pc = RTCPeerConnection()
            pcs.append(pc)
            viewing.append(pc)
            for kind in ("audio", "video"):
                pc.addTransceiver(kind, direction="recvonly")
            await pc.setLocalDescription(await pc.createOffer())
            answer = await ask("watch", pc.localDescription.sdp)
            await pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))
        await asyncio.sleep(args.warmup)
        relay_cpu, driver_cpu, fps, kbps = await window(viewing, child.pid or 0, args.seconds)
        skips = await ask("skips", "")
        return Result(mode, viewers, relay_cpu, driver_cpu, min(fps), sum(fps) / len(fps), skips,
                      kbps)
    finally:
        for pc in pcs:
            await pc.close()
        ours.send(("stop", ""))
        await loop.run_in_executor(None, ours.recv)
        child.join(10)


def capacity(rows: list[Result]) -> float:
    """Viewers until the relay process uses one full core, from the
    least-squares line through (viewers, cores) of the rows it held."""
    n = len(rows)
    if n < 2:
        return float("nan")
    mx = sum(r.viewers for r in rows) / n
    my = sum(r.relay_cpu for r in rows) / n
    var = sum((r.viewers - mx) ** 2 for r in rows)
    slope = sum((r.viewers - mx) * (r.relay_cpu - my) for r in rows) / var if var else 0.0
    base = my - slope * mx
    return (1.0 - base) / slope if slope > 0 else float("inf")


def held(rows: list[Result], fps: int) -> list[Result]:
    """Rows where every viewer got at least 90 % of the source frame rate."""
    return [r for r in rows if r.fps_min >= HELD * fps]


def table(results: list[Result], args: argparse.Namespace) -> str:
    lines = [f"{args.width}x{args.height} at {args.fps} fps, VP8 {args.bitrate // 1000} kbit/s "
             f"+ Opus; {os.cpu_count()} cores; window {args.seconds:g} s", "",
             "| mode | viewers | server CPU (cores) | CPU per viewer | driver CPU | "
             "fps min / avg | kbit/s per viewer | skips |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        lines.append(f"| {r.mode} | {r.viewers} | {r.relay_cpu:.2f} | "
                     f"{r.relay_cpu / r.viewers:.3f} | {r.driver_cpu:.2f} | "
                     f"{r.fps_min:.1f} / {r.fps_avg:.1f} | {r.kbps:.0f} | {r.skips} |")
    lines.append("")
    for mode in args.modes.split(","):
        ok = held([r for r in results if r.mode == mode], args.fps)
        most = max((r.viewers for r in ok), default=0)
        lines.append(f"- {mode}: held {most} viewers at >= {HELD:.0%} of {args.fps} fps (largest "
                     f"count tried that held); fitted one-core capacity {capacity(ok):.0f}")
    return "\n".join(lines)


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--counts", default="1,4,8,16", help="viewer counts, comma-separated")
    p.add_argument("--modes", default="shared,reencode", help="shared and/or reencode")
    p.add_argument("--width", type=int, default=640)
    p.add_argument("--height", type=int, default=360)
    p.add_argument("--fps", type=int, default=15)
    p.add_argument("--bitrate", type=int, default=500_000)
    p.add_argument("--warmup", type=float, default=3.0)
    p.add_argument("--seconds", type=float, default=8.0)
    p.add_argument("--address", default="127.0.0.1",
                   help="the one address of this machine every peer offers")
    return p.parse_args(argv)


async def run(args: argparse.Namespace) -> list[Result]:
    import aiortc.rtcrtpreceiver as receiver

    local_only(args.address)
    receiver.get_decoder = lambda codec: Counting(codec.mimeType.split("/")[0])  # type: ignore
    results = []
    for viewers in [int(c) for c in args.counts.split(",")]:
        for mode in args.modes.split(","):
            result = await measure(mode, viewers, args)
            print(f"{mode:9} {viewers:3} viewers: relay {result.relay_cpu:.2f} cores, "
                  f"fps min {result.fps_min:.1f}", flush=True)
            results.append(result)
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    print(table(asyncio.run(run(args)), args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
