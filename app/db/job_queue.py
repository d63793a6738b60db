"""Durable job queue queries: enqueue, claim with a lease, finish, retry, dead-letter."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, exists, or_, update
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.engine import SessionFactory
from app.db.tables import JobRow, utcnow

ACTIVE_STATES = ("queued", "running")


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    kind: str
    queue_key: str | None
    payload: dict[str, Any]
    attempts: int  # including this one
    max_attempts: int


async def enqueue(
    session: AsyncSession,
    kind: str,
    payload: dict[str, Any],
    *,
    queue_key: str | None = None,
    coalesce: bool = False,
    run_after: datetime | None = None,
) -> None:
    """Add a job inside the caller's transaction. With coalesce, a queued twin makes this a no-op."""
    body = json.dumps(payload, sort_keys=True)
    if coalesce:
        twin = select(JobRow.id).where(
            col(JobRow.kind) == kind,
            col(JobRow.queue_key) == queue_key,
            col(JobRow.payload) == body,
            col(JobRow.state) == "queued",
        )
        if (await session.exec(twin.limit(1))).first() is not None:
            return
    session.add(JobRow(kind=kind, queue_key=queue_key, payload=body, run_after=run_after or utcnow()))


def _claimable(now: datetime) -> ColumnElement[bool]:
    earlier = aliased(JobRow)
    blocked_by_earlier = exists().where(
        col(earlier.queue_key) == col(JobRow.queue_key),
        col(earlier.id) < col(JobRow.id),
        col(earlier.state).in_(ACTIVE_STATES),
    )
    ready = or_(
        and_(col(JobRow.state) == "queued", col(JobRow.run_after) <= now),
        and_(col(JobRow.state) == "running", col(JobRow.leased_until) < now),
    )
    return and_(ready, or_(col(JobRow.queue_key).is_(None), ~blocked_by_earlier))


class JobQueue:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def claim(self, worker: str, *, limit: int, lease: timedelta) -> list[ClaimedJob]:
        """Lease up to `limit` runnable jobs; a job waits while an earlier one of its queue key is active."""
        now = utcnow()
        async with self._sessions() as session, session.begin():
            query = select(JobRow).where(_claimable(now)).order_by(col(JobRow.id)).limit(limit)
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True, of=JobRow)
            rows = list((await session.exec(query)).all())
            claimed = [await self._lease(session, row, worker, now + lease) for row in rows]
        return [job for job in claimed if job is not None]

    async def _lease(
        self, session: AsyncSession, row: JobRow, worker: str, until: datetime
    ) -> ClaimedJob | None:
        assert row.id is not None
        job = ClaimedJob(
            row.id, row.kind, row.queue_key, json.loads(row.payload), row.attempts + 1, row.max_attempts
        )
        # Compare-and-set on the state we read, so two claimers on SQLite cannot both win.
        statement = (
            update(JobRow)
            .where(
                col(JobRow.id) == row.id, col(JobRow.state) == row.state, col(JobRow.attempts) == row.attempts
            )
            .values(
                state="running",
                attempts=job.attempts,
                leased_until=until,
                lease_owner=worker,
                updated_at=utcnow(),
            )
            .execution_options(synchronize_session=False)
        )
        result = await session.exec(statement)
        return job if result.rowcount == 1 else None

    async def complete(self, job: ClaimedJob, worker: str) -> None:
        await self._finish(job, worker, state="done", error=None, run_after=None)

    async def retry_later(
        self, job: ClaimedJob, worker: str, error: str, run_after: datetime, *, spend_attempt: bool = True
    ) -> None:
        extra = {} if spend_attempt else {"attempts": job.attempts - 1}
        await self._finish(job, worker, state="queued", error=error, run_after=run_after, **extra)

    async def dead_letter(self, job: ClaimedJob, worker: str, error: str) -> None:
        await self._finish(job, worker, state="dead", error=error, run_after=None)

    async def _finish(
        self,
        job: ClaimedJob,
        worker: str,
        *,
        state: str,
        error: str | None,
        run_after: datetime | None,
        **extra: int,
    ) -> None:
        values: dict[str, Any] = {
            "state": state,
            "leased_until": None,
            "lease_owner": None,
            "updated_at": utcnow(),
        }
        values.update(extra)
        if error is not None:
            values["last_error"] = error[:4000]
        if run_after is not None:
            values["run_after"] = run_after
        async with self._sessions() as session, session.begin():
            # Only the current lease holder may finish a job; a worker whose lease expired lost it.
            await session.exec(
                update(JobRow)
                .where(
                    col(JobRow.id) == job.id,
                    col(JobRow.lease_owner) == worker,
                    col(JobRow.state) == "running",
                )
                .values(**values)
            )

    async def extend_lease(self, job: ClaimedJob, worker: str, until: datetime) -> bool:
        async with self._sessions() as session, session.begin():
            result = await session.exec(
                update(JobRow)
                .where(
                    col(JobRow.id) == job.id,
                    col(JobRow.lease_owner) == worker,
                    col(JobRow.state) == "running",
                )
                .values(leased_until=until)
            )
            return bool(result.rowcount == 1)

    async def retry_dead(self, job_id: int) -> bool:
        """Put a dead-lettered job back in the queue with a fresh attempt budget."""
        async with self._sessions() as session, session.begin():
            result = await session.exec(
                update(JobRow)
                .where(col(JobRow.id) == job_id, col(JobRow.state) == "dead")
                .values(state="queued", attempts=0, run_after=utcnow(), updated_at=utcnow())
            )
            return bool(result.rowcount == 1)

    async def purge_done(self, older_than: datetime, *, limit: int = 1000) -> int:
        """Delete finished jobs last touched before `older_than` (dead letters are kept for admins)."""
        async with self._sessions() as session, session.begin():
            ids = select(JobRow.id).where(col(JobRow.state) == "done", col(JobRow.updated_at) < older_than)
            result = await session.exec(
                delete(JobRow).where(col(JobRow.id).in_(ids.limit(limit).scalar_subquery()))
            )
            return int(result.rowcount)
