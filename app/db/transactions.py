"""Where store code runs: one unit of work = one synchronous function of a Connection, one transaction.

Hot-path stores (intake, the job queue, the conversation sync) are plain Core statements in functions of
a SQLAlchemy `Connection`, run through `Transactions.run`. On an SQLite file that is one writer thread with
group commit (app/db/sqlite_writer.py); on PostgreSQL (or in-memory SQLite) each unit is one transaction
on the async engine, so any number of processes can share the database.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Protocol, TypeVar

from sqlalchemy import Connection
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.sqlite_writer import SqliteWriter

T = TypeVar("T")


class Transactions(Protocol):
    async def run(self, work: Callable[[Connection], T]) -> T:
        """Run `work` in a transaction: committed when it returns, rolled back (alone) when it raises."""
        ...


class EngineTransactions:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def run(self, work: Callable[[Connection], T]) -> T:
        async with self._engine.begin() as conn:
            return await conn.run_sync(work)


def build_transactions(engine: AsyncEngine, stack: AsyncExitStack) -> Transactions:
    """SQLite files get the group-commit writer thread; PostgreSQL and in-memory SQLite the engine."""
    url = make_url(str(engine.url))
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return EngineTransactions(engine)
    writer = SqliteWriter(Path(url.database))
    stack.callback(writer.close)
    return writer
