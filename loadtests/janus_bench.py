"""Janus (LIVE_VIDEO=janus) against the built-in relay, in one run.

    .venv/bin/python loadtests/janus_bench.py --counts 1,16,32,64 --seconds 8

For each viewer count, each mode gets a fresh server: the built-in relay
(encode-once, `stream.Relay` in a process of its own, as `video_bench.py`
runs it) or a fresh Janus (Debian's binary with the test suite's generated
configuration: VideoRoom, stored tokens). One aiortc publisher in this
process; N real aiortc viewers spread over `--viewer-procs` processes (a
Python process receives at most one core's worth of packets), each Janus
viewer with its own Janus session as a browser holds one. The figure is the
server process's CPU (user + system, all threads, from /proc), the frames
each viewer received, and what one viewer receives on the wire.

Janus never offers loopback candidates, so every peer of both modes offers
this machine's own address (still no packet leaves the machine). It imports
the Janus clients of `stream/` (how LiveVote and aiortc peers talk to Janus),
the test suite's Janus launcher, and `video_bench.py`'s relay process.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from loadtests.video_bench import (Counting, HELD, Result, capacity, cpu_seconds,  # noqa: E402
                                   held, local_only, parse, relay_main, source_tracks, table,
                                   wire_bytes)

ROOM, PIN, SECRET = 7_000_001, "bench-pin", "bench-secret"


def pin_bitrate(bitrate: int) -> None:
    """Janus forwards what the publisher sends, and aiortc's encoder follows
    the receiver's bandwidth estimate; held at --bitrate, both modes carry
    the same picture budget (the relay encodes at --bitrate itself)."""
    from aiortc.codecs import vpx
    vpx.Vp8Encoder.target_bitrate = property(  # type: ignore[method-assign,assignment]
        lambda self: bitrate, lambda self, value: None)


# viewer processes ----------------------------------------------------------

def viewers_main(pipe: Any, address: str) -> None:
    sys.path.insert(0, str(ROOT))
    local_only(address)
    asyncio.run(_view(pipe))


async def _view(pipe: Any) -> None:
    """Holds some viewers: answers the driver's verbs, one at a time."""
    import aiortc.rtcrtpreceiver as receiver
    import httpx
    from aiortc import RTCPeerConnection, RTCSessionDescription

    from stream.janusclient import Grant, subscribe

    receiver.get_decoder = lambda codec: Counting(codec.mimeType.split("/")[0])  # type: ignore
    loop = asyncio.get_running_loop()
    http = httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=None,
                                                             max_keepalive_connections=None))
    pcs: list[Any] = []
    closing: list[Any] = []
    while True:
        verb, data = await loop.run_in_executor(None, pipe.recv)
        if verb == "janus":
            for _ in range(data["n"]):
                pc = RTCPeerConnection()
                pcs.append(pc)
                closing += [pc, await subscribe(Grant.of(data["grant"]), pc, http=http)]
            pipe.send("ok")
        elif verb == "offers":
            fresh = [RTCPeerConnection() for _ in range(data)]
            for pc in fresh:
                for kind in ("audio", "video"):
                    pc.addTransceiver(kind, direction="recvonly")
                await pc.setLocalDescription(await pc.createOffer())
            pcs += fresh
            closing += fresh
            pipe.send([pc.localDescription.sdp for pc in fresh])
        elif verb == "answers":
            for pc, sdp in zip(pcs[-len(data):], data):
                await pc.setRemoteDescription(RTCSessionDescription(sdp, "answer"))
            pipe.send("ok")
        elif verb == "sample":
            video = [c.frames for c in Counting.made if c.kind == "video"]
            video += [0] * (len(pcs) - len(video))  # a viewer that never got video
            pipe.send((video, await wire_bytes(pcs), time.process_time()))
        else:
            for thing in reversed(closing):
                await thing.close()
            await http.aclose()
            pipe.send("stopped")
            return


