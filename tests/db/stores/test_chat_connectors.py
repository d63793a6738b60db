"""The saved chat connectors as the webhook route and the reconciliation's switch read them: from memory,
on SQLite and PostgreSQL; a save here is in force at once, one by another process once it is followed."""

from __future__ import annotations

from app.db.crypto import SecretBox
from app.db.engine import SessionFactory
from app.db.stores.chat_connectors import ChatConnectorStore
from app.ports.chat_platforms import ConnectorConfig


def chatwoot(secret: str, base_url: str = "https://chatwoot.example.com") -> ConnectorConfig:
    settings = {
        "base_url": base_url,
        "account_id": 3,
        "inbox_id": None,
        "handoff_summary": "last_bot_message",
    }
    return ConnectorConfig(
        "cw", "chatwoot", settings, {"api_access_token": "token", "webhook_secret": secret}
    )


async def test_a_save_is_in_force_here_at_once_and_in_another_process_once_followed(
    sessions: SessionFactory,
) -> None:
    box = SecretBox(SecretBox.generate_key())
    here, elsewhere = ChatConnectorStore(sessions, box), ChatConnectorStore(sessions, box)
    assert not await here.any_saved()
    assert not await elsewhere.any_saved()
    assert await elsewhere.follow_saved() is False  # nothing saved: nothing new

    assert await here.save(chatwoot("first"), verified=True)
    first = await here.saved("cw")
    assert first is not None
    assert first.secrets["webhook_secret"] == "first"
    assert await here.any_saved()
    assert not await elsewhere.any_saved()  # until its refresh loop follows the save
    assert await elsewhere.follow_saved() is True
    assert await elsewhere.any_saved()
    assert await elsewhere.follow_saved() is False  # followed once

    assert await here.save(chatwoot("second"), verified=True)  # a rotation
    assert await elsewhere.follow_saved() is True
    rotated = await elsewhere.saved("cw")
    assert rotated is not None
    assert rotated.secret_rotated_at is not None
    assert (rotated.secrets["webhook_secret"], rotated.secrets["webhook_secret_previous"]) == (
        "second",
        "first",
    )

    await elsewhere.mark_verified("cw")
    verified = await elsewhere.saved("cw")
    assert verified is not None
    assert verified.verified_at is not None
    assert await elsewhere.saved("nope") is None


async def test_what_cannot_be_decrypted_leaves_the_connectors_in_memory_in_use(
    sessions: SessionFactory,
) -> None:
    writer = ChatConnectorStore(sessions, SecretBox(SecretBox.generate_key()))
    reader = ChatConnectorStore(sessions, SecretBox(SecretBox.generate_key()))  # another secret key
    assert not await reader.any_saved()
    assert await writer.save(chatwoot("first"), verified=True)
    assert await reader.follow_saved() is False  # logged; never raised into the refresh loop
    assert not await reader.any_saved()
