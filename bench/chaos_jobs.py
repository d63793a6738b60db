"""Reads the `jobs` table of a chaos run directly (read-only, a connection of its own): job counts by
state, which jobs a process holds when it is killed, and how long they take to come back and finish."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

ACTIVE = ("queued", "running")
FINISHED = ("done", "dead")


class JobProbe:
    def __init__(self, database_url: str) -> None:
        self._engine: AsyncEngine = create_async_engine(database_url, pool_size=2, max_overflow=0)

    async def close(self) -> None:
        await self._engine.dispose()

    async def _rows(self, statement: Any, **params: Any) -> list[Any]:
        async with self._engine.connect() as conn:
            return list((await conn.execute(statement, params)).all())

    async def counts(self) -> dict[str, int]:
        rows = await self._rows(text("SELECT state, count(*) FROM jobs GROUP BY state"))
        return {str(state): int(n) for state, n in rows}

    async def attempts(self) -> dict[str, int]:
        """Attempts over all jobs: the total and the most any one job needed."""
        rows = await self._rows(
            text("SELECT coalesce(sum(attempts), 0), coalesce(max(attempts), 0) FROM jobs")
        )
        total, most = rows[0]
        return {"total": int(total), "max": int(most)}

    async def dead_errors(self, limit: int = 5) -> list[str]:
        statement = text("SELECT last_error FROM jobs WHERE state = 'dead' ORDER BY id LIMIT :limit")
        return [str(error) for (error,) in await self._rows(statement, limit=limit)]

    async def held_by(self, owner: str) -> set[int]:
        statement = text("SELECT id FROM jobs WHERE state = 'running' AND lease_owner = :owner")
        return {int(job_id) for (job_id,) in await self._rows(statement, owner=owner)}

    async def states(self, ids: set[int]) -> dict[int, tuple[str, str | None]]:
        if not ids:
            return {}
        statement = text("SELECT id, state, lease_owner FROM jobs WHERE id IN :ids").bindparams(
            bindparam("ids", expanding=True)
        )
        rows = await self._rows(statement, ids=sorted(ids))
        return {int(job_id): (str(state), owner) for job_id, state, owner in rows}


@dataclass
class KillRecord:
    """One `kill -9` and what became of the jobs the process held; times in seconds since the kill."""

    victim: str
    at: float  # seconds into the run
    how: str  # how it came back: "restarted in place" or "replaced (new data dir)"
    held: set[int] = field(default_factory=set)
    restarted_after: float | None = None
    taken_back_after: float | None = None  # every held job queued again or claimed by another worker
    done_after: float | None = None  # every held job finished

    def summary(self) -> dict[str, Any]:
        return {
            "victim": self.victim,
            "at": round(self.at, 1),
            "how": self.how,
            "held_jobs": len(self.held),
            "restarted_after": _round(self.restarted_after),
            "taken_back_after": _round(self.taken_back_after),
            "done_after": _round(self.done_after),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


async def follow_kill(
    probe: JobProbe,
    record: KillRecord,
    owner: str,
    killed_at: float,
    clock: Callable[[], float],
    give_up_after: float = 600.0,
) -> None:
    """Poll the held jobs every 0.1 s until each has left the dead owner's hands and finished."""
    while record.done_after is None and clock() - killed_at < give_up_after:
        states = await probe.states(record.held)
        elapsed = clock() - killed_at
        if record.taken_back_after is None and all(
            state != "running" or lease_owner != owner for state, lease_owner in states.values()
        ):
            record.taken_back_after = elapsed
        if all(state in FINISHED for state, _ in states.values()):
            record.done_after = elapsed
            return
        await asyncio.sleep(0.1)
