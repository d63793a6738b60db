import asyncio
import random
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from app.db.engine import SessionFactory, create_engine, create_session_factory, upgrade_to_head
from app.db.stores.jobs import ClaimedJob, JobQueue, complete_job, enqueue
from app.db.tables import JobRow, utcnow
from app.db.transactions import EngineTransactions, build_transactions
from app.pipeline.jobs import Ending, JobRunner, RetryPolicy, RunnerConfig
from app.ports.errors import Deferred, NotConnected, PermanentFailure, TemporaryFailure, Throttled

FAST = RetryPolicy(
    base_seconds=0.01,
    max_seconds=0.05,
    auth_failure_seconds=0.01,
    not_connected_seconds=0.01,
    rng=random.Random(1),
)


async def _enqueue(
    sessions: SessionFactory,
    kind: str,
    payload: dict[str, object],
    key: str | None = None,
    coalesce: bool = False,
) -> None:
    async with sessions() as session, session.begin():
        await enqueue(session, kind, payload, queue_key=key, coalesce=coalesce)


async def _jobs(sessions: SessionFactory) -> list[JobRow]:
    async with sessions() as session:
        return list((await session.exec(select(JobRow).order_by(JobRow.id))).all())  # type: ignore[arg-type]


def _queue(sessions: SessionFactory) -> JobQueue:
    return JobQueue(EngineTransactions(sessions.kw["bind"]))


def _runner(sessions: SessionFactory, handlers: dict[str, object], **config: object) -> JobRunner:
    return JobRunner(_queue(sessions), handlers, RunnerConfig(policy=FAST, poll_seconds=0.02, **config))  # type: ignore[arg-type]


async def test_jobs_of_one_queue_key_run_one_at_a_time_in_order(sessions: SessionFactory) -> None:
    events: list[str] = []

    async def handler(job: ClaimedJob) -> None:
        events.append(f"start {job.payload['n']}")
        await asyncio.sleep(0.01)
        events.append(f"end {job.payload['n']}")

    for n in range(4):
        await _enqueue(sessions, "k", {"n": n}, key="conv:a")
    await _runner(sessions, {"k": handler}, concurrency=4).run_until_idle()
    assert events == [f"{what} {n}" for n in range(4) for what in ("start", "end")]
    assert [job.state for job in await _jobs(sessions)] == ["done"] * 4


async def test_different_queue_keys_run_concurrently(sessions: SessionFactory) -> None:
    running, peak = 0, 0

    async def handler(job: ClaimedJob) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.05)
        running -= 1

    for n in range(3):
        await _enqueue(sessions, "k", {"n": n}, key=f"conv:{n}")
    await _runner(sessions, {"k": handler}, concurrency=3).run_until_idle()
    assert peak == 3


async def test_temporary_failure_is_retried_after_retry_after(sessions: SessionFactory) -> None:
    attempts: list[float] = []

    async def handler(job: ClaimedJob) -> None:
        attempts.append(asyncio.get_running_loop().time())
        if len(attempts) == 1:
            raise TemporaryFailure("Creatio answered 429", retry_after=0.3)

    await _enqueue(sessions, "k", {})
    runner = _runner(sessions, {"k": handler})
    await runner.run_until_idle()
    [job] = await _jobs(sessions)
    assert job.state == "queued"
    assert job.last_error == "TemporaryFailure: Creatio answered 429"
    await asyncio.sleep(0.35)
    await runner.run_until_idle()
    [job] = await _jobs(sessions)
    assert (job.state, job.attempts) == ("done", 2)
    assert attempts[1] - attempts[0] >= 0.3


async def test_permanent_failure_dead_letters_and_admin_retry_requeues(sessions: SessionFactory) -> None:
    fail = True

    async def handler(job: ClaimedJob) -> None:
        if fail:
            raise PermanentFailure("Creatio rejected the case: column UsrX does not exist")

    await _enqueue(sessions, "k", {})
    runner = _runner(sessions, {"k": handler})
    await runner.run_until_idle()
    [job] = await _jobs(sessions)
    assert (job.state, job.attempts) == ("dead", 1)
    assert job.last_error is not None
    assert "UsrX does not exist" in job.last_error
    fail = False
    assert job.id is not None
    assert await _queue(sessions).retry_dead(job.id)
    await runner.run_until_idle()
    assert [j.state for j in await _jobs(sessions)] == ["done"]


