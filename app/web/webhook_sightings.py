"""Records Creatio webhook calls in the database, so the health page shows the latest one whichever
process took it. Refused calls are written at most every few seconds per process: a flood of bad calls
must not become a flood of writes. Bookkeeping never fails the call itself."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable

from app.db.stores.webhook_token import WebhookTokenStore
from app.db.tables import utcnow

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
