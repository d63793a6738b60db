"""The reconciliation poll's state as the admin API and the console health page show it."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from app.bootstrap.crm_to_chat import ReverseSync
from app.settings import Settings


class PollView(BaseModel):
    enabled: bool
    interval_seconds: float
    last_run_at: datetime | None
    next_run_at: datetime | None
    last_error: str | None
    cursors: dict[str, Any]


async def read_poll_view(reverse: ReverseSync | None, settings: Settings) -> PollView:
    row = await reverse.polls.state() if reverse else None
    return PollView(
        enabled=bool(reverse and reverse.reconciler),
        interval_seconds=settings.reconcile_seconds,
        last_run_at=row.last_run_at if row else None,
        next_run_at=row.next_run_at if row else None,
        last_error=row.last_error if row else None,
        cursors=json.loads(row.cursors) if row else {},
    )
