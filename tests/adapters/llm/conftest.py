"""The LLM cassettes' directory and vcr options, for pytest-recording's `vcr` fixture."""

from __future__ import annotations

import pytest

from tests.support import cassettes


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    return str(cassettes.LLM_CASSETTE_DIR)


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, object]:
    return cassettes.llm_vcr_config()
