"""The saved chat platform connectors (Chatwoot, ...): settings as JSON, secrets encrypted together; a new
webhook secret keeps the previous one (and when it changed), so deliveries signed with it still pass.

The webhook route and the reconciliation's switch read them from memory (`saved`, `any_saved`): decrypted
once per change, not per request. A save in this process is in force at once; one by another process once
`follow_saved` (every CASEBRIDGE_CONNECTION_REFRESH_SECONDS, beside the Creatio connection's) sees it."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from app.db.crypto import SecretBox
from app.db.engine import SessionFactory
from app.db.tables import ChatConnectorRow, utcnow
from app.ports.chat_platforms import ConnectorConfig

logger = logging.getLogger(__name__)
ROTATED_SECRET = "webhook_secret"  # noqa: S105 (the name of the secret whose old value is kept a while)
Stamp = tuple[int, int, Any]  # connectors, the sum of their versions, the latest update: any save moves it


class ChatConnectorStore:
    def __init__(self, sessions: SessionFactory, box: SecretBox) -> None:
        self._sessions = sessions
        self._box = box
        self._memory: dict[str, ConnectorConfig] | None = None  # None: to be read (again)
        self._stamp: Stamp | None = None  # of what `_memory` holds
        self._saves = 0  # saves in this process: a read begun before one is not kept

    async def saved(self, connector_id: str) -> ConnectorConfig | None:
        """The connector as last read into memory (read first if nothing or a save here made it stale)."""
        return (await self._remembered()).get(connector_id)

    async def any_saved(self) -> bool:
        return bool(await self._remembered())

    async def follow_saved(self) -> bool:
        """Read the connectors again when another process saved one (the stamp moved); True when it did.
        Never raises: a database or decryption problem is logged and what is in memory stays."""
        try:
            stamp = await self._read_stamp()
            if self._memory is not None and stamp == self._stamp:
                return False
            await self._reload()
        except Exception:
            logger.exception("could not read the saved chat connectors; the ones in memory stay in use")
            return False
        return True

    async def _remembered(self) -> dict[str, ConnectorConfig]:
        memory = self._memory
        return memory if memory is not None else await self._reload()

    async def _reload(self) -> dict[str, ConnectorConfig]:
        saves = self._saves
        stamp = await self._read_stamp()  # before the rows: a save in between is read again next time
        memory = {config.id: config for config in await self.all()}
        if saves == self._saves:
            self._memory, self._stamp = memory, stamp
        return memory

    async def _read_stamp(self) -> Stamp:
        query = select(
            func.count(col(ChatConnectorRow.id)),
            func.coalesce(func.sum(col(ChatConnectorRow.version)), 0),
            func.max(col(ChatConnectorRow.updated_at)),
        )
        async with self._sessions() as session:
            count, versions, latest = (await session.exec(query)).one()
        return int(count), int(versions), latest

    async def get(self, connector_id: str) -> ConnectorConfig | None:
        async with self._sessions() as session:
            row = await session.get(ChatConnectorRow, connector_id)
        return self._config(row) if row is not None else None

    async def all(self) -> list[ConnectorConfig]:
        async with self._sessions() as session:
            rows = (await session.exec(select(ChatConnectorRow).order_by(col(ChatConnectorRow.id)))).all()
        return [self._config(row) for row in rows]

    async def mark_verified(self, connector_id: str) -> None:
        async with self._sessions() as session, session.begin():
            row = await session.get(ChatConnectorRow, connector_id)
            if row is not None:
                row.verified_at = utcnow()
        self._forget()

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
        finally:
            self._forget()
        return True

    def _forget(self) -> None:
        self._memory, self._saves = None, self._saves + 1

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
