"""Where store code runs: one unit of work = one synchronous function of a Connection, one transaction.

Hot-path stores (intake, the job queue, the conversation sync) are plain Core statements in functions of
a SQLAlchemy `Connection`, run through `Transactions.run`. On an SQLite file that is one writer thread with
group commit (app/db/sqlite_writer.py); on PostgreSQL an async batcher with group commit on the engine
(any number of processes can share the database); on in-memory SQLite one transaction per unit.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.sqlite_writer import SqliteWriter, answer
from app.db.units import MAX_BATCH, Outcome, Work, first_failure, run_units

logger = logging.getLogger(__name__)

T = TypeVar("T")


class Transactions(Protocol):
    async def run(self, work: Callable[[Connection], T]) -> T:
        """Run `work` in a transaction: committed when it returns, rolled back (alone) when it raises."""
        ...


class EngineTransactions:
    """One transaction per unit on the async engine (in-memory SQLite, tests)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def run(self, work: Callable[[Connection], T]) -> T:
        async with self._engine.begin() as conn:
            return await conn.run_sync(work)


@dataclass
class _Waiting:
    units: list[tuple[Work, asyncio.Future[Any]]] = field(default_factory=list)
    drainer: asyncio.Task[None] | None = None


class EngineGroupCommit:
    """Group commit on the async engine (PostgreSQL): units that wait while a transaction runs go into
    the next one together (app/db/units.py), so a burst of events costs one COMMIT instead of one each.
    Several processes can share the database; within one, each event loop has its own queue."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._loops: dict[asyncio.AbstractEventLoop, _Waiting] = {}

    async def run(self, work: Callable[[Connection], T]) -> T:
        loop = asyncio.get_running_loop()
        waiting = self._loops.setdefault(loop, _Waiting())
        future: asyncio.Future[T] = loop.create_future()
        waiting.units.append((work, future))
        if waiting.drainer is None or waiting.drainer.done():
            waiting.drainer = loop.create_task(self._drain(waiting))
        return await future

    async def _drain(self, waiting: _Waiting) -> None:
        while waiting.units:
            batch, waiting.units = waiting.units[:MAX_BATCH], waiting.units[MAX_BATCH:]
            works = [work for work, _ in batch]
            try:
                try:
                    outcomes = await self._transaction(works, savepoints=False)
                except Exception as exc:
                    outcomes = first_failure(exc, len(batch)) or await self._with_savepoints(works)
            except BaseException:  # cancelled (the loop is closing): no caller may wait forever
                for _, future in batch:
                    future.cancel()
                raise
            for (_, future), (outcome, failed) in zip(batch, outcomes, strict=True):
                answer(future, outcome, failed)

    async def _with_savepoints(self, works: list[Work]) -> list[Outcome]:
        try:
            return await self._transaction(works, savepoints=True)
        except Exception as exc:  # the transaction itself failed: nothing of the batch was stored
            logger.exception("a database transaction failed", extra={"units": len(works)})
            return [(exc, True)] * len(works)

    async def _transaction(self, works: list[Work], *, savepoints: bool) -> list[Outcome]:
        async with self._engine.begin() as conn:
            return await conn.run_sync(run_units, works, savepoints)


def build_transactions(engine: AsyncEngine, stack: AsyncExitStack) -> Transactions:
    """SQLite files get the writer thread, PostgreSQL the group-commit batcher (both commit waiting units
    together); in-memory SQLite one transaction per unit."""
    url = engine.url
    if url.get_backend_name() == "postgresql":
        return EngineGroupCommit(engine)
    if not url.database or url.database == ":memory:":
        return EngineTransactions(engine)
    writer = SqliteWriter(Path(url.database))
    stack.callback(writer.close)
    return writer


__all__ = ["EngineGroupCommit", "EngineTransactions", "SqliteWriter", "Transactions", "build_transactions"]
