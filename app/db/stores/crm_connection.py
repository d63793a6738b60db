"""Reads and writes the saved Creatio connection, encrypting the client secret; every save raises its
version, which other processes read to notice it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from pydantic import SecretStr
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select, update

from app.db.crypto import SecretBox
from app.db.engine import SessionFactory
from app.db.tables import IntegrationSettingsRow, utcnow
from app.domain.creatio_platforms import as_platform_choice
from app.domain.crm_connection import ConnectionSettings


@dataclass(frozen=True)
class SavedConnection:
    settings: ConnectionSettings
    verified_at: datetime | None
    version: int = 0


class ConnectionStore:
    """The one saved connection (row id 1)."""

    def __init__(self, sessions: SessionFactory, box: SecretBox) -> None:
        self._sessions = sessions
        self._box = box

    async def load(self) -> SavedConnection | None:
        async with self._sessions() as session:
            row = await session.get(IntegrationSettingsRow, 1)
        if row is None:
            return None
        return SavedConnection(self._to_settings(row), row.verified_at, row.version)

    async def version(self) -> int | None:
        """The saved connection's version (None while none is saved): one indexed read of one row."""
        async with self._sessions() as session:
            query = select(IntegrationSettingsRow.version).where(IntegrationSettingsRow.id == 1)
            return (await session.exec(query)).first()

    async def save(self, settings: ConnectionSettings, *, verified: bool) -> SavedConnection:
        try:
            saved = await self._write(settings, verified=verified, only_if_absent=False)
        except IntegrityError:  # another process inserted the row an instant ago: now it is an update
            saved = await self._write(settings, verified=verified, only_if_absent=False)
        assert saved is not None
        return saved

    async def save_if_absent(self, settings: ConnectionSettings) -> SavedConnection | None:
        """Save (unverified) only while no connection is saved: the seed from the environment at start.
        None when one is, including one another process starting at the same time saved first."""
        try:
            return await self._write(settings, verified=False, only_if_absent=True)
        except IntegrityError:
            return None

    async def _write(
        self, settings: ConnectionSettings, *, verified: bool, only_if_absent: bool
    ) -> SavedConnection | None:
        now = utcnow()
        async with self._sessions() as session, session.begin():
            row = await session.get(IntegrationSettingsRow, 1)
            if row is not None and only_if_absent:
                return None
            if row is None:
                row = IntegrationSettingsRow(id=1, instance_url="", client_id="", client_secret_encrypted="")
            row.instance_url = settings.instance_url
            row.identity_url = settings.identity_url
            row.client_id = settings.client_id
            row.client_secret_encrypted = self._box.encrypt(settings.client_secret.get_secret_value())
            row.default_owner_id = _guid_text(settings.default_owner_id)
            row.default_group_id = _guid_text(settings.default_group_id)
            row.resolved_status_id = _guid_text(settings.resolved_status_id)
            row.create_case_only_on_handoff = settings.create_case_only_on_handoff
            row.platform = settings.platform
            row.odata_root = settings.odata_root
            row.token_endpoint = settings.token_endpoint
            row.verified_at = now if verified else None
            row.updated_at = now
            session.add(row)
            await session.flush()
            # Raised in SQL, not from what this process read: two processes saving at once get two versions.
            version_column = col(IntegrationSettingsRow.version)
            raised = update(IntegrationSettingsRow).where(col(IntegrationSettingsRow.id) == 1)
            await session.exec(raised.values(version=version_column + 1))
            version = (await session.exec(select(version_column).where(IntegrationSettingsRow.id == 1))).one()
        return SavedConnection(settings, now if verified else None, version)

    def _to_settings(self, row: IntegrationSettingsRow) -> ConnectionSettings:
        return ConnectionSettings(
            instance_url=row.instance_url,
            identity_url=row.identity_url,
            client_id=row.client_id,
            client_secret=SecretStr(self._box.decrypt(row.client_secret_encrypted)),
            default_owner_id=_guid(row.default_owner_id),
            default_group_id=_guid(row.default_group_id),
            resolved_status_id=_guid(row.resolved_status_id),
            create_case_only_on_handoff=row.create_case_only_on_handoff,
            platform=as_platform_choice(row.platform),
            odata_root=row.odata_root,
            token_endpoint=row.token_endpoint,
        )


def _guid_text(value: UUID | None) -> str | None:
    return str(value) if value is not None else None


def _guid(value: str | None) -> UUID | None:
    return UUID(value) if value else None
