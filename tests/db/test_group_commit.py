"""Group commit as the app builds it, on SQLite (writer thread) and PostgreSQL (async batcher)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from pathlib import Path

import pytest
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from app.db.engine import create_engine
from app.db.sqlite_writer import _Pending
from app.db.transactions import (
    TRANSACTION_RETRIES,
    EngineGroupCommit,
    SqliteWriter,
    Transactions,
    build_transactions,
)


@pytest.fixture
async def transactions(database_url: str) -> AsyncIterator[Transactions]:
    engine = create_engine(database_url)
    async with AsyncExitStack() as stack:
        built = build_transactions(engine, stack)
        assert isinstance(built, SqliteWriter | EngineGroupCommit)
        await built.run(lambda c: c.exec_driver_sql("CREATE TABLE t (x INTEGER PRIMARY KEY)"))
        yield built
    await engine.dispose()


def insert(value: int, *, fail: bool = False) -> Callable[[Connection], int]:
    def work(conn: Connection) -> int:
        conn.exec_driver_sql(f"INSERT INTO t (x) VALUES ({value})")
        if fail:
            raise ValueError(f"unit {value} failed after writing")
        return value

    return work


def stored(conn: Connection) -> list[int]:
    return [row[0] for row in conn.exec_driver_sql("SELECT x FROM t ORDER BY x")]


async def test_units_sent_together_keep_their_own_outcomes(transactions: Transactions) -> None:
    units = [insert(1), insert(2, fail=True), insert(3), insert(1), insert(4)]  # the 4th repeats a key
    outcomes = await asyncio.gather(*(transactions.run(u) for u in units), return_exceptions=True)
    assert (outcomes[0], outcomes[2], outcomes[4]) == (1, 3, 4)
    assert isinstance(outcomes[1], ValueError)
    assert "unique" in str(outcomes[3]).lower() or "duplicate" in str(outcomes[3]).lower()
    assert await transactions.run(stored) == [1, 3, 4]


async def test_many_units_at_once_are_all_answered(transactions: Transactions) -> None:
    values = list(range(10, 260))  # more than one batch
    assert await asyncio.gather(*(transactions.run(insert(v)) for v in values)) == values
    assert await transactions.run(stored) == values


async def test_a_caller_whose_loop_closed_does_not_stop_the_sqlite_writer(tmp_path: Path) -> None:
    writer = SqliteWriter(tmp_path / "w.db")
    try:
        await writer.run(lambda c: c.exec_driver_sql("CREATE TABLE t (x INTEGER PRIMARY KEY)"))
        closed = asyncio.new_event_loop()
        abandoned = closed.create_future()
        closed.close()
        writer._queue.put(_Pending(insert(9), abandoned, closed))  # e.g. a test client's loop, gone
        assert await asyncio.wait_for(writer.run(insert(5)), timeout=5) == 5  # the thread still serves
        assert await writer.run(stored) == [5, 9]
    finally:
        writer.close()


def _deadlock() -> DBAPIError:
    class AsyncpgDeadlock(Exception):
        sqlstate = "40P01"

    return DBAPIError("UPDATE ...", None, AsyncpgDeadlock("deadlock detected"))


@pytest.mark.postgres
async def test_transactions_run_side_by_side_on_postgres(postgres_url: str) -> None:
    """A slow unit in flight does not hold up one that comes after it (it would in one queue)."""
    engine = create_engine(postgres_url)
    group = EngineGroupCommit(engine, concurrency=4)
    finished: list[str] = []

    def sleep(name: str, seconds: float) -> Callable[[Connection], None]:
        def work(conn: Connection) -> None:
            conn.exec_driver_sql(f"SELECT pg_sleep({seconds})")
            finished.append(name)

        return work

    try:
        slow = asyncio.create_task(group.run(sleep("slow", 1.0)))
        await asyncio.sleep(0.2)
        await group.run(sleep("quick", 0.01))
        await slow
    finally:
        await engine.dispose()
    assert finished == ["quick", "slow"]


async def test_a_transaction_aborted_as_a_deadlock_runs_again(database_url: str) -> None:
    engine = create_engine(database_url)
    group = EngineGroupCommit(engine)
    attempts: list[int] = []

    def work(conn: Connection) -> int:
        conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS d (x INTEGER PRIMARY KEY)")
        conn.exec_driver_sql(f"INSERT INTO d (x) VALUES ({len(attempts)})")
        attempts.append(1)
        if len(attempts) < 3:
            raise _deadlock()  # as PostgreSQL aborts one side of a deadlock: rolled back, may run again
        return len(attempts)

    try:
        assert await group.run(work) == 3
        rows = await group.run(lambda c: [r[0] for r in c.exec_driver_sql("SELECT x FROM d")])
    finally:
        await engine.dispose()
    assert rows == [2]  # the aborted attempts left nothing behind


async def test_a_deadlock_that_keeps_coming_back_is_the_callers_error(database_url: str) -> None:
    engine = create_engine(database_url)
    group = EngineGroupCommit(engine)
    attempts: list[int] = []

    def work(conn: Connection) -> None:
        attempts.append(1)
        raise _deadlock()

    try:
        with pytest.raises(DBAPIError, match="deadlock"):
            await group.run(work)
    finally:
        await engine.dispose()
    assert len(attempts) == TRANSACTION_RETRIES
