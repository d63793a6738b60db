import logging
import stat
from pathlib import Path

import pytest

from app.bootstrap.secrets import MissingSecretError, load_or_create_secret, resolve_secret


def test_generated_secret_is_owner_only_and_stable(tmp_path: Path) -> None:
    first = load_or_create_secret(tmp_path / "var", "admin-token")
    mode = stat.S_IMODE((tmp_path / "var" / "admin-token").stat().st_mode)
    assert mode == 0o600
    assert len(first) >= 32
    assert load_or_create_secret(tmp_path / "var", "admin-token") == first


def test_generation_warns_without_the_secret_value(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        value = load_or_create_secret(tmp_path, "secret-key")
    assert "generated development secret" in caplog.text
    assert value not in caplog.text


def test_production_refuses_to_generate(tmp_path: Path) -> None:
    with pytest.raises(MissingSecretError, match="CASEBRIDGE_SECRET_KEY must be set in production"):
        resolve_secret(
            None, env_name="CASEBRIDGE_SECRET_KEY", data_dir=tmp_path, file_name="k", development=False
        )
    assert not (tmp_path / "k").exists()


def test_configured_secret_wins(tmp_path: Path) -> None:
    got = resolve_secret("given", env_name="X", data_dir=tmp_path, file_name="k", development=True)
    assert got == "given"
    assert not (tmp_path / "k").exists()