class Viewers:
    """N viewers over k processes, asked together."""

    def __init__(self, procs: int, address: str) -> None:
        ctx = mp.get_context("spawn")
        self.pipes, self.procs = [], []
        for _ in range(procs):
            ours, theirs = ctx.Pipe()
            proc = ctx.Process(target=viewers_main, args=(theirs, address), daemon=True)
            proc.start()
            self.pipes.append(ours)
            self.procs.append(proc)

    async def ask(self, pipe: Any, verb: str, data: Any = None) -> Any:
        pipe.send((verb, data))
        return await asyncio.get_running_loop().run_in_executor(None, pipe.recv)

    def shares(self, n: int) -> list[int]:
        k = len(self.pipes)
        return [n // k + (1 if i < n % k else 0) for i in range(k)]

    async def sample(self) -> tuple[list[int], list[int], float]:
        got = await asyncio.gather(*(self.ask(p, "sample") for p in self.pipes))
        return ([f for frames, _, _ in got for f in frames], [b for _, sent, _ in got for b in sent],
                sum(cpu for _, _, cpu in got))

    async def stop(self) -> None:
        await asyncio.gather(*(self.ask(p, "stop") for p in self.pipes))
        for proc in self.procs:
            proc.join(10)


async def window(viewers: Viewers, server_pid: int, mode: str, n: int,
                 args: argparse.Namespace) -> Result:
    frames0, bytes0, cpu0 = await viewers.sample()
    server0, own0, t0 = cpu_seconds(server_pid), time.process_time(), time.monotonic()
    await asyncio.sleep(args.seconds)
    elapsed = time.monotonic() - t0
    frames1, bytes1, cpu1 = await viewers.sample()
    fps = [(b - a) / elapsed for a, b in zip(frames0, frames1)]
    kbps = 8 * sum(b - a for a, b in zip(bytes0, bytes1)) / n / elapsed / 1000
    driver = (time.process_time() - own0 + cpu1 - cpu0) / elapsed
    return Result(mode, n, (cpu_seconds(server_pid) - server0) / elapsed, driver, min(fps),
                  sum(fps) / len(fps), "-", kbps)


async def settled(pub: Any, bitrate: int, limit_s: float = 120.0) -> float:
    """Wait until the publisher sends its video at >= 85 % of `bitrate` again
    (each joining viewer makes Janus ask it for a keyframe, and its encoder
    then spends a while under budget to pay the burst back); returns the
    seconds waited."""
    async def video_bytes() -> int:
        stats = (await pub.getStats()).values()
        return sum(s.bytesSent for s in stats if s.type == "outbound-rtp" and s.kind == "video")

    start = time.monotonic()
    while time.monotonic() - start < limit_s:
        before = await video_bytes()
        await asyncio.sleep(2)
        if 8 * (await video_bytes() - before) / 2 >= 0.85 * bitrate:
            break
    return time.monotonic() - start


# the two servers -----------------------------------------------------------

async def measure_relay(n: int, args: argparse.Namespace) -> Result:
    from aiortc import RTCPeerConnection, RTCSessionDescription

    ctx = mp.get_context("spawn")
    ours, theirs = ctx.Pipe()
    child = ctx.Process(target=relay_main, args=(theirs, "shared", args.bitrate, args.address),
                        daemon=True)
    child.start()
    loop = asyncio.get_running_loop()

    async def relay(verb: str, sdp: str) -> str:
        ours.send((verb, sdp))
        return str(await loop.run_in_executor(None, ours.recv))

    viewers = Viewers(args.viewer_procs, args.address)
    pub = RTCPeerConnection()
    try:
        for track in source_tracks(args.width, args.height, args.fps):
            pub.addTransceiver(track, direction="sendonly")
        await pub.setLocalDescription(await pub.createOffer())
        answer = await relay("publish", pub.localDescription.sdp)
        await pub.setRemoteDescription(RTCSessionDescription(answer, "answer"))
        for pipe, share in zip(viewers.pipes, viewers.shares(n)):
            offers = await viewers.ask(pipe, "offers", share)
            await viewers.ask(pipe, "answers", [await relay("watch", o) for o in offers])
        await asyncio.sleep(args.warmup)
        result = await window(viewers, child.pid or 0, "relay", n, args)
        result.skips = await relay("skips", "")
        return result
    finally:
        await viewers.stop()
        await pub.close()
        ours.send(("stop", ""))
        await loop.run_in_executor(None, ours.recv)
        child.join(10)


async def measure_janus(n: int, args: argparse.Namespace, mode: str = "janus") -> Result:
    """`janus` with --event-loops (0: a thread per handle, Janus's default), or
    `janus:K`, K shared event loops (`event_loops` in janus.jcfg)."""
    from stream.janus import JanusAdmin, VideoRoom
    from stream.janusclient import Grant, publish
    from tests.stream.janus_server import JanusProcess

    loops = int(mode.partition(":")[2] or args.event_loops)
    janus = JanusProcess(Path(tempfile.mkdtemp(prefix="janus-bench-")), event_loops=loops)
    admin = JanusAdmin(janus.admin_url, janus.admin_secret, janus.room_key)
    viewers = Viewers(args.viewer_procs, args.address)
    closing: list[Any] = []
    try:
        # The room's bitrate caps the publisher (REMB) as the relay's encoder is capped.
        await admin.create_room(VideoRoom(ROOM, SECRET, PIN, bitrate=args.bitrate), ["publisher"])
        for token in ("publisher", "viewer"):
            await admin.add_token(token)
        session, pub = await publish(Grant(janus.url, "publisher", ROOM, PIN, "publisher"),
                                     source_tracks(args.width, args.height, args.fps))
        closing += [pub, session]
        grant = {"url": janus.url, "token": "viewer", "room": ROOM, "pin": PIN,
                 "feeds": await admin.publishers(ROOM) or []}
        await asyncio.gather(*(viewers.ask(pipe, "janus", {"grant": grant, "n": share})
                               for pipe, share in zip(viewers.pipes, viewers.shares(n))))
        await asyncio.sleep(args.warmup)
        waited = await settled(pub, args.bitrate)
        result = await window(viewers, janus.proc.pid, mode, n, args)
        result.skips = f"({args.warmup + waited:.0f} s)"
        return result
    finally:
        await viewers.stop()
        for thing in closing:
            await thing.close()
        await admin.aclose()
        janus.stop()


# the run -------------------------------------------------------------------

async def run(args: argparse.Namespace) -> list[Result]:
    local_only(args.address)
    pin_bitrate(args.bitrate)
    results = []
    for n in [int(c) for c in args.counts.split(",")]:
        for mode in args.modes.split(","):
            result = await (measure_janus(n, args, mode) if mode.startswith("janus")
                            else measure_relay(n, args))
            print(f"{mode:7} {n:4} viewers: server {result.relay_cpu:.2f} cores, viewers "
                  f"{result.driver_cpu:.2f}, fps min {result.fps_min:.1f}, "
                  f"{result.kbps:.0f} kbit/s each; load average {os.getloadavg()[0]:.1f}",
                  flush=True)
            results.append(result)
    return results


def extrapolate(results: list[Result], args: argparse.Namespace, target: int = 1500) -> str:
    lines = [""]
    for mode in args.modes.split(","):
        rows = held([r for r in results if r.mode == mode], args.fps)
        if len(rows) < 2:
            continue
        per_core = capacity(rows)
        kbps = sum(r.kbps for r in rows) / len(rows)
        lines.append(f"- {mode}: {per_core:.0f} viewers per core (fit over held rows); "
                     f"{target} viewers: {target / per_core:.1f} cores, "
                     f"{target * kbps / 1000:.0f} Mbit/s out at {kbps:.0f} kbit/s each")
    return "\n".join(lines)


def machine_address() -> str:
    import aioice.ice
    found = aioice.ice.get_host_addresses(use_ipv4=True, use_ipv6=False)
    if not found:
        sys.exit("Janus needs a non-loopback IPv4 address on this machine")
    return found[0]


def main(argv: list[str] | None = None) -> int:
    extra = argparse.ArgumentParser(add_help=False)
    extra.add_argument("--event-loops", type=int, default=0,
                       help="Janus event_loops (0: its default, a thread per handle)")
    extra.add_argument("--viewer-procs", type=int, default=2)
    ours, rest = extra.parse_known_args(argv if argv is not None else sys.argv[1:])
    args = parse(["--modes", "relay,janus", *rest])
    args.event_loops, args.viewer_procs = ours.event_loops, ours.viewer_procs
    if args.address == "127.0.0.1":
        args.address = machine_address()
    results = asyncio.run(run(args))
    print(table(results, args))
    print(extrapolate(results, args))
    print(f"\n(held: every viewer at >= {HELD:.0%} of {args.fps} fps; viewers' CPU in the "
          f"'driver CPU' column, over {args.viewer_procs} processes plus the publisher's; "
          "janus rows: in 'skips', the warm-up until the publisher's bitrate settled)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
