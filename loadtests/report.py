"""The benchmark's printout: the machine, one table with ratios, the targets."""

from __future__ import annotations

import math
import os
import platform
from typing import Any, Callable

from stats import fmt_ms, histogram

Row = tuple[str, Callable[[dict[str, Any]], float | None], str]


def machine() -> dict[str, Any]:
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            model = next(line.split(":", 1)[1].strip() for line in f
                         if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    return {"nproc": os.cpu_count(), "cpu": model, "ram_gib": round(mem_kb / 2**20, 1),
            "python": platform.python_version(), "kernel": platform.release()}


def _get(out: dict[str, Any], *path: str) -> Any:
    for p in path:
        if not isinstance(out, dict) or p not in out:
            return None
        out = out[p]
    return out


ROWS: list[Row] = [
    ("phones held at the end", lambda o: _get(o, "end", "held"), "{:.0f}"),
    ("phones the server counts", lambda o: _get(o, "hold", "server_sees"), "{:.0f}"),
    ("phones dropped", lambda o: _get(o, "end", "dropped"), "{:.0f}"),
    ("connect+join rate /s", lambda o: _get(o, "hold", "connected") / _get(o, "hold", "seconds"),
     "{:.0f}"),
    ("connect+join p99 ms", lambda o: _get(o, "hold", "connect_ms", "p99"), "{:.1f}"),
    ("server ms CPU per connect+join", lambda o: _get(o, "hold", "server_ms_per_connect"),
     "{:.2f}"),
    ("server RSS per phone KB", lambda o: _get(o, "hold", "kb_per_phone"), "{:.1f}"),
    ("server cores, phones idle", lambda o: _get(o, "hold", "idle_cpu", "server"), "{:.2f}"),
    ("other cores (machine noise), idle", lambda o: _get(o, "hold", "idle_cpu", "other"),
     "{:.2f}"),
    ("trickle: tally pushes /s", lambda o: _get(o, "trickle", "pushes_per_s"), "{:.0f}"),
    ("trickle: server µs per push", lambda o: _get(o, "trickle", "us_per_push"), "{:.0f}"),
    ("trickle: screen p99 after ack ms",
     lambda o: _get(o, "trickle", "presenter", "after_ack_ms", "p99"), "{:.0f}"),
    ("burst acked votes /s", lambda o: _get(o, "burst", "acked_per_s"), "{:.0f}"),
    ("burst ack p50 ms", lambda o: _get(o, "burst", "latency_ms", "p50"), "{:.1f}"),
    ("burst ack p99 ms", lambda o: _get(o, "burst", "latency_ms", "p99"), "{:.1f}"),
    ("burst ack p99.9 ms", lambda o: _get(o, "burst", "latency_ms", "p999"), "{:.1f}"),
    ("burst lost acks", lambda o: _get(o, "burst", "lost"), "{:.0f}"),
    ("burst server cores", lambda o: _get(o, "burst", "cpu", "server"), "{:.2f}"),
    ("burst redis cores", lambda o: _get(o, "burst", "cpu", "redis"), "{:.2f}"),
    ("burst driver cores", lambda o: _get(o, "burst", "cpu", "driver"), "{:.2f}"),
    ("burst other cores (noise)", lambda o: _get(o, "burst", "cpu", "other"), "{:.2f}"),
    ("burst driver send lag p99 ms", lambda o: _get(o, "burst", "driver_lag_ms", "p99"),
     "{:.1f}"),
    ("burst refused or unacked", lambda o: sum((_get(o, "burst", "refused") or {}).values())
     + (_get(o, "burst", "lost") or 0) if o.get("burst") else None, "{:.0f}"),
    ("burst tally pushes to phones", lambda o: _get(o, "burst", "tally_pushes"), "{:.0f}"),
    ("burst votes failing after retries", lambda o: _get(o, "burst", "retried",
                                                         "still_failing"), "{:.0f}"),
    ("tally on screen after ack p50 ms",
     lambda o: _get(o, "burst", "presenter", "after_ack_ms", "p50"), "{:.0f}"),
    ("tally on screen after ack p99 ms",
     lambda o: _get(o, "burst", "presenter", "after_ack_ms", "p99"), "{:.0f}"),
    ("last tally after last ack ms",
     lambda o: _get(o, "burst", "presenter", "behind_last_ack_ms"), "{:.0f}"),
    ("close: result on all phones ms", lambda o: _get(o, "burst", "close", "to_all_ms"),
     "{:.0f}"),
    ("close: host call ms", lambda o: _get(o, "burst", "close", "close_call_ms"), "{:.0f}"),
    ("close: server µs per phone told",
     lambda o: _get(o, "burst", "close", "server_us_per_phone"), "{:.0f}"),
    ("ladder: highest rate kept /s", lambda o: _best(o, "acked_per_s"), "{:.0f}"),
    ("ladder: most acked /s in a step", lambda o: _get(o, "ladder", "ceiling_per_s"), "{:.0f}"),
    ("ladder server ms CPU per vote", lambda o: _best(o, "server_ms_per_vote"), "{:.2f}"),
    ("ladder ack p99 ms at best step", lambda o: _best(o, "latency_ms", "p99"), "{:.1f}"),
    ("ladder redis commands per vote", lambda o: _best(o, "redis_ops_per_vote"), "{:.1f}"),
    ("tally pushes per phone", lambda o: _get(o, "end", "pushes_per_phone", "tally"), "{:.1f}"),
]


def _best(o: dict[str, Any], *path: str) -> Any:
    """A figure of the fastest ladder step that kept up (else the first step)."""
    steps = _get(o, "ladder", "steps") or []
    kept = [s for s in steps if s["acked_per_s"] >= 0.9 * s["rate"]
            and s["latency_ms"]["p50"] <= 500] or steps[:1]
    return _get(kept[-1], *path) if kept else None


def table(outs: list[dict[str, Any]]) -> list[str]:
    names = [o["name"] for o in outs]
    bare = next((o for o in outs if o["kind"] == "bare"), None)
    head = f"{'':34}" + "".join(f"{n:>12}" for n in names)
    if bare is not None:
        head += "".join(f"{n + '/bare':>14}" for n in names if n != bare["name"])
    lines = [head]
    for label, get, fmt in ROWS:
        values = []
        for o in outs:
            try:
                values.append(get(o))
            except (TypeError, ZeroDivisionError):
                values.append(None)
        cells = "".join(f"{fmt.format(v) if v is not None else '-':>12}" for v in values)
        if bare is not None:
            b = values[outs.index(bare)]
            for o, v in zip(outs, values):
                if o is bare:
                    continue
                ratio = f"{v / b:.2f}x" if v is not None and b else "-"
                cells += f"{ratio:>14}"
        lines.append(f"{label:34}{cells}")
    return lines


def ladders(outs: list[dict[str, Any]]) -> list[str]:
    lines = []
    for o in outs:
        lines.append(f"  {o['name']}: offered/s -> acked/s, ack p50/p99/p99.9 ms, cores "
                     "(server redis driver other), server ms/vote, screen p99 ms")
        for s in _get(o, "ladder", "steps") or []:
            lat, cpu = s["latency_ms"], s["cpu"]
            screen = _get(s, "presenter", "after_ack_ms", "p99")
            lines.append(
                f"    {s['rate']:>7.0f} -> {s['acked_per_s']:>7.0f}   {lat['p50']:7.1f} "
                f"{lat['p99']:7.1f} {lat['p999']:7.1f}   {cpu.get('server', 0):.2f} "
                f"{cpu.get('redis', 0):.2f} {cpu.get('driver', 0):.2f} "
                f"{cpu.get('other', 0):.2f}   {s.get('server_ms_per_vote') or 0:.2f}   "
                f"{'-' if screen is None else f'{screen:.0f}'}"
                f"{'  lost ' + str(s['lost']) if s['lost'] else ''}"
                f"{'  refused ' + str(s['refused']) if s['refused'] else ''}")
        over = _get(o, "ladder", "overload")
        if over:
            lat = over["latency_ms"]
            lines.append(
                f"    overload {over['rate']:.0f}/s -> acked {over['acked_per_s']:.0f}/s, every "
                f"answer p50/p99/p99.9 {lat['p50']:.1f}/{lat['p99']:.1f}/{lat['p999']:.1f} ms, "
                f"refused {over['refused'] or 0}, retries {over['retried']['rounds']}, lost "
                f"after retries {over['lost_after_retries']}")
    return lines


def targets(outs: list[dict[str, Any]], voters: int) -> list[str]:
    bare = next((o for o in outs if o["kind"] == "bare"), {})
    lines = []
    for o in (o for o in outs if o["kind"] == "live"):
        def mark(ok: bool | None) -> str:
            return "PASS" if ok else "FAIL"
        held = _get(o, "end", "held")
        kb = _get(o, "hold", "kb_per_phone")
        ceiling, bare_ceiling = _best(o, "acked_per_s"), _best(bare, "acked_per_s")
        burst = o.get("burst", {})
        screen = _get(burst, "presenter", "after_ack_ms", "p99")
        to_all = _get(burst, "close", "to_all_ms")
        ratio = ceiling / bare_ceiling if ceiling and bare_ceiling else None
        lines += [
            f"  {o['name']}:",
            f"    {mark(held == voters and not _get(o, 'end', 'dropped'))} "
            f"{voters} phones held ({held}, dropped {_get(o, 'end', 'dropped')})",
            f"    {mark(kb is not None and kb <= 48)} <= 48 KB per phone "
            f"({kb:.1f} KB; stretch 32: {mark(kb is not None and kb <= 32)})" if kb else "",
            f"    {mark(ratio is not None and ratio >= 1)} ingest >= bare ceiling, highest "
            f"ladder rate kept "
            f"({'-' if ratio is None else f'{ratio:.2f}x'}; stretch 1.5x)",
            f"    {mark(burst.get('lost') == 0 and not burst.get('refused'))} burst: zero lost "
            f"acks (unanswered {burst.get('lost')}, refused {burst.get('refused')}; retries: "
            f"{_get(burst, 'retried', 'rounds')}, still failing "
            f"{_get(burst, 'retried', 'still_failing')})",
            f"    {mark(_get(burst, 'correct', 'ok'))} burst: no double count, tally = sealed ="
            f" persisted = acks ({_brief(burst.get('correct'))})",
            f"    {mark(screen is not None and screen <= 250)} screen tally p99 <= 250 ms after "
            f"the ack ({_round(screen)} ms; after the last ack: "
            f"{_round(_get(burst, 'presenter', 'behind_last_ack_ms'))} ms)",
            f"    {mark(to_all is not None and to_all <= 1000)} result on every phone <= 1 s "
            f"after close ({_round(to_all)} ms, told {_get(burst, 'close', 'told')})",
            f"    {mark(_get(o, 'ladder', 'correct', 'ok'))} ladder (changed votes): counts = "
            f"sealed = persisted ({_brief(_get(o, 'ladder', 'correct'))})",
        ][:None if o.get("ladder") else 3]  # --hold-only: the phases that ran
    return [line for line in lines if line]


def _round(v: float | None) -> str:
    return "-" if v is None or math.isnan(v) else f"{v:.0f}"


def _brief(c: dict[str, Any] | None) -> str:
    if not c:
        return "-"
    return (f"voters {c['acked_voters']}, lost {c['lost_votes']}, double "
            f"{c['double_counted']}, counts {c['sealed_counts']}, receipts "
            f"{'ok' if c['receipts_match'] else 'MISMATCH'}")


def render(meta: dict[str, Any], outs: list[dict[str, Any]]) -> str:
    m = meta["machine"]
    lines = [f"LiveVote benchmark  {meta['when']}",
             f"machine: {m['nproc']} cores {m['cpu']}, {m['ram_gib']} GiB, Python "
             f"{m['python']}, Linux {m['kernel']}",
             f"server code: {meta.get('server_tree', '?')}",
             f"run: {meta['config']}", "", *table(outs), "", "ladder:", *ladders(outs), ""]
    for o in outs:
        lat = _get(o, "burst", "latency_ms")
        if lat:
            lines.append(f"burst ack latency, {o['name']}: {fmt_ms(lat)}")
            lines += histogram(o.get("_burst_latencies", []))
    lines += ["", "targets:", *targets(outs, meta["voters"])]
    return "\n".join(lines)
