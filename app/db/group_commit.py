"""Running several units of work in one transaction (group commit), shared by the SQLite writer thread
and the PostgreSQL batcher (app/db/transactions.py).

The batch runs without savepoints (two statements fewer per unit); when a unit raises, the transaction is
rolled back and, if it held several units, the batch runs again with each unit under its own SAVEPOINT,
so the failing unit changes nothing and the others are stored. A unit may therefore run twice (the first
time rolled back) and must only touch the database.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection

MAX_BATCH = 100
Work = Callable[[Connection], Any]
Outcome = tuple[Any, bool]  # (the result, or the exception when the flag says it failed)


def run_units(conn: Connection, works: list[Work], savepoints: bool) -> list[Outcome]:
    """Inside an open transaction; without savepoints the first failure propagates."""
    if not savepoints:
        return [(work(conn), False) for work in works]
    return [_in_savepoint(conn, work) for work in works]


def _in_savepoint(conn: Connection, work: Work) -> Outcome:
    savepoint = conn.begin_nested()
    try:
        result = work(conn)
    except Exception as exc:
        savepoint.rollback()
        return exc, True
    savepoint.commit()
    return result, False


def first_failure(exc: Exception, size: int) -> list[Outcome] | None:
    """After the batch failed without savepoints: a single unit's failure is its answer (its own
    transaction was rolled back); several units must run again with savepoints (None)."""
    return [(exc, True)] if size == 1 else None
