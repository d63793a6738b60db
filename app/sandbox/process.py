"""Business-process callbacks: POST `{event_type, caseId}` to the webhook URL in the background."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

import httpx

from app.sandbox.stats import RequestStats
from app.sandbox.values import format_datetime

logger = logging.getLogger(__name__)


@dataclass
class WebhookSettings:
    """Where and how callbacks go; changed at runtime by `PUT /__sandbox/webhook`."""

    url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    timeout_seconds: float = 5.0
    retries: int = 2
    retry_delay_seconds: float = 1.0


@dataclass(frozen=True)
class WebhookCall:
    """One delivery attempt (headers are never recorded: they may carry a secret)."""

    event_type: str
    case_id: str
    url: str
    attempt: int
    status: int | None
    error: str | None
    success: bool
    at: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class WebhookDispatcher:
    """Sends callbacks like a Signal-start process + Call web service element, never blocking the caller."""

    def __init__(
        self,
        settings: WebhookSettings,
        stats: RequestStats,
        clock: Callable[[], datetime],
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.settings = settings
        self.calls: list[WebhookCall] = []
        self._stats = stats
        self._clock = clock
        self._client = client
        self._tasks: set[asyncio.Task[None]] = set()

    def emit(self, event_type: str, case_id: UUID) -> None:
        """Schedule a delivery of `{"event_type", "caseId"}` if a webhook URL is set."""
        if not self.settings.url:
            return
        task = asyncio.get_running_loop().create_task(self._deliver(event_type, str(case_id)))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait until every scheduled delivery (with its retries) has finished."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def aclose(self) -> None:
        """Cancel pending deliveries (safe to call from another event loop, e.g. a test portal)."""
        loop = asyncio.get_running_loop()
        mine = [task for task in self._tasks if task.get_loop() is loop]
        for task in self._tasks:
            if task.get_loop() is not loop and not task.get_loop().is_closed():
                task.get_loop().call_soon_threadsafe(task.cancel)
        for task in mine:
            task.cancel()
        await asyncio.gather(*mine, return_exceptions=True)

    async def _deliver(self, event_type: str, case_id: str) -> None:
        settings = self.settings
        url = settings.url or ""
        body = {"event_type": event_type, "caseId": case_id}
        for attempt in range(1, settings.retries + 2):
            if attempt > 1 and settings.retry_delay_seconds:
                await asyncio.sleep(settings.retry_delay_seconds)
            status, error = await self._attempt(url, dict(settings.headers), body, settings.timeout_seconds)
            success = status is not None and 200 <= status < 300
            at = format_datetime(self._clock())
            self.calls.append(WebhookCall(event_type, case_id, url, attempt, status, error, success, at))
            self._stats.webhook_attempts += 1
            logger.info(
                "webhook %s for case %s to %s: attempt %d -> %s",
                event_type, case_id, urlsplit(url).netloc, attempt, status or error,
            )  # fmt: skip
            if success:
                return

    async def _attempt(
        self, url: str, headers: dict[str, str], body: dict[str, str], limit: float
    ) -> tuple[int | None, str | None]:
        try:
            async with asyncio.timeout(limit):
                if self._client is not None:
                    response = await self._client.post(url, json=body, headers=headers, timeout=limit)
                else:  # a short-lived client: nothing to close when the app stops
                    async with httpx.AsyncClient() as client:
                        response = await client.post(url, json=body, headers=headers, timeout=limit)
        except (TimeoutError, httpx.TimeoutException):
            return None, "timeout"
        except httpx.HTTPError as exc:
            return None, type(exc).__name__
        return response.status_code, None