async def test_an_error_message_with_nul_characters_is_kept_without_them(sessions: SessionFactory) -> None:
    """Error texts can quote a peer's answer; PostgreSQL cannot store U+0000."""

    async def handler(job: ClaimedJob) -> None:
        raise PermanentFailure("Creatio answered: bad\x00value")

    await _enqueue(sessions, "k", {})
    await _runner(sessions, {"k": handler}).run_until_idle()
    [job] = await _jobs(sessions)
    assert (job.state, job.last_error) == ("dead", "PermanentFailure: Creatio answered: badvalue")


async def test_attempts_cap_dead_letters_with_last_error(sessions: SessionFactory) -> None:
    async def handler(job: ClaimedJob) -> None:
        raise TemporaryFailure(f"down (attempt {job.attempts})")

    await _enqueue(sessions, "k", {})
    async with sessions() as session, session.begin():
        row = (await session.exec(select(JobRow))).one()
        row.max_attempts = 3
    runner = _runner(sessions, {"k": handler})
    for _ in range(10):
        await runner.run_until_idle()
        await asyncio.sleep(0.06)
    [job] = await _jobs(sessions)
    assert (job.state, job.attempts, job.last_error) == ("dead", 3, "TemporaryFailure: down (attempt 3)")


async def test_the_configured_attempts_budget_applies_to_every_job(sessions: SessionFactory) -> None:
    """CASEBRIDGE_JOB_MAX_ATTEMPTS reaches the runner, and applies to jobs queued before it changed."""

    async def handler(job: ClaimedJob) -> None:
        raise TemporaryFailure(f"down (attempt {job.attempts})")

    await _enqueue(sessions, "k", {})  # stored with the table's default budget, 12
    runner = _runner(sessions, {"k": handler}, max_attempts=2)
    for _ in range(10):
        await runner.run_until_idle()
        await asyncio.sleep(0.06)
    [job] = await _jobs(sessions)
    assert (job.state, job.attempts) == ("dead", 2)


async def test_not_connected_waits_without_spending_attempts(sessions: SessionFactory) -> None:
    async def handler(job: ClaimedJob) -> None:
        raise NotConnected("Creatio is not connected yet")

    await _enqueue(sessions, "k", {})
    runner = _runner(sessions, {"k": handler})
    for _ in range(3):
        await runner.run_until_idle()
        await asyncio.sleep(0.02)
    [job] = await _jobs(sessions)
    assert (job.state, job.attempts) == ("queued", 0)


@pytest.mark.parametrize(("waiting", "shown"), [(Throttled, "Throttled: 429"), (Deferred, None)])
async def test_a_throttled_or_deferred_job_waits_as_told_without_spending_attempts(
    sessions: SessionFactory, waiting: type[Deferred], shown: str | None
) -> None:
    """Throttled (a 429) or deferred (other work under way) five times on a budget of three, the job still
    runs: neither says it cannot succeed. Only the 429 is a failure worth showing as the job's last error."""
    answers = iter([waiting("429", retry_after=0.01)] * 5)

    async def handler(job: ClaimedJob) -> None:
        if (answer := next(answers, None)) is not None:
            raise answer

    await _enqueue(sessions, "k", {})
    runner = _runner(sessions, {"k": handler}, max_attempts=3)
    for _ in range(20):
        await runner.run_until_idle()
        await asyncio.sleep(0.06)
    [job] = await _jobs(sessions)
    assert (job.state, job.attempts, job.last_error) == ("done", 1, shown)


async def test_expired_lease_is_taken_over_and_the_old_worker_cannot_finish(sessions: SessionFactory) -> None:
    await _enqueue(sessions, "k", {})
    queue = _queue(sessions)
    # A lease long enough that a garbage-collection pause between the two claims cannot expire it.
    [stale] = await queue.claim("worker-a", limit=5, lease=timedelta(milliseconds=400))
    assert await queue.claim("worker-b", limit=5, lease=timedelta(seconds=30)) == []
    await asyncio.sleep(0.45)
    [taken] = await queue.claim("worker-b", limit=5, lease=timedelta(seconds=30))
    assert (taken.id, taken.attempts) == (stale.id, 2)
    await queue.complete(stale, "worker-a")  # the dead worker's late answer is ignored
    [row] = await _jobs(sessions)
    assert (row.state, row.lease_owner) == ("running", "worker-b")
    await queue.complete(taken, "worker-b")
    assert [j.state for j in await _jobs(sessions)] == ["done"]


