"""SQLite writes through one thread that commits all waiting units of work together (group commit).

SQLite has one writer at a time; through the async driver every statement costs a thread hop and
concurrent transactions fight for the write lock. Here callers queue units of work in memory; one thread
takes all that are waiting (up to a batch), runs them in one transaction (app/db/transactions.py: a unit that
raises gets its exception and changes nothing) and answers them only after COMMIT, so a result still
means "durably stored".
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.pool import StaticPool

from app.db.engine import sqlite_pragmas
from app.db.group_commit import MAX_BATCH, Outcome, Work, first_failure, run_units

logger = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class _Pending:
    work: Callable[[Connection], Any]
    future: asyncio.Future[Any]
    loop: asyncio.AbstractEventLoop


class SqliteWriter:
    """Implements `Transactions` for an SQLite file (app/db/transactions.py)."""

    def __init__(self, database_path: Path) -> None:
        self._engine = _sync_engine(database_path)
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="casebridge-sqlite-writer", daemon=True)
        self._thread.start()

    async def run(self, work: Callable[[Connection], T]) -> T:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put(_Pending(work, future, loop))
        return await future

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=30)
        self._engine.dispose()

    def _run(self) -> None:
        while (first := self._queue.get()) is not None:
            batch = [first]
            while len(batch) < MAX_BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._queue.put(None)  # stop after this batch
                    break
                batch.append(item)
            self._commit(batch)

    def _commit(self, batch: list[_Pending]) -> None:
        works = [item.work for item in batch]
        try:
            outcomes = self._transaction(works, savepoints=False)
        except Exception as exc:
            outcomes = first_failure(exc, len(batch)) or self._with_savepoints(works)
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], Any, bool]]] = {}
        for item, (outcome, failed) in zip(batch, outcomes, strict=True):
            by_loop.setdefault(item.loop, []).append((item.future, outcome, failed))
        for loop, answers in by_loop.items():  # one wake-up per event loop, not one per unit
            try:
                loop.call_soon_threadsafe(answer_all, answers)
            except RuntimeError:  # the caller's event loop is closed: nobody is waiting any more
                continue

    def _with_savepoints(self, works: list[Work]) -> list[Outcome]:
        try:
            return self._transaction(works, savepoints=True)
        except Exception as exc:  # the transaction itself failed: nothing of the batch was stored
            logger.exception("an SQLite transaction failed", extra={"units": len(works)})
            return [(exc, True)] * len(works)

    def _transaction(self, works: list[Work], *, savepoints: bool) -> list[Outcome]:
        with self._engine.connect() as conn, conn.begin():
            return run_units(conn, works, savepoints)


def answer_all(answers: list[tuple[asyncio.Future[Any], Any, bool]]) -> None:
    for future, outcome, failed in answers:
        answer(future, outcome, failed)


def answer(future: asyncio.Future[Any], outcome: Any, failed: bool) -> None:
    if future.done():  # the caller gave up (cancelled); the work is stored all the same
        return
    if failed:
        future.set_exception(outcome)
    else:
        future.set_result(outcome)


def _sync_engine(database_path: Path) -> Engine:
    engine = create_engine(
        f"sqlite:///{database_path}",
        poolclass=StaticPool,
        connect_args={"timeout": 30, "check_same_thread": False},
    )

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: object, record: object) -> None:
        sqlite_pragmas(dbapi_connection, record)
        dbapi_connection.isolation_level = None  # type: ignore[attr-defined]  # SQLAlchemy issues BEGIN itself

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # take the write lock up front: no upgrade deadlocks

    return engine
