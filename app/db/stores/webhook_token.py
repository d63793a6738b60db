"""The Creatio webhook token: generated at first start, checked in constant time, rotatable."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from app.db.crypto import SecretBox, SecretDecryptionError
from app.db.engine import SessionFactory
from app.db.tables import CreatioWebhookRow, utcnow


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


class WebhookTokenUnreadable(SecretDecryptionError):
    """The stored webhook token cannot be decrypted with this secret key: rotating it makes a new one."""


@dataclass(frozen=True)
class WebhookToken:
    value: str
    created_at: datetime
    rotated_at: datetime | None


@dataclass(frozen=True)
class WebhookSightings:
    last_accepted_at: datetime | None = None
    last_refused_at: datetime | None = None
    last_refused_status: int | None = None


class WebhookTokenStore:
    def __init__(self, sessions: SessionFactory, box: SecretBox) -> None:
        self._sessions = sessions
        self._box = box

    async def ensure(self) -> None:
        """Generate the token unless one is stored (several instances may start at once: one wins)."""
        async with self._sessions() as session:
            if await session.get(CreatioWebhookRow, 1) is not None:
                return
        token = new_token()
        try:
            async with self._sessions() as session, session.begin():
                session.add(
                    CreatioWebhookRow(id=1, token_hash=_hash(token), token_encrypted=self._box.encrypt(token))
                )
        except IntegrityError:
            return

    async def matches(self, presented: str | None) -> bool:
        """Whether `presented` is the token; compares SHA-256 digests in constant time."""
        if not presented:
            return False
        async with self._sessions() as session:
            row = await session.get(CreatioWebhookRow, 1)
        if row is None:
            return False
        return hmac.compare_digest(_hash(presented).encode("ascii"), row.token_hash.encode("ascii"))

    async def current(self) -> WebhookToken:
        """The token in clear, for the admin's ready-to-paste URL (raises WebhookTokenUnreadable)."""
        await self.ensure()
        async with self._sessions() as session:
            row = await session.get(CreatioWebhookRow, 1)
        assert row is not None
        try:
            value = self._box.decrypt(row.token_encrypted)
        except SecretDecryptionError as exc:
            raise WebhookTokenUnreadable(str(exc)) from exc
        return WebhookToken(value, row.created_at, row.rotated_at)

    async def rotate(self) -> WebhookToken:
        """Replace the token; the old one stops working at once."""
        await self.ensure()
        token, now = new_token(), utcnow()
        async with self._sessions() as session, session.begin():
            row = await session.get(CreatioWebhookRow, 1)
            assert row is not None
            row.token_hash, row.token_encrypted, row.rotated_at = _hash(token), self._box.encrypt(token), now
            session.add(row)
            created = row.created_at
        return WebhookToken(token, created, now)

    async def note_call(self, status: int, at: datetime) -> None:
        """Record a webhook call's outcome where every process (and the health page) sees it."""
        if 200 <= status < 300:
            statement = update(CreatioWebhookRow).values(last_accepted_at=at)
        else:
            statement = update(CreatioWebhookRow).values(last_refused_at=at, last_refused_status=status)
        async with self._sessions() as session, session.begin():
            await session.exec(statement.where(col(CreatioWebhookRow.id) == 1))

    async def sightings(self) -> WebhookSightings:
        async with self._sessions() as session:
            row = await session.get(CreatioWebhookRow, 1)
        if row is None:
            return WebhookSightings()
        return WebhookSightings(row.last_accepted_at, row.last_refused_at, row.last_refused_status)