async def test_coalesce_skips_a_queued_twin_but_not_a_running_one(sessions: SessionFactory) -> None:
    await _enqueue(sessions, "sync", {"c": 1}, key="conv:1", coalesce=True)
    await _enqueue(sessions, "sync", {"c": 1}, key="conv:1", coalesce=True)
    assert len(await _jobs(sessions)) == 1
    await _queue(sessions).claim("w", limit=1, lease=timedelta(seconds=30))
    await _enqueue(sessions, "sync", {"c": 1}, key="conv:1", coalesce=True)
    assert [j.state for j in await _jobs(sessions)] == ["running", "queued"]


async def test_unknown_kind_is_dead_lettered(sessions: SessionFactory) -> None:
    await _enqueue(sessions, "mystery", {})
    await _runner(sessions, {}).run_until_idle()
    [job] = await _jobs(sessions)
    assert (job.state, job.last_error) == ("dead", "no handler for job kind 'mystery'")


@asynccontextmanager
async def running_until_done(sessions: SessionFactory) -> AsyncIterator[tuple[JobRunner, asyncio.Event]]:
    """A runner loop that only polls every 30 s, with one handler that sets `done`; stopped cleanly."""
    done = asyncio.Event()

    async def handler(job: ClaimedJob) -> None:
        done.set()

    runner = JobRunner(_queue(sessions), {"k": handler}, RunnerConfig(policy=FAST, poll_seconds=30))
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    await asyncio.sleep(0.05)
    yield runner, done
    stop.set()
    await asyncio.wait_for(task, timeout=5)


async def test_run_loop_wakes_on_new_work_and_stops_cleanly(sessions: SessionFactory) -> None:
    async with running_until_done(sessions) as (runner, done):
        await _enqueue(sessions, "k", {})
        runner.wake()
        await asyncio.wait_for(done.wait(), timeout=5)


async def test_two_runners_on_separate_connections_never_run_a_job_twice(database_url: str) -> None:
    """Two workers (own engines, so own DB connections) share 60 jobs over 6 conversations."""
    engines = [create_engine(database_url) for _ in range(2)]
    await upgrade_to_head(engines[0])
    factories = [create_session_factory(engine) for engine in engines]
    stack = AsyncExitStack()  # on an SQLite file: two writer threads, as two processes would have
    transactions = [build_transactions(engine, stack) for engine in engines]
    runs: list[tuple[int, str]] = []
    per_key: dict[str, list[tuple[str, int]]] = {}

    def handler_for(worker: str):  # type: ignore[no-untyped-def]
        async def handler(job: ClaimedJob) -> None:
            assert job.queue_key is not None
            log = per_key.setdefault(job.queue_key, [])
            log.append(("start", job.payload["n"]))
            runs.append((job.id, worker))
            await asyncio.sleep(0.005)
            log.append(("end", job.payload["n"]))

        return handler

    for n in range(60):
        await _enqueue(factories[0], "k", {"n": n}, key=f"conv:{n % 6}")
    stop = asyncio.Event()
    runners = [
        JobRunner(
            JobQueue(t),
            {"k": handler_for(f"w{i}")},
            RunnerConfig(concurrency=4, policy=FAST, poll_seconds=0.01),
        )
        for i, t in enumerate(transactions)
    ]
    tasks = [asyncio.create_task(r.run(stop)) for r in runners]
    for _ in range(500):
        if len(runs) >= 60:
            break
        await asyncio.sleep(0.02)
    stop.set()
    await asyncio.gather(*tasks)
    await stack.aclose()
    for engine in engines:
        await engine.dispose()
    assert sorted(job_id for job_id, _ in runs) == list(range(1, 61))  # each job exactly once
    assert {worker for _, worker in runs} == {"w0", "w1"}  # both workers took part
    for key, log in per_key.items():
        numbers = [n for what, n in log if what == "start"]
        assert numbers == sorted(numbers), key  # per-conversation order
        assert all(
            log[i][0] == "start" and log[i + 1] == ("end", log[i][1]) for i in range(0, len(log), 2)
        ), key


async def test_purge_removes_old_finished_jobs_but_keeps_dead_letters(sessions: SessionFactory) -> None:
    async def handler(job: ClaimedJob) -> None:
        if job.payload["fail"]:
            raise PermanentFailure("rejected")

    for fail in (False, False, True):
        await _enqueue(sessions, "k", {"fail": fail})
    await _runner(sessions, {"k": handler}).run_until_idle()
    queue = _queue(sessions)
    from app.db.tables import utcnow

    assert await queue.purge_done(utcnow() - timedelta(days=1)) == 0  # too recent
    assert await queue.purge_done(utcnow() + timedelta(seconds=1)) == 2
    assert [j.state for j in await _jobs(sessions)] == ["dead"]


