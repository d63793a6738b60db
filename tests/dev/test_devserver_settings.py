"""`make run`'s settings: embedded defaults that an explicit environment setting still overrides."""

from pathlib import Path

from app.dev.server import dev_settings
from app.settings import Settings


def test_the_demo_syncs_at_once_unless_a_delay_is_configured(tmp_path: Path) -> None:
    assert Settings(data_dir=tmp_path).sync_delay_seconds == 1.0  # the production default
    assert dev_settings(Settings(data_dir=tmp_path), 8000, 8100, "s").sync_delay_seconds == 0.0
    configured = Settings(data_dir=tmp_path, sync_delay_seconds=2.5)
    assert dev_settings(configured, 8000, 8100, "s").sync_delay_seconds == 2.5
