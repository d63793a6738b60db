"""Watches the sandbox during an end-to-end run: a timeline of Creatio traffic, and when all is synced."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from bench.servers import RESOLVED_STATUS


class Watcher:
    """Samples `/__sandbox/stats` once a second (cheap) while the run goes on."""

    def __init__(self, sandbox: httpx.AsyncClient, started: float) -> None:
        self._sandbox = sandbox
        self._started = started
        self.timeline: list[dict[str, Any]] = []

    async def stats(self) -> dict[str, Any]:
        stats: dict[str, Any] = (await self._sandbox.get("/__sandbox/stats")).json()
        return stats

    async def sample_forever(self) -> None:
        while True:
            self.record(await self.stats())
            await asyncio.sleep(1.0)

    def record(self, stats: dict[str, Any], at: float | None = None) -> None:
        self.timeline.append(
            {
                "t": round((time.perf_counter() if at is None else at) - self._started, 2),
                "requests": stats["odata_requests"],
                "cases_created": stats["odata"].get("POST", {}).get("Case", 0),
                "activities_created": stats["odata"].get("POST", {}).get("Activity", 0),
            }
        )

    async def wait_synced(
        self, baseline: set[str], cases: int, activities: int, give_up_after: float
    ) -> float | None:
        """Seconds into the run when `cases` new cases were resolved with `activities` activities in all;
        None if that did not happen within `give_up_after` seconds.

        The stats are polled every 50 ms. The full case list, a heavy answer for the sandbox while it
        still serves Casebridge, is fetched only once all expected activities are in (or, if their
        count stops growing short of that, every 2 s), at most every 250 ms. The time is that of the
        stats answer that showed them: the sandbox was complete then, the case fetch only confirms it."""
        next_full_check = 0.0
        last_count, last_change = -1, time.perf_counter()
        while (now := time.perf_counter()) - self._started < give_up_after:
            stats = await self.stats()
            seen_at = time.perf_counter()
            count = stats["odata"].get("POST", {}).get("Activity", 0)
            if count != last_count:
                last_count, last_change = count, seen_at
            stalled = count > 0 and seen_at - last_change > 2.0
            if (count >= activities or stalled) and seen_at >= next_full_check:
                next_full_check = seen_at + (2.0 if count < activities else 0.25)
                if await self._resolved_cases(baseline) >= cases:
                    self.record(stats, at=seen_at)
                    return float(self.timeline[-1]["t"])
            await asyncio.sleep(max(0.0, 0.05 - (time.perf_counter() - now)))
        return None

    async def _resolved_cases(self, baseline: set[str]) -> int:
        rows = (await self._sandbox.get("/__sandbox/cases")).json()["cases"]
        return sum(c["Id"] not in baseline and c["StatusId"] == RESOLVED_STATUS for c in rows)

    def at(self, seconds: float) -> dict[str, Any]:
        """The last sample taken at or before `seconds` into the run."""
        earlier = [s for s in self.timeline if s["t"] <= seconds]
        return earlier[-1] if earlier else {"t": 0.0, "requests": 0, "cases_created": 0}
