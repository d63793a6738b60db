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
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.group_commit import MAX_BATCH, Outcome, Work, first_failure, run_units
from app.db.sqlite_writer import SqliteWriter, answer

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
    drainers: set[asyncio.Task[None]] = field(default_factory=set)


# Deadlock and serialization failure: PostgreSQL rolled the transaction back and it may simply run again.
_RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})
TRANSACTION_RETRIES = 3


class EngineGroupCommit:
    """Group commit on the async engine (PostgreSQL): units that wait while transactions run go into the
    next one together (app/db/transactions.py), so a burst of events costs one COMMIT instead of one each.

    Up to `concurrency` transactions run at once, each on its own connection: one unit's statements are
    round trips to the server, and with one transaction at a time those round trips, not the CPU, bound
    intake on PostgreSQL (measured with the intake benchmark: docs/performance.md, 'Intake').
    Transactions that touch the same rows wait for each other in the database; one that PostgreSQL aborts
    as a deadlock runs again. Several processes can share the database; within one, each event loop has
    its own queue."""

    def __init__(self, engine: AsyncEngine, *, concurrency: int = 4) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self._engine = engine
        self._concurrency = concurrency
        self._loops: dict[asyncio.AbstractEventLoop, _Waiting] = {}

    async def run(self, work: Callable[[Connection], T]) -> T:
        loop = asyncio.get_running_loop()
        waiting = self._loops.setdefault(loop, _Waiting())
        future: asyncio.Future[T] = loop.create_future()
        waiting.units.append((work, future))
        if sum(not drainer.done() for drainer in waiting.drainers) < self._concurrency:
            drainer = loop.create_task(self._drain(waiting))
            waiting.drainers.add(drainer)
            drainer.add_done_callback(waiting.drainers.discard)
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
        attempt = 1
        while True:
            try:
                async with self._engine.begin() as conn:
                    return await conn.run_sync(run_units, works, savepoints)
            except DBAPIError as exc:
                if attempt >= TRANSACTION_RETRIES or not is_retryable(exc):
                    raise
                logger.info("a database transaction was aborted (%s); running it again", _sqlstate(exc))
                attempt += 1


def is_retryable(exc: DBAPIError) -> bool:
    """A deadlock or serialization failure: nothing of the transaction was stored, and it may run again."""
    return _sqlstate(exc) in _RETRYABLE_SQLSTATES


def _sqlstate(exc: DBAPIError) -> str | None:
    state = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return state if isinstance(state, str) else None


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
