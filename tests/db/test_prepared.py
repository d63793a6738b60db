"""Prepared statements on the raw sqlite3 cursor store and read exactly what SQLAlchemy's own path does."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import pytest
from sqlalchemy import Connection, bindparam, create_engine, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from app.db.prepared import Prepared
from app.db.tables import ConversationRow

CONVERSATIONS = ConversationRow.__table__  # type: ignore[attr-defined]


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[Connection]:
    engine = create_engine(f"sqlite:///{tmp_path / 'p.db'}")
    CONVERSATIONS.create(engine)
    with engine.connect() as connection:
        yield connection
    engine.dispose()


def conversation(**values: object) -> dict[str, object]:
    now = datetime(2026, 11, 28, 10, 0, 0, 123456, tzinfo=UTC)
    return {
        "id": uuid4(),
        "external_id": f"c-{uuid4().hex[:6]}",
        "status": "open",
        "contact_state": "unknown",
        "created_at": now,
        "updated_at": now,
        **values,
    }


def test_rows_written_both_ways_read_back_the_same(conn: Connection) -> None:
    fast, slow = conversation(handoff_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)), conversation()
    Prepared(insert(CONVERSATIONS)).execute(conn, fast)
    conn.execute(insert(CONVERSATIONS), slow)
    raw = conn.execute(text("SELECT id, created_at FROM conversations ORDER BY rowid")).all()
    assert [len(r[0]) for r in raw] == [32, 32]  # both stored as hex UUIDs
    assert raw[0][1] == raw[1][1]  # the same text for the same datetime

    columns = (CONVERSATIONS.c.id, CONVERSATIONS.c.handoff_at, CONVERSATIONS.c.contact_id)
    query = select(*columns).where(CONVERSATIONS.c.id == bindparam("key"))
    prepared = Prepared(query)
    for row in (fast, slow):
        expected = tuple(conn.execute(query, {"key": row["id"]}).one())
        assert prepared.execute(conn, {"key": row["id"]}).rows == [expected]
    assert prepared.execute(conn, {"key": fast["id"]}).rows[0][0] == fast["id"]  # a UUID again
    assert prepared.execute(conn, {"key": fast["id"]}).rows[0][1] == fast["handoff_at"]  # aware UTC
    assert None not in prepared._compiled.values()  # the raw sqlite3 path ran, not the fallback


def test_update_takes_its_set_clause_from_the_parameters_and_counts_rows(conn: Connection) -> None:
    row = conversation()
    conn.execute(insert(CONVERSATIONS), row)
    statement = Prepared(update(CONVERSATIONS).where(CONVERSATIONS.c.id == bindparam("key")))
    assert statement.execute(conn, {"key": row["id"], "status": "resolved"}).rowcount == 1
    assert statement.execute(conn, {"key": row["id"], "warning": "w", "status": "open"}).rowcount == 1
    assert statement.execute(conn, {"key": uuid4(), "status": "x"}).rowcount == 0
    stored = conn.execute(select(CONVERSATIONS.c.status, CONVERSATIONS.c.warning)).one()
    assert tuple(stored) == ("open", "w")


def test_a_constraint_violation_is_sqlalchemys_integrity_error(conn: Connection) -> None:
    row = conversation()
    statement = Prepared(insert(CONVERSATIONS))
    statement.execute(conn, row)
    with pytest.raises(IntegrityError):
        statement.execute(conn, row)
    with pytest.raises(IntegrityError):
        statement.execute_many(conn, [conversation(), row])


def test_the_job_claim_runs_on_the_raw_cursor(conn: Connection) -> None:
    # An expanding IN (...) would send the claim, run for every job, through SQLAlchemy's slow path.
    from app.db.prepared import _compile
    from app.db.stores.jobs import _claim_query

    claim = _claim_query("sqlite", 4)
    assert _compile(claim.statement, conn, ("now",)) is not None
