import asyncio
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from app.db.engine import create_engine, create_private_file, upgrade_to_head

HEAD = "0014"  # one linear history: a single head


async def _tables_after_two_upgrades(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        await upgrade_to_head(engine)
        await upgrade_to_head(engine)  # idempotent on every start
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
            version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar_one()
    finally:
        await engine.dispose()
    assert version == HEAD
    return set(names)


async def test_sqlite_migrates_with_wal(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'sub' / 'c.db'}"
    assert "integration_settings" in await _tables_after_two_upgrades(url)
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            mode = (await conn.execute(text("PRAGMA journal_mode"))).scalar_one()
    finally:
        await engine.dispose()
    assert mode == "wal"


async def test_sqlite_files_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    database = tmp_path / "data" / "casebridge.db"
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        await upgrade_to_head(engine)
        async with engine.connect() as conn:  # WAL mode: -wal and -shm exist while a connection is open
            await conn.execute(text("SELECT 1"))
            modes = {path.name: path.stat().st_mode & 0o777 for path in database.parent.iterdir()}
    finally:
        await engine.dispose()
    names = ("casebridge.db", "casebridge.db-wal", "casebridge.db-shm", "casebridge.db.migrate.lock")
    assert modes == dict.fromkeys(names, 0o600)


def test_an_older_database_readable_by_others_is_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    database = tmp_path / "casebridge.db"
    database.touch(mode=0o644)
    database.chmod(0o644)
    create_private_file(database)
    assert any("readable by other users" in r.getMessage() for r in caplog.records)


@pytest.mark.postgres
async def test_postgres_migrates(postgres_url: str) -> None:
    assert "integration_settings" in await _tables_after_two_upgrades(postgres_url)


@pytest.mark.postgres
async def test_postgres_job_ids_go_past_32_bits(postgres_url: str) -> None:
    """Migration 0007: ids are counted in a bigint sequence, so the 2^31st job is stored like the first."""
    engine = create_engine(postgres_url)
    try:
        await upgrade_to_head(engine)
        async with engine.begin() as conn:
            await conn.execute(text("SELECT setval('jobs_id_seq', 3000000000)"))
            await conn.execute(
                text(
                    "INSERT INTO jobs (kind, payload, state, attempts, max_attempts, run_after, "
                    "created_at, updated_at) VALUES ('probe', '{}', 'done', 0, 1, now(), now(), "
                    "now())"
                )
            )
            ids = (await conn.execute(text("SELECT id FROM jobs WHERE kind = 'probe'"))).scalars().all()
            await conn.execute(text("DELETE FROM jobs WHERE kind = 'probe'"))
    finally:
        await engine.dispose()
    assert ids == [3000000001]


async def test_internal_message_ids_leave_the_chat_id_space(database_url: str) -> None:
    """Migration 0008 renames what older versions stored; chat messages that look alike stay as they were."""
    from alembic import command

    from app.db.engine import _alembic_config

    engine = create_engine(database_url)
    conversation = "00000000-0000-0000-0000-0000000000c1"
    rows = [
        ("00000000-0000-0000-0000-0000000000a1", "handoff:evt_9", "handoff"),
        ("00000000-0000-0000-0000-0000000000a2", "autofill:2026-11-28T10:00:00+00:00", "note"),
        ("00000000-0000-0000-0000-0000000000a3", "handoff:looks_alike", "customer"),
    ]
    try:
        async with engine.begin() as conn:
            await conn.run_sync(lambda c: command.upgrade(_alembic_config(c), "0007"))
            await conn.execute(
                text(
                    "INSERT INTO conversations"
                    " (id, external_id, status, contact_state, created_at, updated_at)"
                    " VALUES (:id, 'c1', 'open', 'unknown', '2026-11-28', '2026-11-28')"
                ),
                {"id": conversation},
            )
            for message_id, external_id, author in rows:
                await conn.execute(
                    text(
                        "INSERT INTO messages"
                        " (id, conversation_id, external_id, author, text, sent_at, created_at)"
                        " VALUES (:id, :conversation, :external_id, :author, 'x', '2026-11-28', '2026-11-28')"
                    ),
                    {
                        "id": message_id,
                        "conversation": conversation,
                        "external_id": external_id,
                        "author": author,
                    },
                )
        await upgrade_to_head(engine)
        async with engine.connect() as conn:
            found = (await conn.execute(text("SELECT external_id FROM messages ORDER BY id"))).scalars().all()
    finally:
        await engine.dispose()
    assert found == ["handoff evt_9", "autofill 2026-11-28T10:00:00+00:00", "handoff:looks_alike"]


async def test_processes_starting_together_on_a_new_sqlite_file_migrate_it_once(tmp_path: Path) -> None:
    """`serve` and workers started at once on a fresh data directory: each engine would read the empty
    version and run the same CREATE TABLE; the lock file beside the database makes them take turns."""
    for attempt in range(3):
        url = f"sqlite+aiosqlite:///{tmp_path / str(attempt) / 'casebridge.db'}"
        engines = [create_engine(url) for _ in range(4)]
        try:
            await asyncio.gather(*(upgrade_to_head(engine) for engine in engines))
            async with engines[0].connect() as conn:
                version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar_one()
        finally:
            for engine in engines:
                await engine.dispose()
        assert version == HEAD
