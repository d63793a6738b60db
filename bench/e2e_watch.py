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

    def record(self, stats: dict[str, Any]) -> None:
        self.timeline.append(
            {
                "t": round(time.perf_counter() - self._started, 2),
                "requests": stats["odata_requests"],
                "cases_created": stats["odata"].get("POST", {}).get("Case", 0),
                "activities_created": stats["odata"].get("POST", {}).get("Activity", 0),
            }
        )

    async def wait_synced(
        self, baseline: set[str], cases: int, activities: int, give_up_after: float
    ) -> float | None:
        """Seconds into the run when `cases` new cases were resolved with `activities` activities in all;
        None if that did not happen within `give_up_after` seconds."""
        while time.perf_counter() - self._started < give_up_after:
            stats = await self.stats()
            if stats["odata"].get("POST", {}).get("Activity", 0) >= activities:
                rows = (await self._sandbox.get("/__sandbox/cases")).json()["cases"]
                resolved = sum(c["Id"] not in baseline and c["StatusId"] == RESOLVED_STATUS for c in rows)
                if resolved >= cases:
                    self.record(stats)
                    return float(self.timeline[-1]["t"])
            await asyncio.sleep(0.1)
        return None

    def at(self, seconds: float) -> dict[str, Any]:
        """The last sample taken at or before `seconds` into the run."""
        earlier = [s for s in self.timeline if s["t"] <= seconds]
        return earlier[-1] if earlier else {"t": 0.0, "requests": 0, "cases_created": 0}
