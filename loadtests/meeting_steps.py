"""Where a member's sign-in spends its time in the general-meeting benchmark:
each step as the driver saw it, the storm per 5 s, and the server's loop lag
meanwhile (`meeting_bench.py` reports them as `steps_ms` and `timeline`)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp

from meeting_phones import Phone
from stats import summary

async def loop_lag(http: aiohttp.ClientSession, base: str,
                   lags: list[tuple[float, float]]) -> None:
    """The server's own loop lag (/metrics) every 250 ms, into `lags`, until cancelled."""
    while True:
        try:
            async with http.get(f"{base}/metrics") as answer:
                text = await answer.text()
            line = next(x for x in text.splitlines() if x.startswith("livevote_loop_lag_ms"))
            lags.append((time.monotonic(), float(line.rsplit(" ", 1)[1])))
        except (StopIteration, ValueError, aiohttp.ClientError):
            pass
        await asyncio.sleep(0.25)


STEPS = (("link", "opened"), ("link", "redirected"), ("redirected", "connected"),
         ("redirected", "connecting"), ("connecting", "tcp"), ("tcp", "connected"),
         ("connected", "opened"), ("opened", "otp_acked"), ("otp_acked", "code_here"),
         ("typed", "signed_in"))


def steps(phones: list[Phone]) -> dict[str, Any]:
    """How long each step of a sign-in took (the first time through): opening
    the link and the page, the code's ack, the text's arrival, the verify's ack
    (reacting and typing are the member's, set by `Human`)."""
    out = {}
    for a, b in STEPS:
        took = [(p.signed_in_at if b == "signed_in" else p.steps[b]) - p.steps[a]
                for p in phones if a in p.steps and (b in p.steps or
                                                      (b == "signed_in" and p.signed_in_at))]
        out[f"{a}->{b}"] = summary(took)
    return out


def timeline(t0: float, phones: list[Phone], lags: list[tuple[float, float]],
             every_s: float = 5.0) -> list[dict[str, Any]]:
    """Per 5 s of the storm: links opened, pages connected, members signed in,
    and the server's worst loop lag then (ms)."""
    rows: list[dict[str, Any]] = []
    for k in range(int(max([p.signed_in_at - t0 for p in phones] + [0]) // every_s) + 1):
        lo, hi = t0 + k * every_s, t0 + (k + 1) * every_s
        rows.append({"s": int(k * every_s),
                     "links": sum(lo <= p.steps.get("link", 0) < hi for p in phones),
                     "connected": sum(lo <= p.steps.get("connected", 0) < hi for p in phones),
                     "signed_in": sum(lo <= p.signed_in_at < hi for p in phones),
                     "lag_ms": round(max([v for at, v in lags if lo <= at < hi] + [0]))})
    return rows
