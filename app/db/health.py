"""Counts behind the health page and /metrics: jobs per state and kind, deliveries per state, the
oldest due job, the latest job error, the jobs waiting for their next try."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select

from app.db.engine import SessionFactory
from app.db.tables import DeliveryRow, JobRow


@dataclass(frozen=True)
class JobCount:
    kind: str
    state: str
    count: int


@dataclass(frozen=True)
class LastError:
    job_id: int
    kind: str
    error: str
    at: datetime  # when the job was last updated: the failure, or its success since
    state: str


@dataclass(frozen=True)
class WaitingJob:
    id: int
    kind: str
    attempts: int
    max_attempts: int
    run_after: datetime  # its next try
    last_error: str | None


class HealthQueries:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def job_counts(self) -> list[JobCount]:
        """Unfinished and dead jobs per kind (done jobs are not counted: they are purged after a week)."""
        query = (
            select(JobRow.kind, JobRow.state, func.count())
            .where(col(JobRow.state).in_(["queued", "running", "dead"]))
            .group_by(col(JobRow.kind), col(JobRow.state))
            .order_by(col(JobRow.kind), col(JobRow.state))
        )
        async with self._sessions() as session:
            rows = (await session.exec(query)).all()
        return [JobCount(kind, state, int(count)) for kind, state, count in rows]

    async def last_job_error(self, kinds: Collection[str] | None = None) -> LastError | None:
        """The latest error any job recorded (of these kinds), whether the job failed for good or not."""
        query = (
            select(JobRow)
            .where(col(JobRow.last_error).is_not(None))
            .order_by(col(JobRow.updated_at).desc())
            .limit(1)
        )
        if kinds is not None:
            query = query.where(col(JobRow.kind).in_(list(kinds)))
        async with self._sessions() as session:
            row = (await session.exec(query)).first()
        if row is None or row.id is None or row.last_error is None:
            return None
        return LastError(row.id, row.kind, row.last_error, row.updated_at, row.state)

    async def waiting_jobs(self, limit: int) -> list[WaitingJob]:
        """Queued jobs, the next to be tried first."""
        query = (
            select(JobRow)
            .where(col(JobRow.state) == "queued")
            .order_by(col(JobRow.run_after), col(JobRow.id))
            .limit(limit)
        )
        async with self._sessions() as session:
            rows = (await session.exec(query)).all()
        return [
            WaitingJob(r.id, r.kind, r.attempts, r.max_attempts, r.run_after, r.last_error)
            for r in rows
            if r.id is not None
        ]

    async def oldest_due_job(self, now: datetime) -> datetime | None:
        """When the longest-waiting runnable job became due (None when nothing waits)."""
        query = select(func.min(JobRow.run_after)).where(
            col(JobRow.state) == "queued", col(JobRow.run_after) <= now
        )
        async with self._sessions() as session:
            oldest: datetime | None = (await session.exec(query)).one()
        return oldest

    async def unfinished_deliveries(self) -> dict[str, int]:
        """Deliveries not delivered yet, per state (queued, retrying, failed)."""
        query = (
            select(DeliveryRow.state, func.count())
            .where(col(DeliveryRow.state) != "delivered")
            .group_by(col(DeliveryRow.state))
        )
        async with self._sessions() as session:
            rows = (await session.exec(query)).all()
        return {state: int(count) for state, count in rows}

    async def failed_deliveries(self) -> int:
        query = select(func.count()).select_from(DeliveryRow).where(col(DeliveryRow.state) == "failed")
        async with self._sessions() as session:
            return int((await session.exec(query)).one())
