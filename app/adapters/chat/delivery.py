"""Signed deliveries to the chat platform: one POST with `Idempotency-Key`, its outcome classified."""

from __future__ import annotations

from urllib.parse import urlsplit
from uuid import UUID

import httpx

from app.adapters.chat.payloads import render
from app.adapters.http_answers import TRANSIENT_4XX, parse_retry_after
from app.domain.crm_updates import ChatNotice, DeliveryOutcome
from app.domain.signature import SIGNATURE_HEADER, sign

IDEMPOTENCY_HEADER = "Idempotency-Key"
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
    if status in TRANSIENT_4XX or status >= 500:
        return DeliveryOutcome(
            False, True, status, error, parse_retry_after(response.headers.get("Retry-After"))
        )
    if 300 <= status < 400:
        error += " (a redirect: set CASEBRIDGE_CHAT_WEBHOOK_URL to the final URL)"
    return DeliveryOutcome(False, False, status, error)
