"""SQLite intake: one writer thread stores waiting events in one transaction (group commit).

SQLite has one writer at a time; through the async driver every statement costs a thread hop and
concurrent requests fight for the write lock. Here requests queue in memory, one thread takes all that
are waiting (up to a batch), stores each under a SAVEPOINT (a duplicate rolls back alone) and answers
them only after COMMIT, so a 202 still means the event is durably stored.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import StaticPool

from app.db.engine import sqlite_pragmas
from app.db.intake_store import DuplicateEvent, IntakeOutcome, store_event
from app.domain.events import ChatEvent

logger = logging.getLogger(__name__)
MAX_BATCH = 100


@dataclass(frozen=True)
class _Pending:
    event: ChatEvent
    body: bytes
    future: asyncio.Future[IntakeOutcome]
    loop: asyncio.AbstractEventLoop


class SqliteIntakeWriter:
    def __init__(self, database_path: Path) -> None:
        self._engine = _sync_engine(database_path)
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="casebridge-intake", daemon=True)
        self._thread.start()

    async def record(self, chat_event: ChatEvent, body: bytes) -> IntakeOutcome:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[IntakeOutcome] = loop.create_future()
        self._queue.put(_Pending(chat_event, body, future, loop))
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
            self._store(batch)

    def _store(self, batch: list[_Pending]) -> None:
        try:
            with self._engine.connect() as conn, conn.begin():
                outcomes = [_store_one(conn, item) for item in batch]
        except Exception as exc:  # the whole transaction failed: nothing of the batch was stored
            logger.exception("storing chat events failed", extra={"events": len(batch)})
            for item in batch:
                item.loop.call_soon_threadsafe(_fail, item.future, exc)
            return
        for item, outcome in zip(batch, outcomes, strict=True):
            item.loop.call_soon_threadsafe(_answer, item.future, outcome)


def _store_one(conn: Connection, item: _Pending) -> IntakeOutcome:
    savepoint = conn.begin_nested()
    try:
        store_event(conn, item.event, item.body)
    except (DuplicateEvent, IntegrityError):
        savepoint.rollback()
        return "duplicate"
    savepoint.commit()
    return "accepted"


def _answer(future: asyncio.Future[IntakeOutcome], outcome: IntakeOutcome) -> None:
    if not future.done():
        future.set_result(outcome)


def _fail(future: asyncio.Future[IntakeOutcome], exc: Exception) -> None:
    if not future.done():
        future.set_exception(exc)


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
