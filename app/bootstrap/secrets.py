"""Development secrets generated once into the data directory with owner-only permissions."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable
from pathlib import Path

logger = logging.getLogger(__name__)


def load_or_create_secret(data_dir: Path, name: str, generate: Callable[[], str] | None = None) -> str:
    """Return the secret stored in ``data_dir/name``, creating it (mode 0600) on first use."""
    path = data_dir / name
    if path.exists():
        _warn_if_readable_by_others(path)
        return path.read_text(encoding="utf-8").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    value = (generate or _token)()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    logger.warning(
        "generated development secret",
        extra={"path": str(path), "hint": "set it through the environment in production"},
    )
    return value


def _token() -> str:
    return secrets.token_urlsafe(32)


def _warn_if_readable_by_others(path: Path) -> None:
    if path.stat().st_mode & 0o077:
        logger.warning(
            "secret file is readable by other users; chmod 600 it", extra={"secret_file": str(path)}
        )


class MissingSecretError(RuntimeError):
    """A secret that production must be given explicitly is missing."""


def resolve_secret(
    configured: str | None,
    *,
    env_name: str,
    data_dir: Path,
    file_name: str,
    development: bool,
    generate: Callable[[], str] | None = None,
) -> str:
    """Use the configured secret; in development fall back to one generated into the data directory."""
    if configured:
        return configured
    if not development:
        raise MissingSecretError(f"{env_name} must be set in production (see README, Configuration).")
    return load_or_create_secret(data_dir, file_name, generate)
