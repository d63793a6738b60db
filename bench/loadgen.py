"""Intake load generator, run as its own process: N closed-loop clients POST signed events for a while.

`python -m bench.loadgen --url http://127.0.0.1:18000 --seconds 20 --clients 64` prints one JSON object;
`--platform chatwoot` sends the same conversations as Chatwoot's signed webhooks (bench/chatwoot_events.py).
The signing secret comes from $BENCH_CHAT_SIGNING_SECRET. Each client has its own keep-alive connection
(a minimal HTTP/1.1 client, bench/rawhttp.py, so the generator takes little of the machine's CPU) and
sends the events of its conversations in order (6 messages, handoff, resolved), every id unique.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bench import chatwoot_events
from bench.events import EVENTS_PER_CONVERSATION, conversation_events, signed
from bench.rawhttp import RawConnection, RawHttpError
from bench.stats import latency_summary, own_cpu_seconds

SECRET_ENV = "BENCH_CHAT_SIGNING_SECRET"
EVENTS_PATH = "/api/v1/events"


@dataclass
class Window:
    """The measured interval: requests completing inside it are counted, warm-up ones are not."""

    url: str
    start: float
    end: float
    platform: str = "native"
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    warmup_requests: int = 0


async def client_loop(url: str, index: int, run_id: str, secret: str, window: Window) -> None:
    """One chat-platform sender: its own conversations, one request at a time, until the window ends."""
    http = await RawConnection.open(url)
    try:
        await _send_until_end(http, index, run_id, secret, window)
    finally:
        await http.close()


async def _send_until_end(http: RawConnection, index: int, run_id: str, secret: str, window: Window) -> None:
    n, events = 0, []
    chatwoot = window.platform == "chatwoot"
    path = chatwoot_events.WEBHOOK_PATH if chatwoot else EVENTS_PATH
    sign = chatwoot_events.signed if chatwoot else signed
    while time.perf_counter() < window.end:
        if n % EVENTS_PER_CONVERSATION == 0:  # the next conversation of this client
            conv = n // EVENTS_PER_CONVERSATION
            if chatwoot:  # display ids: unique per client and conversation (one database per run)
                events = chatwoot_events.conversation_webhooks(index * 1_000_000 + conv, conv)
            else:
                events = conversation_events(f"{run_id}-k{index}-c{conv}", conv)
        body, headers = sign(events[n % EVENTS_PER_CONVERSATION], secret)
        sent = time.perf_counter()
        try:
            status = str((await http.post(path, body, headers))[0])
        except (OSError, asyncio.IncompleteReadError, RawHttpError) as exc:
            status = type(exc).__name__
            http = await _reconnect(http, window)
        done = time.perf_counter()
        n += 1
        if done < window.start:
            window.warmup_requests += 1
        elif done <= window.end:
            window.statuses[status] += 1
            if status == "202":
                window.latencies.append(done - sent)


async def _reconnect(http: RawConnection, window: Window) -> RawConnection:
    """After a failed request the connection's state is unknown: start a fresh one."""
    await http.close()
    return await RawConnection.open(window.url)


async def run(
    url: str, seconds: float, warmup: float, clients: int, run_id: str, platform: str = "native"
) -> dict[str, Any]:
    secret = os.environ[SECRET_ENV]
    now = time.perf_counter()
    window = Window(url, start=now + warmup, end=now + warmup + seconds, platform=platform)
    cpu_before = own_cpu_seconds()
    await asyncio.gather(*(client_loop(url, i, run_id, secret, window) for i in range(clients)))
    accepted = window.statuses.get("202", 0)
    return {
        "platform": platform,
        "clients": clients,
        "seconds": seconds,
        "warmup_seconds": warmup,
        "warmup_requests": window.warmup_requests,
        "requests": sum(window.statuses.values()),
        "accepted": accepted,
        "statuses": dict(window.statuses),
        "events_per_second": round(accepted / seconds, 1),
        "latency": latency_summary(window.latencies),
        "loadgen_cpu_seconds": round(own_cpu_seconds() - cpu_before, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.loadgen", description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--run-id", default=f"r{int(time.time())}")
    parser.add_argument("--platform", choices=("native", "chatwoot"), default="native")
    args = parser.parse_args(argv)
    if not args.url.startswith(("http://127.", "http://localhost")):
        parser.error("the load generator only targets loopback addresses")
    result = _run_fast(run(args.url, args.seconds, args.warmup, args.clients, args.run_id, args.platform))
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


def _run_fast(coro: Any) -> dict[str, Any]:
    """Run on uvloop when installed (it is, with uvicorn[standard]): the generator then costs less CPU."""
    try:
        import uvloop
    except ImportError:
        result: dict[str, Any] = asyncio.run(coro)
        return result
    return uvloop.run(coro)


if __name__ == "__main__":
    raise SystemExit(main())
