"""A fresh PostgreSQL database per benchmark run (as tests/conftest.py does), dropped afterwards."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
URL_ENV = "CASEBRIDGE_TEST_POSTGRES_URL"


class PostgresUnavailable(Exception):
    """The server cannot be reached; the message says where we looked and why it failed."""


def server_url() -> str:
    return os.environ.get(URL_ENV, DEFAULT_URL)


async def _admin_execute(dsn: str, statement: str) -> None:
    conn = await asyncpg.connect(dsn, timeout=3)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@contextmanager
def fresh_database(*, keep: bool = False) -> Iterator[str]:
    """Yield the SQLAlchemy URL of a new empty database, dropped afterwards unless `keep`; raise
    PostgresUnavailable when unreachable."""
    url = make_url(server_url())
    if url.host not in {"127.0.0.1", "localhost", "::1"}:
        raise PostgresUnavailable(f"{url.host} is not a loopback address; benchmarks only use 127.0.0.1")
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"casebridge_bench_{uuid.uuid4().hex[:10]}"
    try:
        asyncio.run(_admin_execute(dsn, f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError) as exc:
        raise PostgresUnavailable(
            f"PostgreSQL not reachable at {url.host}:{url.port} ({exc}); set {URL_ENV}"
        ) from exc
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        if not keep:
            asyncio.run(_admin_execute(dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
