"""Async engine and session factory for SQLite (WAL) or PostgreSQL, and applying the migrations."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

SessionFactory = async_sessionmaker[AsyncSession]
logger = logging.getLogger(__name__)


def create_engine(database_url: str) -> AsyncEngine:
    """Build the engine; SQLite gets WAL, a busy timeout and foreign keys on every connection."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            create_private_file(Path(url.database))
        engine = create_async_engine(url, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", sqlite_pragmas)
        return engine
    return create_async_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)


def create_private_file(path: Path) -> None:
    """Create the SQLite database file readable by its owner only, unless it exists. SQLite gives the
    -wal and -shm files the database file's mode; the default umask would leave all three readable by
    every user of the machine, with the conversations and the encrypted client secret in them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        if path.stat().st_mode & 0o077:  # made by an older version, or by hand
            logger.warning(
                "database file is readable by other users; chmod 600 it and its -wal and -shm files",
                extra={"database_file": str(path)},
            )


def sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def create_session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


async def ping(engine: AsyncEngine) -> None:
    """Raise if the database cannot answer a trivial query."""
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


async def upgrade_to_head(engine: AsyncEngine) -> None:
    """Bring the schema to the newest revision; safe to run on every start. Several processes may start at
    once: one migrates, the others wait for it (a PostgreSQL advisory lock; for a SQLite file, a lock
    file beside it, since SQLite would let each read the old version and then run the same DDL)."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    async with contextlib.AsyncExitStack() as stack:
        if database and database != ":memory:":
            stack.callback(os.close, await asyncio.to_thread(_locked, Path(f"{database}.migrate.lock")))
        async with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                await conn.execute(text("SELECT pg_advisory_xact_lock(7236001)"))
            await conn.run_sync(lambda sync_conn: command.upgrade(_alembic_config(sync_conn), "heads"))


def _locked(path: Path) -> int:
    """A descriptor of `path` (created private if missing) holding its exclusive lock, waited for; closing
    it releases the lock, as the system does if the process dies."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
    except BaseException:
        os.close(fd)
        raise
    return fd
