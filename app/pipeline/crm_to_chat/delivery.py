"""Sends one stored delivery to the chat platform and records its state; the job runner retries."""

from __future__ import annotations

import logging
from uuid import UUID

from app.ports.errors import PermanentFailure, TemporaryFailure
from app.ports.external import ChatPort
from app.ports.jobs import ClaimedJob
from app.ports.stores import DeliveryStorePort

logger = logging.getLogger(__name__)
NO_URL = "CASEBRIDGE_CHAT_WEBHOOK_URL is not set: configure it, then retry this delivery"


class ChatDeliveries:
    def __init__(self, store: DeliveryStorePort, chat: ChatPort | None) -> None:
        self._store = store
        self._chat = chat

    async def handle(self, job: ClaimedJob) -> None:
        """Job handler: 2xx delivered; 408/429/5xx/timeouts retried; other answers dead-lettered as failed."""
        delivery_id = UUID(job.payload["delivery_id"])
        found = await self._store.load(delivery_id)
        if found is None:
            return
        if found.state == "delivered":
            return  # e.g. an admin retried a job whose delivery had gone through meanwhile
        log = {
            "delivery_id": str(delivery_id),
            "kind": found.notice.kind,
            "conversation_id": str(found.conversation_id),
        }
        if self._chat is None:
            await self._store.finish(delivery_id, "failed", status=None, error=NO_URL)
            raise PermanentFailure(NO_URL)
        await self._store.begin_attempt(delivery_id)
        outcome = await self._chat.send(delivery_id, found.notice)
        if outcome.delivered:
            await self._store.finish(
                delivery_id,
                "delivered",
                status=outcome.status,
                error=None,
                platform_message_id=outcome.platform_message_id,
            )
            logger.info("delivered to the chat platform", extra=log | {"status": outcome.status})
            return
        error = outcome.error or "the chat platform refused the delivery"
        final = not outcome.retryable or job.attempts >= job.max_attempts
        await self._store.finish(
            delivery_id, "failed" if final else "retrying", status=outcome.status, error=error
        )
        if not outcome.retryable:
            raise PermanentFailure(error)
        raise TemporaryFailure(error, retry_after=outcome.retry_after)
