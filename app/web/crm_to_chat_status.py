"""What web shows and records of the Creatio-to-chat direction: the reconciliation's state, and the Creatio
webhook calls seen. Calls are recorded in the database, so the health page shows the latest one whichever
process took it; refused calls are written at most every few seconds per process (a flood of bad calls must
not become a flood of writes), and bookkeeping never fails the call itself."""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from app.db.stores.reconcile import ReconcileStore
from app.db.stores.webhook_token import WebhookTokenStore
from app.db.tables import utcnow


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
    running: Callable[[], Awaitable[bool]]  # on, and somewhere to deliver to (a connector may be saved later)
    interval_seconds: float

    async def view(self) -> ReconcileView:
        row = await self.store.state() if self.store else None
        return ReconcileView(
            enabled=await self.running(),
            interval_seconds=self.interval_seconds,
            last_run_at=row.last_run_at if row else None,
            next_run_at=row.next_run_at if row else None,
            last_error=row.last_error if row else None,
            cursors=json.loads(row.cursors) if row else {},
        )


logger = logging.getLogger(__name__)
REFUSED_WRITE_SECONDS = 10.0


class WebhookCallRecorder:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._last_refused_write = -math.inf

    async def note(self, tokens: WebhookTokenStore, status: int) -> None:
        if not 200 <= status < 300:
            now = self._clock()
            if now - self._last_refused_write < REFUSED_WRITE_SECONDS:
                return
            self._last_refused_write = now
        try:
            await tokens.note_call(status, utcnow())
        except Exception as exc:  # the database hiccuped: the call was handled all the same
            logger.warning("could not record the webhook call", extra={"error": type(exc).__name__})
