from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from app.db.engine import create_engine
from app.db.migrate import upgrade_to_head


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
    assert version == "0006"  # one linear history: a single head
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


@pytest.mark.postgres
async def test_postgres_migrates(postgres_url: str) -> None:
    assert "integration_settings" in await _tables_after_two_upgrades(postgres_url)
