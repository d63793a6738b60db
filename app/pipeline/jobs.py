"""The durable job runner: claims leased jobs, runs their handlers, retries with backoff (exponential
with jitter, never sooner than the server's Retry-After) or dead-letters failures."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import socket
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import Enum

from app.ports.errors import (
    AuthenticationFailure,
    Deferred,
    NotConnected,
    PermanentFailure,
    TemporaryFailure,
    Throttled,
)
from app.ports.jobs import ClaimedJob, JobQueuePort

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    base_seconds: float = 1.0
    max_seconds: float = 300.0
    auth_failure_seconds: float = 60.0
    not_connected_seconds: float = 30.0
    rng: random.Random = field(default_factory=random.Random, compare=False)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before the next attempt (attempt counts from 1)."""
        ceiling = min(self.max_seconds, self.base_seconds * 2 ** max(0, attempt - 1))
        jittered = self.rng.uniform(ceiling / 2, ceiling)  # "equal jitter": spread out, never near zero
        return max(jittered, retry_after or 0.0)


class Ending(Enum):
    """What a handler may return instead of None."""

    RECORDED = "recorded"  # it marked its job done inside its own last write: no completion write


JobHandler = Callable[[ClaimedJob], Awaitable[Ending | None]]


@dataclass(frozen=True)
class RunnerConfig:
    concurrency: int = 4
    poll_seconds: float = 0.5
    lease_seconds: float = 30.0  # renewed every third of it while the job runs (the heartbeat)
    job_timeout_seconds: float = 240.0  # the longest a job may run
    keep_done_days: float = 7.0
    max_attempts: int | None = None  # when set, every job's budget (CASEBRIDGE_JOB_MAX_ATTEMPTS)
    policy: RetryPolicy = field(default_factory=RetryPolicy)


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"


