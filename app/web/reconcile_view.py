"""The reconciliation's state as the admin API and the console health page show it."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from app.bootstrap.crm_to_chat import CrmToChatSetup
from app.settings import Settings


class ReconcileView(BaseModel):
    enabled: bool
    interval_seconds: float
    last_run_at: datetime | None
    next_run_at: datetime | None
    last_error: str | None
    cursors: dict[str, Any]


async def read_reconcile_view(crm_to_chat: CrmToChatSetup | None, settings: Settings) -> ReconcileView:
    row = await crm_to_chat.reconcile_store.state() if crm_to_chat else None
    return ReconcileView(
        enabled=bool(crm_to_chat and crm_to_chat.reconciler),
        interval_seconds=settings.reconcile_seconds,
        last_run_at=row.last_run_at if row else None,
        next_run_at=row.next_run_at if row else None,
        last_error=row.last_error if row else None,
        cursors=json.loads(row.cursors) if row else {},
    )
