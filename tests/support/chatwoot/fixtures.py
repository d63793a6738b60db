"""Fixtures of the Chatwoot emulator, for tests in several directories (registered in tests/conftest.py)."""

from __future__ import annotations

import pytest

from app.dev.chatwoot.emulator import ChatwootEmulator


@pytest.fixture
def chatwoot() -> ChatwootEmulator:
    """Chatwoot: its API (give it to the app as `chat_http`'s transport) and its signed webhooks."""
    return ChatwootEmulator()
