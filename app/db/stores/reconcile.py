"""The reconciliation's storage: a leased singleton row with its cursors, and linked-case lookups."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import or_, update
from sqlmodel import col, select

from app.db.engine import SessionFactory
from app.db.stores.deliveries import enqueue_checks
from app.db.tables import ConversationRow, DeliveryRow, MessageRow, ReconcileStateRow, utcnow
from app.domain.text_rules import storable
from app.ports.stores import LinkedCase, ReconcileCursors, ScanCursor

RECONCILE_NAME = "creatio"
CHUNK = 400  # ids per IN (...) query


class ReconcileStore:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def acquire(
        self, owner: str, now: datetime, lease: timedelta, *, force: bool = False
    ) -> ReconcileCursors | None:
        """Take the reconciliation's lease if it is due and nobody holds it (compare-and-set: one winner)."""
        conditions = [
            col(ReconcileStateRow.name) == RECONCILE_NAME,
            or_(col(ReconcileStateRow.leased_until).is_(None), col(ReconcileStateRow.leased_until) < now),
        ]
        if not force:
            conditions.append(col(ReconcileStateRow.next_run_at) <= now)
        async with self._sessions() as session, session.begin():
            statement = (
                update(ReconcileStateRow)
                .where(*conditions)
                .values(leased_until=now + lease, lease_owner=owner, updated_at=now)
            )
            taken = (await session.exec(statement)).rowcount == 1
            row = await session.get(ReconcileStateRow, RECONCILE_NAME)
            if row is None:  # the migration seeds it; recreate it if it was deleted (due at once)
                session.add(ReconcileStateRow(name=RECONCILE_NAME, next_run_at=now))
            return _cursors(row.cursors) if taken and row is not None else None

    async def release(
        self, owner: str, cursors: ReconcileCursors, *, next_run_at: datetime, error: str | None
    ) -> None:
        now = utcnow()
        values: dict[str, Any] = {
            "cursors": _encode(cursors),
            "next_run_at": next_run_at,
            "leased_until": None,
            "lease_owner": None,
            "last_run_at": now,
            "last_error": storable(error[:2000]) if error else None,
            "updated_at": now,
        }
        async with self._sessions() as session, session.begin():
            await session.exec(
                update(ReconcileStateRow)
                .where(
                    col(ReconcileStateRow.name) == RECONCILE_NAME, col(ReconcileStateRow.lease_owner) == owner
                )
                .values(**values)
            )

    async def state(self) -> ReconcileStateRow | None:
        async with self._sessions() as session:
            return await session.get(ReconcileStateRow, RECONCILE_NAME)

    async def linked(self, case_ids: Iterable[UUID]) -> dict[UUID, LinkedCase]:
        """The conversations of those cases that Casebridge created."""
        found: dict[UUID, LinkedCase] = {}
        async with self._sessions() as session:
            for chunk in _chunks(list(set(case_ids))):
                query = select(ConversationRow).where(
                    col(ConversationRow.case_id).in_(chunk), col(ConversationRow.case_created_at).is_not(None)
                )
                for row in (await session.exec(query)).all():
                    assert row.case_id is not None
                    found[row.case_id] = LinkedCase(row.id, row.status, row.case_status_applied)
        return found

    async def enqueue_checks(self, conversation_ids: Iterable[UUID]) -> int:
        return await enqueue_checks(self._sessions, conversation_ids)

    async def unseen_activities(self, activity_ids: Iterable[UUID]) -> set[UUID]:
        """Those ids that are neither Casebridge's own activities nor delivered already."""
        unseen = set(activity_ids)
        async with self._sessions() as session:
            for chunk in _chunks(list(unseen)):
                own = select(MessageRow.id).where(col(MessageRow.id).in_(chunk))
                sent = select(DeliveryRow.activity_id).where(col(DeliveryRow.activity_id).in_(chunk))
                unseen -= set((await session.exec(own)).all())
                unseen -= {i for i in (await session.exec(sent)).all() if i is not None}
        return unseen


def _chunks(ids: Sequence[UUID]) -> list[list[UUID]]:
    return [list(ids[i : i + CHUNK]) for i in range(0, len(ids), CHUNK)]


def _cursors(text: str) -> ReconcileCursors:
    data = json.loads(text or "{}")
    return ReconcileCursors(**{name: _scan(data.get(name)) for name in ("activities", "cases")})


def _scan(value: Any) -> ScanCursor:
    if not isinstance(value, dict) or not value.get("at"):
        return ScanCursor()
    return ScanCursor(datetime.fromisoformat(value["at"]), bool(value.get("backlog")))


def _encode(cursors: ReconcileCursors) -> str:
    data = {
        name: {"at": scan.at.isoformat() if scan.at else None, "backlog": scan.backlog}
        for name, scan in (("activities", cursors.activities), ("cases", cursors.cases))
    }
    return json.dumps(data, sort_keys=True)