async def test_a_delayed_wake_claims_work_when_it_becomes_due(sessions: SessionFactory) -> None:
    async with running_until_done(sessions) as (runner, done):
        async with sessions() as session, session.begin():
            await enqueue(session, "k", {}, run_after=utcnow() + timedelta(seconds=0.3))
        runner.wake(after=0.3)
        runner.wake(after=0.3)  # a second event meanwhile: still one timer
        await asyncio.sleep(0.15)
        assert not done.is_set()  # not due yet
        await asyncio.wait_for(done.wait(), timeout=5)  # long before the 30-second poll


async def test_a_handler_that_recorded_its_job_done_gets_no_extra_write(sessions: SessionFactory) -> None:
    queue = _queue(sessions)
    writes: list[str] = []

    async def handler(job: ClaimedJob) -> Ending:
        def record(conn: Any) -> None:
            writes.append("handler's write")
            complete_job(conn, job)

        await queue._transactions.run(record)
        return Ending.RECORDED

    async def complete(job: ClaimedJob, worker: str) -> None:
        writes.append("runner's completion")

    queue.complete = complete  # type: ignore[method-assign]
    await _enqueue(sessions, "k", {"n": 1})
    runner = JobRunner(queue, {"k": handler}, RunnerConfig(policy=FAST, poll_seconds=0.02))
    await runner.run_until_idle()
    assert writes == ["handler's write"]
    assert [job.state for job in await _jobs(sessions)] == ["done"]


async def test_a_job_running_longer_than_its_lease_keeps_it_by_renewing_it(sessions: SessionFactory) -> None:
    """The heartbeat: with a 0.6 s lease renewed every 0.2 s, a 1.5 s job is never taken by another worker."""
    runs = 0

    async def slow(job: ClaimedJob) -> None:
        nonlocal runs
        runs += 1
        await asyncio.sleep(1.5)

    await _enqueue(sessions, "k", {})
    runner = _runner(sessions, {"k": slow}, lease_seconds=0.6)
    work = asyncio.create_task(runner.run_until_idle())
    other = _queue(sessions)
    for _ in range(12):  # try to take it over during the whole run, well past the first lease
        await asyncio.sleep(0.1)
        assert await other.claim("worker-b", limit=1, lease=timedelta(seconds=30)) == []
    await work
    [row] = await _jobs(sessions)
    assert (row.state, row.attempts, runs) == ("done", 1, 1)


async def test_a_job_that_lost_its_lease_is_stopped_and_its_outcome_not_recorded(
    sessions: SessionFactory,
) -> None:
    stopped = asyncio.Event()

    async def waits(job: ClaimedJob) -> None:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            stopped.set()
            raise

    await _enqueue(sessions, "k", {})
    runner = _runner(sessions, {"k": waits}, lease_seconds=0.6)
    work = asyncio.create_task(runner.run_until_idle())
    await asyncio.sleep(0.1)
    async with sessions() as session, session.begin():  # as if another worker had taken the job over
        [row] = (await session.exec(select(JobRow))).all()
        row.lease_owner = "worker-b"
        session.add(row)
    await asyncio.wait_for(work, 5)
    assert stopped.is_set()
    [row] = await _jobs(sessions)
    assert (row.state, row.lease_owner) == ("running", "worker-b")  # left to its new holder


async def test_a_job_running_past_its_timeout_is_stopped_and_retried(sessions: SessionFactory) -> None:
    async def endless(job: ClaimedJob) -> None:
        await asyncio.sleep(30)

    await _enqueue(sessions, "k", {})
    later = RetryPolicy(base_seconds=60, max_seconds=60)  # not due again while the test looks
    config = RunnerConfig(policy=later, poll_seconds=0.02, lease_seconds=3, job_timeout_seconds=0.3)
    await JobRunner(_queue(sessions), {"k": endless}, config).run_until_idle(max_seconds=5)
    [row] = await _jobs(sessions)
    assert (row.state, row.attempts) == ("queued", 1)
    assert row.last_error == "the job ran out of time (CASEBRIDGE_JOB_TIMEOUT_SECONDS)"
