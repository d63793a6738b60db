"""The SQLite writer thread: units committed together, a failing unit changes nothing and gets its error."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection

from app.db.sqlite_writer import SqliteWriter


@pytest.fixture
def writer(tmp_path: Path) -> Iterator[SqliteWriter]:
    writer = SqliteWriter(tmp_path / "w.db")
    yield writer
    writer.close()


def insert(value: int) -> Callable[[Connection], int]:
    def work(conn: Connection) -> int:
        conn.exec_driver_sql(f"INSERT INTO t (x) VALUES ({value})")
        return value

    return work


def insert_then_fail(value: int) -> Callable[[Connection], int]:
    def work(conn: Connection) -> int:
        conn.exec_driver_sql(f"INSERT INTO t (x) VALUES ({value})")
        raise ValueError(f"unit {value} failed after writing")

    return work


def stored(conn: Connection) -> list[int]:
    return [row[0] for row in conn.exec_driver_sql("SELECT x FROM t ORDER BY x")]


async def setup_table(writer: SqliteWriter) -> None:
    await writer.run(lambda conn: conn.exec_driver_sql("CREATE TABLE t (x INTEGER PRIMARY KEY)"))


async def hold_writer(writer: SqliteWriter) -> tuple[threading.Event, asyncio.Task[None]]:
    """Keep the writer thread busy so the next units queue up and run as one batch."""
    release, started = threading.Event(), threading.Event()

    def block(conn: Connection) -> None:
        started.set()
        release.wait(10)

    task = asyncio.create_task(writer.run(block))
    await asyncio.to_thread(started.wait, 10)
    return release, task


async def test_a_failing_unit_in_a_batch_rolls_back_alone(writer: SqliteWriter) -> None:
    await setup_table(writer)
    release, blocker = await hold_writer(writer)
    units = [insert(1), insert_then_fail(2), insert(3), insert(1)]  # the last repeats a primary key
    results = [asyncio.create_task(writer.run(unit)) for unit in units]
    await asyncio.sleep(0.05)  # all four are queued behind the blocker
    release.set()
    await blocker
    outcomes = await asyncio.gather(*results, return_exceptions=True)
    assert (outcomes[0], outcomes[2]) == (1, 3)
    assert isinstance(outcomes[1], ValueError)
    assert "UNIQUE constraint failed" in str(outcomes[3])
    assert await writer.run(stored) == [1, 3]


async def test_a_single_failing_unit_changes_nothing(writer: SqliteWriter) -> None:
    await setup_table(writer)
    with pytest.raises(ValueError, match="unit 5 failed"):
        await writer.run(insert_then_fail(5))
    assert await writer.run(insert(6)) == 6
    assert await writer.run(stored) == [6]


async def test_work_of_a_caller_that_gave_up_is_stored_all_the_same(writer: SqliteWriter) -> None:
    await setup_table(writer)
    release, blocker = await hold_writer(writer)
    abandoned = asyncio.create_task(writer.run(insert(7)))
    await asyncio.sleep(0.05)
    abandoned.cancel()
    release.set()
    await blocker
    assert await writer.run(stored) == [7]
