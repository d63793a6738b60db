"""Signed deliveries to the chat platform: one POST with `Idempotency-Key`, its outcome classified."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit
from uuid import UUID

import httpx

from app.adapters.chat.payloads import render
from app.domain.crm_updates import ChatNotice, DeliveryOutcome
from app.domain.signature import SIGNATURE_HEADER, sign

IDEMPOTENCY_HEADER = "Idempotency-Key"
RETRYABLE_4XX = frozenset({408, 425, 429})
ERROR_SNIPPET = 200


class ChatDeliveryClient:
    """POSTs notices to one URL, signed like incoming events (`Casebridge-Signature`)."""

    def __init__(self, http: httpx.AsyncClient, url: str, secret: str, *, timeout_seconds: float) -> None:
        self._http = http
        self._url = url
        self._secret = secret
        self._timeout = timeout_seconds
        self.host = urlsplit(url).netloc  # for logs: never the path or query, which may hold a token

    def __repr__(self) -> str:
        return f"ChatDeliveryClient(host={self.host!r})"

    async def send(self, delivery_id: UUID, notice: ChatNotice) -> DeliveryOutcome:
        body = render(delivery_id, notice)
        headers = {
            "Content-Type": "application/json",
            IDEMPOTENCY_HEADER: str(delivery_id),
            SIGNATURE_HEADER: sign(self._secret, body),
            "User-Agent": "Casebridge",
        }
        try:
            response = await self._http.post(self._url, content=body, headers=headers, timeout=self._timeout)
        except httpx.TimeoutException:
            return DeliveryOutcome(
                False, True, error=f"the chat platform ({self.host}) did not answer in time"
            )
        except httpx.HTTPError as exc:
            return DeliveryOutcome(
                False, True, error=f"could not reach the chat platform ({self.host}): {type(exc).__name__}"
            )
        return classify(response, self.host)


def classify(response: httpx.Response, host: str) -> DeliveryOutcome:
    """2xx delivered; 408/425/429/5xx retried (honouring Retry-After); anything else rejected."""
    status = response.status_code
    if 200 <= status < 300:
        return DeliveryOutcome(True, False, status=status)
    snippet = " ".join(response.text[:ERROR_SNIPPET].split())
    error = f"the chat platform ({host}) answered {status}" + (f": {snippet}" if snippet else "")
    if status in RETRYABLE_4XX or status >= 500:
        return DeliveryOutcome(False, True, status, error, retry_after(response.headers.get("Retry-After")))
    if 300 <= status < 400:
        error += " (a redirect: set CASEBRIDGE_CHAT_WEBHOOK_URL to the final URL)"
    return DeliveryOutcome(False, False, status, error)


def retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), capped at an hour."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return min(float(text), 3600.0)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(max((when - (now or datetime.now(UTC))).total_seconds(), 0.0), 3600.0)
