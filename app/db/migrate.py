"""Applies Alembic migrations to the configured database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


async def upgrade_to_head(engine: AsyncEngine) -> None:
    """Bring the schema to the newest revision; safe to run on every start."""
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Several instances may start at once; one migrates, the others wait and then find nothing to do.
            await conn.execute(text("SELECT pg_advisory_xact_lock(7236001)"))
        await conn.run_sync(lambda sync_conn: command.upgrade(_alembic_config(sync_conn), "heads"))
