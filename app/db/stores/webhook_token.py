"""The Creatio webhook token: generated at first start, checked in constant time, rotatable; the previous
token may be kept working for a grace period chosen at rotation (at most a day; none by default)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from app.db.crypto import SecretBox, SecretDecryptionError
from app.db.engine import SessionFactory
from app.db.tables import CreatioWebhookRow, utcnow


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


MAX_GRACE = timedelta(days=1)


def new_token() -> str:
    return secrets.token_urlsafe(32)


class WebhookTokenUnreadable(SecretDecryptionError):
    """The stored webhook token cannot be decrypted with this secret key: rotating it makes a new one."""


@dataclass(frozen=True)
class WebhookToken:
    value: str
    created_at: datetime
    rotated_at: datetime | None
    previous_valid_until: datetime | None = None  # the previous token is accepted until then


@dataclass(frozen=True)
class WebhookSightings:
    last_accepted_at: datetime | None = None
    last_refused_at: datetime | None = None
    last_refused_status: int | None = None


def _still_valid(until: datetime | None) -> bool:
    if until is None:
        return False
    return (until if until.tzinfo else until.replace(tzinfo=UTC)) > utcnow()


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
        digest = _hash(presented).encode("ascii")
        if hmac.compare_digest(digest, row.token_hash.encode("ascii")):
            return True
        previous = row.previous_token_hash
        return (
            previous is not None
            and _still_valid(row.previous_valid_until)
            and hmac.compare_digest(digest, previous.encode("ascii"))
        )

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
        until = row.previous_valid_until if _still_valid(row.previous_valid_until) else None
        return WebhookToken(value, row.created_at, row.rotated_at, until)

    async def rotate(self, grace: timedelta = timedelta(0)) -> WebhookToken:
        """Replace the token. The old one stops working at once, or after `grace` (at most a day: long
        enough to paste the new URL into Creatio; none when the old one may have leaked)."""
        if not timedelta(0) <= grace <= MAX_GRACE:
            raise ValueError(f"the grace period must be between 0 and {MAX_GRACE}")
        await self.ensure()
        token, now = new_token(), utcnow()
        async with self._sessions() as session, session.begin():
            row = await session.get(CreatioWebhookRow, 1)
            assert row is not None
            row.previous_token_hash = row.token_hash if grace else None
            row.previous_valid_until = now + grace if grace else None
            row.token_hash, row.token_encrypted, row.rotated_at = _hash(token), self._box.encrypt(token), now
            session.add(row)
            created, until = row.created_at, row.previous_valid_until
        return WebhookToken(token, created, now, until)

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
