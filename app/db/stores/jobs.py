"""Durable job queue queries: enqueue, claim with a lease, finish, retry, dead-letter."""

from __future__ import annotations

import functools
import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Table,
    and_,
    bindparam,
    case,
    delete,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlmodel import col
from sqlmodel import select as orm_select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.prepared import Prepared
from app.db.tables import JobRow, utcnow
from app.db.transactions import Transactions
from app.domain.text_rules import storable
from app.ports.jobs import ClaimedJob

ACTIVE_STATES = ("queued", "running")
JOBS: Table = JobRow.__table__  # type: ignore[attr-defined]


async def enqueue(
    session: AsyncSession,
    kind: str,
    payload: dict[str, Any],
    *,
    queue_key: str | None = None,
    coalesce: bool = False,
    run_after: datetime | None = None,
) -> None:
    """Add a job inside the caller's transaction. With coalesce, a queued twin makes this a no-op. The
    twin is locked (FOR UPDATE, on PostgreSQL): one being claimed right now is waited for and then no
    longer counts, so the work this job stands for is not left to a worker that already read the
    state it comes from (app/db/stores/intake.py, `_enqueue_statement`)."""
    body = json.dumps(payload, sort_keys=True)
    if coalesce:
        twin = orm_select(JobRow.id).where(
            col(JobRow.kind) == kind,
            col(JobRow.queue_key) == queue_key,
            col(JobRow.payload) == body,
            col(JobRow.state) == "queued",
        )
        twin = twin.with_for_update()
        if (await session.exec(twin.limit(1))).first() is not None:
            return
    session.add(JobRow(kind=kind, queue_key=queue_key, payload=body, run_after=run_after or utcnow()))


def _claimable(now: ColumnElement[datetime]) -> ColumnElement[bool]:
    earlier = JOBS.alias("earlier")
    blocked_by_earlier = exists().where(
        earlier.c.queue_key == JOBS.c.queue_key,
        earlier.c.id < JOBS.c.id,
        # Spelled out rather than IN (...): an expanding IN needs SQLAlchemy's execution context, so the
        # claim could not run as a prepared statement in the SQLite writer (app/db/prepared.py).
        or_(*(earlier.c.state == state for state in ACTIVE_STATES)),
    )
    ready = or_(
        and_(JOBS.c.state == "queued", JOBS.c.run_after <= now),
        and_(JOBS.c.state == "running", JOBS.c.leased_until < now),
    )
    return and_(ready, or_(JOBS.c.queue_key.is_(None), ~blocked_by_earlier))


# Compare-and-set on the state and attempts read, so two claimers without row locks cannot both win.
_LEASE = Prepared(
    update(JOBS)
    .where(
        JOBS.c.id == bindparam("job_id"),
        JOBS.c.state == bindparam("read_state"),
        JOBS.c.attempts == bindparam("read_attempts"),
    )
    .values(
        state="running",
        attempts=bindparam("attempts"),
        leased_until=bindparam("leased_until"),
        lease_owner=bindparam("lease_owner"),
        updated_at=bindparam("updated_at"),
    )
)


@functools.lru_cache(maxsize=64)
def _claim_query(dialect: str, limit: int) -> Prepared:
    columns = (JOBS.c.id, JOBS.c.kind, JOBS.c.queue_key, JOBS.c.payload, JOBS.c.state, JOBS.c.attempts)
    now = bindparam("now", type_=JOBS.c.run_after.type)
    query = select(*columns, JOBS.c.max_attempts).where(_claimable(now)).order_by(JOBS.c.id).limit(limit)
    if dialect == "postgresql":
        query = query.with_for_update(skip_locked=True, of=JOBS)
    return Prepared(query)


def claim_jobs(conn: Connection, worker: str, limit: int, lease: timedelta) -> list[ClaimedJob]:
    """Lease up to `limit` runnable jobs; a job waits while an earlier one of its queue key is active."""
    now = utcnow()
    claimed = []
    for job_id, kind, queue_key, payload, state, attempts, max_attempts in (
        _claim_query(conn.dialect.name, limit).execute(conn, {"now": now}).rows
    ):
        params = {
            "job_id": job_id,
            "read_state": state,
            "read_attempts": attempts,
            "attempts": attempts + 1,
            "leased_until": now + lease,
            "lease_owner": worker,
            "updated_at": now,
        }
        if _LEASE.execute(conn, params).rowcount == 1:
            claimed.append(
                ClaimedJob(job_id, kind, queue_key, json.loads(payload), attempts + 1, max_attempts, worker)
            )
    return claimed


# Only the current lease holder may finish a job (or extend its lease); a worker whose lease expired
# lost it. The SET clause comes from the parameters given.
_UPDATE_HELD = Prepared(
    update(JOBS).where(
        JOBS.c.id == bindparam("job_id"),
        JOBS.c.lease_owner == bindparam("worker"),
        JOBS.c.state == "running",
    )
)


