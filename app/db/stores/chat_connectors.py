"""The saved chat platform connectors (Chatwoot, ...): settings as JSON, secrets encrypted together; a new
webhook secret keeps the previous one (and when it changed), so deliveries signed with it still pass."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from app.db.crypto import SecretBox
from app.db.engine import SessionFactory
from app.db.tables import ChatConnectorRow, utcnow
from app.ports.chat_platforms import ConnectorConfig

ROTATED_SECRET = "webhook_secret"  # noqa: S105 (the name of the secret whose old value is kept a while)


class ChatConnectorStore:
    def __init__(self, sessions: SessionFactory, box: SecretBox) -> None:
        self._sessions = sessions
        self._box = box

    async def get(self, connector_id: str) -> ConnectorConfig | None:
        async with self._sessions() as session:
            row = await session.get(ChatConnectorRow, connector_id)
        return self._config(row) if row is not None else None

    async def all(self) -> list[ConnectorConfig]:
        async with self._sessions() as session:
            rows = (await session.exec(select(ChatConnectorRow).order_by(col(ChatConnectorRow.id)))).all()
        return [self._config(row) for row in rows]

    async def exists(self) -> bool:
        async with self._sessions() as session:
            return (await session.exec(select(ChatConnectorRow.id).limit(1))).first() is not None

    async def mark_verified(self, connector_id: str) -> None:
        async with self._sessions() as session, session.begin():
            row = await session.get(ChatConnectorRow, connector_id)
            if row is not None:
                row.verified_at = utcnow()

    async def save(self, config: ConnectorConfig, *, verified: bool, only_if_absent: bool = False) -> bool:
        """Store `config` (secrets merged with the saved ones); False when `only_if_absent` and one exists."""
        try:
            async with self._sessions() as session, session.begin():
                row = await session.get(ChatConnectorRow, config.id)
                if row is not None and only_if_absent:
                    return False
                secrets, rotated_at = self._secrets(row, config.secrets)
                values: dict[str, Any] = {
                    "platform": config.platform,
                    "settings": json.dumps(dict(config.settings), sort_keys=True),
                    "secrets_encrypted": self._box.encrypt(json.dumps(secrets, sort_keys=True)),
                    "secret_rotated_at": rotated_at,
                    "verified_at": utcnow() if verified else None,
                    "updated_at": utcnow(),
                }
                if row is None:
                    session.add(ChatConnectorRow(id=config.id, **values))
                else:
                    for name, value in values.items():
                        setattr(row, name, value)
                    row.version += 1
        except IntegrityError:  # another process saved it first
            return False
        return True

    def _secrets(self, row: ChatConnectorRow | None, given: Mapping[str, str]) -> tuple[dict[str, str], Any]:
        saved = self._decrypt(row) if row is not None else {}
        secrets = saved | {name: value for name, value in given.items() if value}
        rotated_at = row.secret_rotated_at if row is not None else None
        old, new = saved.get(ROTATED_SECRET), secrets.get(ROTATED_SECRET)
        if old and new and old != new:
            secrets[f"{ROTATED_SECRET}_previous"] = old
            rotated_at = utcnow()
        return secrets, rotated_at

    def _decrypt(self, row: ChatConnectorRow) -> dict[str, str]:
        data: dict[str, str] = json.loads(self._box.decrypt(row.secrets_encrypted))
        return data

    def _config(self, row: ChatConnectorRow) -> ConnectorConfig:
        settings: dict[str, Any] = json.loads(row.settings)
        return ConnectorConfig(
            row.id, row.platform, settings, self._decrypt(row), row.secret_rotated_at, row.verified_at
        )
