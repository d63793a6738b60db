"""The Creatio connection saved in Casebridge's database, read by a command (without starting Casebridge)."""

from __future__ import annotations

from contextlib import AsyncExitStack
from pathlib import Path

from sqlalchemy.engine import make_url

from app.bootstrap.runtime import seed_from_settings
from app.db.crypto import SecretBox
from app.db.engine import create_engine, create_session_factory
from app.db.stores.crm_connection import ConnectionStore
from app.domain.crm_connection import ConnectionSettings
from app.settings import Settings


async def saved_connection(
    settings: Settings, stack: AsyncExitStack
) -> tuple[ConnectionSettings | None, str]:
    """The saved connection, or None and why there is none (written for the admin)."""
    url = make_url(settings.effective_database_url)
    if url.get_backend_name() == "sqlite" and not _exists(url.database):
        return None, f"no database at {url.database} (run `make run`, or Test & Save)"
    key = settings.secret_key.get_secret_value() if settings.secret_key else _key_file(settings.data_dir)
    if key is None:
        return None, "CASEBRIDGE_SECRET_KEY is not set, so the saved secret cannot be read"
    engine = create_engine(settings.effective_database_url)
    stack.push_async_callback(engine.dispose)
    try:
        saved = await ConnectionStore(create_session_factory(engine), SecretBox(key)).load()
    except Exception as exc:
        return None, f"the saved connection cannot be read ({type(exc).__name__})"
    if saved is None:
        return None, "no Creatio connection is saved (Test & Save one)"
    return saved.settings, ""


async def serve_connection(
    settings: Settings, stack: AsyncExitStack
) -> tuple[ConnectionSettings | None, str]:
    """The connection `serve` would use, and where it comes from (or why there is none): the saved one,
    unless none is saved or CASEBRIDGE_CREATIO_SEED_OVERWRITES is set, then the CASEBRIDGE_CREATIO_* seed."""
    saved, problem = await saved_connection(settings, stack)
    seed = seed_from_settings(settings)
    if seed is not None and (saved is None or settings.creatio_seed_overwrites):
        return seed, "from the CASEBRIDGE_CREATIO_* environment variables"
    if saved is None:
        return None, problem
    return saved, "the one saved by Test & Save"


def _exists(path: str | None) -> bool:
    return bool(path) and Path(str(path)).exists()


def _key_file(data_dir: Path) -> str | None:
    path = data_dir / "secret-key"
    return path.read_text(encoding="utf-8").strip() if path.exists() else None