class JobRunner:
    def __init__(
        self,
        queue: JobQueuePort,
        handlers: Mapping[str, JobHandler],
        config: RunnerConfig | None = None,
        worker_id: str | None = None,
    ) -> None:
        self._queue = queue
        self._handlers = dict(handlers)
        self._config = config or RunnerConfig()
        self.worker_id = worker_id or new_worker_id()
        self._wakeup = asyncio.Event()
        self._next_purge: datetime | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._latest_due = 0.0

    def wake(self, after: float = 0.0) -> None:
        """Tell the runner new work was enqueued in this process, so it claims without waiting to poll;
        `after` seconds when the work is not due before (one timer for many such calls: a claim that
        finds nothing due is wasted work)."""
        if after <= 0:
            self._wakeup.set()
            return
        loop = asyncio.get_running_loop()
        self._latest_due = max(self._latest_due, loop.time() + after)
        if self._timer is None:
            self._timer = loop.call_at(self._latest_due, self._wake_when_due)

    def _wake_when_due(self) -> None:
        self._timer = None
        self._wakeup.set()
        loop = asyncio.get_running_loop()
        if self._latest_due > loop.time():  # work enqueued since the timer was set is due later
            self._timer = loop.call_at(self._latest_due, self._wake_when_due)

    async def run(self, stop: asyncio.Event) -> None:
        """Claim and run jobs until `stop` is set, then let the jobs in flight finish."""
        in_flight: set[asyncio.Task[None]] = set()
        try:
            while not stop.is_set():
                await self._purge_now_and_then()
                self._wakeup.clear()  # before claiming, so a wake-up during the claim is not lost
                free = self._config.concurrency - len(in_flight)
                for job in await self._claim(free) if free > 0 else []:
                    in_flight.add(asyncio.create_task(self._run_one(job)))
                in_flight = await self._wait(in_flight, stop)
        finally:
            if in_flight:
                await asyncio.gather(*in_flight, return_exceptions=True)

    async def run_until_idle(self, *, max_seconds: float = 60.0) -> None:
        """Run until no job is runnable now (due later does not count); for tests and one-shot use."""
        async with asyncio.timeout(max_seconds):
            while True:
                jobs = await self._claim(self._config.concurrency)
                if not jobs:
                    return
                await asyncio.gather(*(self._run_one(job) for job in jobs))

    async def _purge_now_and_then(self) -> None:
        now = datetime.now(UTC)
        if self._next_purge is not None and now < self._next_purge:
            return
        self._next_purge = now + timedelta(minutes=10)
        try:
            purged = await self._queue.purge_done(now - timedelta(days=self._config.keep_done_days))
        except Exception:
            logger.exception("purging finished jobs failed; will try again later")
            return
        if purged:
            logger.info("purged finished jobs", extra={"count": purged})

    async def _claim(self, limit: int) -> list[ClaimedJob]:
        try:
            jobs = await self._queue.claim(
                self.worker_id, limit=limit, lease=timedelta(seconds=self._config.lease_seconds)
            )
        except Exception:
            logger.exception("claiming jobs failed; will try again")
            return []
        if (budget := self._config.max_attempts) is not None:  # also for jobs queued before a change
            jobs = [replace(job, max_attempts=budget) for job in jobs]
        return jobs

    async def _wait(self, in_flight: set[asyncio.Task[None]], stop: asyncio.Event) -> set[asyncio.Task[None]]:
        waiters = {asyncio.create_task(self._wakeup.wait()), asyncio.create_task(stop.wait())}
        done, _ = await asyncio.wait(
            in_flight | waiters, timeout=self._config.poll_seconds, return_when=asyncio.FIRST_COMPLETED
        )
        for waiter in waiters:
            waiter.cancel()
        return {task for task in in_flight if task not in done}

    async def _run_one(self, job: ClaimedJob) -> None:
        handler = self._handlers.get(job.kind)
        if handler is None:
            await self._queue.dead_letter(job, self.worker_id, f"no handler for job kind {job.kind!r}")
            return
        try:
            try:
                ending = await self._while_leased(job, handler)
            except LeaseLost as lost:
                logger.warning(str(lost), extra={"job_id": job.id, "kind": job.kind})
                return
            except Exception as exc:
                await self._handle_failure(job, exc)
            else:
                if ending is not Ending.RECORDED:
                    await self._queue.complete(job, self.worker_id)
        except Exception:  # the database failed us; the lease runs out and the job runs again
            logger.exception("recording a job's outcome failed", extra={"job_id": job.id, "kind": job.kind})

    async def _while_leased(self, job: ClaimedJob, handler: JobHandler) -> Ending | None:
        """Run the handler while renewing the job's lease every third of it (the heartbeat). The lease can
        then be short, so a crashed worker's jobs run again soon; a job that cannot keep its lease is
        stopped before another worker may start it."""
        loop = asyncio.get_running_loop()
        lease = self._config.lease_seconds
        deadline = loop.time() + self._config.job_timeout_seconds
        held_until = loop.time() + lease
        task: asyncio.Future[Ending | None] = asyncio.ensure_future(handler(job))
        try:
            while True:
                wait = min(lease / 3, deadline - loop.time())
                done, _ = await asyncio.wait({task}, timeout=max(wait, 0.0))
                if done:
                    return task.result()
                if loop.time() >= deadline:
                    raise TimeoutError
                renewed_at = loop.time()
                try:
                    kept = await self._queue.extend_lease(
                        job, self.worker_id, datetime.now(UTC) + timedelta(seconds=lease)
                    )
                except Exception:
                    logger.warning("renewing a job's lease failed", extra={"job_id": job.id}, exc_info=True)
                    kept = None
                if kept:
                    held_until = renewed_at + lease
                elif kept is False or loop.time() >= held_until - lease / 3:
                    raise LeaseLost("the job's lease could not be kept: stopped, to run again later")
        finally:
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    async def _handle_failure(self, job: ClaimedJob, exc: Exception) -> None:
        policy, now = self._config.policy, datetime.now(UTC)
        message = _describe(exc)
        log = {"job_id": job.id, "kind": job.kind, "attempt": job.attempts, "error": message}
        if isinstance(exc, NotConnected):
            run_after = now + timedelta(seconds=policy.not_connected_seconds)
            await self._queue.retry_later(job, self.worker_id, message, run_after, spend_attempt=False)
            logger.info("job waits for a connection", extra=log)
            return
        if isinstance(exc, Deferred):
            delay = policy.delay(job.attempts, exc.retry_after)
            failure = message if isinstance(exc, Throttled) else None  # waiting for other work is no failure
            await self._queue.retry_later(
                job, self.worker_id, failure, now + timedelta(seconds=delay), spend_attempt=False
            )
            waits = "job waits: Creatio asked to slow down" if isinstance(exc, Throttled) else "job waits"
            logger.info(waits, extra={**log, "delay_s": round(delay, 2)})
            return
        if isinstance(exc, PermanentFailure) or job.attempts >= job.max_attempts:
            await self._queue.dead_letter(job, self.worker_id, message)
            logger.error("job dead-lettered", extra=log)
            return
        retry_after = exc.retry_after if isinstance(exc, TemporaryFailure) else None
        if isinstance(exc, AuthenticationFailure):
            retry_after = max(retry_after or 0.0, policy.auth_failure_seconds)
        delay = policy.delay(job.attempts, retry_after)
        await self._queue.retry_later(job, self.worker_id, message, now + timedelta(seconds=delay))
        level = logging.WARNING if isinstance(exc, TemporaryFailure) else logging.ERROR
        logger.log(
            level, "job will be retried", extra={**log, "delay_s": round(delay, 2)}, exc_info=level >= 40
        )


class LeaseLost(Exception):
    """The job's lease ended or was taken over (or it finished in its own write): its outcome is not ours
    to record."""


def _describe(exc: Exception) -> str:
    if isinstance(exc, TimeoutError):
        return "the job ran out of time (CASEBRIDGE_JOB_TIMEOUT_SECONDS)"
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {message}"


async def stop_runner(task: asyncio.Task[None], stop: asyncio.Event) -> None:
    stop.set()
    with contextlib.suppress(asyncio.CancelledError):
        await task
