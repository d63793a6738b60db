"""The chat platform of a chaos run: posts every conversation's events, paced over a number of seconds,
and posts again whatever was not acknowledged, until it is.

An event counts as delivered when Casebridge answers 202 (stored) or 200 (a repeat of a stored event).
Anything else (the connection refused or cut because `serve` was killed, a 502 from the proxy, a 5xx)
is posted again (signed anew) after a short pause, round-robin over the given URLs. A 4xx other than
408/429 is a rejection: counted, never retried, and it fails the run's check.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bench.chaos_script import Script
from bench.events import signed
from bench.rawhttp import RawConnection, RawHttpError

EVENTS_PATH = "/api/v1/events"
RETRY_PAUSE = 0.2
ACCEPTED = {200, 202}
RETRIED_4XX = {408, 425, 429}


@dataclass
class PostLog:
    """What the poster saw; times are seconds since the posting started."""

    statuses: Counter[str] = field(default_factory=Counter)
    attempts: int = 0
    retried: int = 0  # attempts not acknowledged, posted again
    rejected: list[str] = field(default_factory=list)
    unacknowledged: list[str] = field(default_factory=list)
    acknowledged_202: set[str] = field(default_factory=set)
    last_ack_at: float = 0.0
    seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "attempts": self.attempts,
            "statuses": dict(sorted(self.statuses.items())),
            "retried": self.retried,
            "rejected": self.rejected[:10],
            "rejected_count": len(self.rejected),
            "unacknowledged": self.unacknowledged[:10],
            "unacknowledged_count": len(self.unacknowledged),
            "accepted_202": len(self.acknowledged_202),
            "last_ack_at": round(self.last_ack_at, 2),
            "seconds": round(self.seconds, 2),
        }


class _Pool:
    """Keep-alive connections per URL; a connection that failed is closed, never reused, and one idle
    for longer than IDLE_SECONDS is closed rather than reused (uvicorn closes idle ones after 5 s: a
    post on such a connection would fail for a reason that has nothing to do with the chaos)."""

    IDLE_SECONDS = 2.0

    def __init__(self, urls: list[str]) -> None:
        self._idle: dict[str, list[tuple[float, RawConnection]]] = {url: [] for url in urls}
        self._next = itertools.cycle(urls)

    def pick(self) -> str:
        return next(self._next)

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        http = await self._acquire(url)
        try:
            status, _ = await http.post(EVENTS_PATH, body, headers)
        except BaseException:
            await http.close()
            raise
        self._idle[url].append((time.perf_counter(), http))
        return status

    async def _acquire(self, url: str) -> RawConnection:
        idle = self._idle[url]
        while idle:
            used_at, http = idle.pop()
            if time.perf_counter() - used_at < self.IDLE_SECONDS:
                return http
            await http.close()
        return await RawConnection.open(url)

    async def close(self) -> None:
        for connections in self._idle.values():
            for _, http in connections:
                await http.close()
            connections.clear()


class Poster:
    def __init__(self, urls: list[str], secret: str, *, give_up_after: float = 180.0) -> None:
        self._pool = _Pool(urls)
        self._secret = secret
        self._give_up_after = give_up_after
        self.log = PostLog()
        self._started = time.perf_counter()

    def now(self) -> float:
        return time.perf_counter() - self._started

    async def run(
        self, scripts: list[Script], post_seconds: float, gap: float, *, started: float, senders: int = 64
    ) -> PostLog:
        """Conversation n starts at n * post_seconds / len(scripts) after `started` (a perf_counter
        time, the run's zero); its events follow `gap` apart, each once the previous one was
        acknowledged. At most `senders` conversations are in flight."""
        self._started = started
        slots = asyncio.Semaphore(senders)
        spacing = post_seconds / max(1, len(scripts))

        async def conversation(n: int, s: Script) -> None:
            await asyncio.sleep(max(0.0, n * spacing - self.now()))
            async with slots:
                for i, event in enumerate(s.events):
                    if i:
                        await asyncio.sleep(gap)
                    await self._deliver(event)

        try:
            await asyncio.gather(*(conversation(n, s) for n, s in enumerate(scripts)))
        finally:
            await self._pool.close()
        self.log.seconds = self.now()
        return self.log

    async def _deliver(self, event: dict[str, Any]) -> None:
        deadline = self.now() + self._give_up_after
        while self.now() < deadline:
            body, headers = signed(event, self._secret)
            self.log.attempts += 1
            try:
                status = await self._pool.post(self._pool.pick(), body, headers)
            except (OSError, asyncio.IncompleteReadError, RawHttpError) as exc:
                self.log.statuses[type(exc).__name__] += 1
            else:
                self.log.statuses[str(status)] += 1
                if status in ACCEPTED:
                    if status == 202:
                        self.log.acknowledged_202.add(event["id"])
                    self.log.last_ack_at = max(self.log.last_ack_at, self.now())
                    return
                if 400 <= status < 500 and status not in RETRIED_4XX:
                    self.log.rejected.append(f"{event['id']}: {status}")
                    return
            self.log.retried += 1
            await asyncio.sleep(RETRY_PAUSE)
        self.log.unacknowledged.append(event["id"])
