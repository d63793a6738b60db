"""Counts behind the health page and /metrics: jobs per state and kind, deliveries per state, the
oldest due job, the latest job error."""

from __future__ import annotations

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
    at: datetime


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

    async def last_job_error(self) -> LastError | None:
        query = (
            select(JobRow)
            .where(col(JobRow.last_error).is_not(None))
            .order_by(col(JobRow.updated_at).desc())
            .limit(1)
        )
        async with self._sessions() as session:
            row = (await session.exec(query)).first()
        if row is None or row.id is None or row.last_error is None:
            return None
        return LastError(row.id, row.kind, row.last_error, row.updated_at)

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