def _held(job: ClaimedJob, worker: str) -> dict[str, Any]:
    return {"job_id": job.id, "worker": worker}


def finish_job(
    conn: Connection,
    job: ClaimedJob,
    worker: str,
    *,
    state: str,
    error: str | None = None,
    run_after: datetime | None = None,
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
        values["last_error"] = storable(error[:4000])
    if run_after is not None:
        values["run_after"] = run_after
    _UPDATE_HELD.execute(conn, {**values, **_held(job, worker)})


def complete_job(conn: Connection, job: ClaimedJob) -> None:
    """Mark the job done inside the caller's transaction: a handler's last write can carry it."""
    finish_job(conn, job, job.worker, state="done")


class JobQueue:
    def __init__(self, transactions: Transactions) -> None:
        self._transactions = transactions

    async def claim(self, worker: str, *, limit: int, lease: timedelta) -> list[ClaimedJob]:
        return await self._transactions.run(
            functools.partial(claim_jobs, worker=worker, limit=limit, lease=lease)
        )

    async def complete(self, job: ClaimedJob, worker: str) -> None:
        await self._finish(job, worker, state="done")

    async def retry_later(
        self,
        job: ClaimedJob,
        worker: str,
        error: str | None,
        run_after: datetime,
        *,
        spend_attempt: bool = True,
    ) -> None:
        extra = {} if spend_attempt else {"attempts": job.attempts - 1}
        await self._finish(job, worker, state="queued", error=error, run_after=run_after, **extra)

    async def dead_letter(self, job: ClaimedJob, worker: str, error: str) -> None:
        await self._finish(job, worker, state="dead", error=error)

    async def _finish(self, job: ClaimedJob, worker: str, **outcome: Any) -> None:
        await self._transactions.run(functools.partial(finish_job, job=job, worker=worker, **outcome))

    async def extend_lease(self, job: ClaimedJob, worker: str, until: datetime) -> bool:
        def extend(conn: Connection) -> bool:
            params = {"leased_until": until, **_held(job, worker)}
            return _UPDATE_HELD.execute(conn, params).rowcount == 1

        return await self._transactions.run(extend)

    async def release_leases(self, owner_prefix: str) -> int:
        """Queue again, at once, the running jobs leased by workers whose id starts with `owner_prefix`
        (a dead predecessor of this process: app/bootstrap/worker_slot.py). Attempts stay as they are."""

        def release(conn: Connection) -> int:
            now = utcnow()
            owner = func.substr(JOBS.c.lease_owner, 1, len(owner_prefix))
            statement = (
                update(JOBS)
                .where(JOBS.c.state == "running", owner == owner_prefix)
                .values(state="queued", lease_owner=None, leased_until=None, run_after=now, updated_at=now)
            )
            return int(conn.execute(statement).rowcount)

        return await self._transactions.run(release)

    async def retry_dead(self, job_id: int) -> bool:
        """Put a dead-lettered job back in the queue with a fresh attempt budget."""

        def retry(conn: Connection) -> bool:
            now = utcnow()
            statement = (
                update(JOBS)
                .where(JOBS.c.id == job_id, JOBS.c.state == "dead")
                .values(state="queued", attempts=0, run_after=now, updated_at=now)
            )
            return bool(conn.execute(statement).rowcount == 1)

        return await self._transactions.run(retry)

    async def retry_now(self, job_id: int) -> bool:
        """Run a job at once: a dead-lettered one with a fresh attempt budget, a waiting one (queued for a
        later try) without waiting for its backoff; attempts already spent on it stay counted."""

        def retry(conn: Connection) -> bool:
            now = utcnow()
            statement = (
                update(JOBS)
                .where(JOBS.c.id == job_id, JOBS.c.state.in_(["dead", "queued"]))
                .values(
                    state="queued",
                    attempts=case((JOBS.c.state == "dead", 0), else_=JOBS.c.attempts),
                    run_after=now,
                    updated_at=now,
                )
            )
            return bool(conn.execute(statement).rowcount == 1)

        return await self._transactions.run(retry)

    async def purge_done(self, older_than: datetime, *, limit: int = 1000) -> int:
        """Delete finished jobs last touched before `older_than` (dead letters are kept for admins)."""

        def purge(conn: Connection) -> int:
            ids = select(JOBS.c.id).where(JOBS.c.state == "done", JOBS.c.updated_at < older_than)
            statement = delete(JOBS).where(JOBS.c.id.in_(ids.limit(limit).scalar_subquery()))
            return int(conn.execute(statement).rowcount)

        return await self._transactions.run(purge)
