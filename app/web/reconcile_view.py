"""The reconciliation's state as the admin API and the console health page show it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from app.db.stores.reconcile import ReconcileStore


class ReconcileView(BaseModel):
    enabled: bool
    interval_seconds: float
    last_run_at: datetime | None
    next_run_at: datetime | None
    last_error: str | None
    cursors: dict[str, Any]


@dataclass(frozen=True)
class Reconciliation:
    """What web knows of the reconciliation: where its state is kept, and whether this deployment runs it."""

    store: ReconcileStore | None
    enabled: bool
    interval_seconds: float

    async def view(self) -> ReconcileView:
        row = await self.store.state() if self.store else None
        return ReconcileView(
            enabled=self.enabled,
            interval_seconds=self.interval_seconds,
            last_run_at=row.last_run_at if row else None,
            next_run_at=row.next_run_at if row else None,
            last_error=row.last_error if row else None,
            cursors=json.loads(row.cursors) if row else {},
        )
