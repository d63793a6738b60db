"""The PostgreSQL server the tests create their throwaway databases on."""

from __future__ import annotations

import asyncpg

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


async def admin_execute(dsn: str, statement: str) -> None:
    conn = await asyncpg.connect(dsn, timeout=3)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()
