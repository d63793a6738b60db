"""POST /webhooks/<platform>/<connector id>: a chat platform's webhook (Chatwoot, ...). The connector
verifies and translates it (app/ports/chat_platforms.py); the event then takes the same intake as
`POST /api/v1/events`: stored with its job in one transaction, 202; a repeat 200, and so is the echo of a
message Casebridge posted (recognised in that transaction); nothing external called. The connector is
read from memory (app/db/stores/chat_connectors.py), not from the database per request."""

from __future__ import annotations

import logging
import time
from typing import Any

from litestar import Request, Response, post
from litestar.params import FromPath

from app.domain.events import HandoffRequested
from app.domain.transcript import offline_summary
from app.ports.chat_platforms import InvalidWebhook, WebhookRefused
from app.web.services import services_of

logger = logging.getLogger(__name__)
MAX_WEBHOOK_BYTES = 256 * 1024
PATH = "/webhooks/{platform:str}/{connector_id:str}"
Answer = Response[dict[str, Any]]


def _answer(status: int, body: dict[str, Any]) -> Answer:
    return Response(body, status_code=status)


@post(
    PATH, tags=["chat platform"], summary="Receive a chat platform's webhook (Chatwoot, ...)", status_code=202
)
async def receive_platform_webhook(
    request: Request[Any, Any, Any], platform: FromPath[str], connector_id: FromPath[str]
) -> Answer:
    # Its services read directly, not injected: Litestar resolves several dependencies in a task group of
    # their own, a measurable share of this busy route's time (docs/performance.md, Chatwoot-shaped intake).
    services = services_of(request.app.state)
    chat_connectors, intake = services.chat_connectors, services.intake
    connector = await chat_connectors.saved(connector_id) if chat_connectors is not None else None
    handler = services.chat_platforms.get(platform)
    if handler is None or connector is None or connector.platform != platform:
        detail = (
            f"No {platform} connector {connector_id!r} is saved: set it up under Settings > Chat platforms "
            "and paste the webhook URL shown there."
        )
        return _answer(404, {"status_code": 404, "detail": detail})
    body = await request.body()
    if len(body) > MAX_WEBHOOK_BYTES:
        return _answer(413, {"status_code": 413, "detail": f"larger than {MAX_WEBHOOK_BYTES // 1024} KiB"})
    headers = {name.lower(): value for name, value in request.headers.items()}
    try:
        handler.verify(connector, headers, body, time.time())
        translation = handler.translate(connector, headers, body)
    except WebhookRefused as exc:
        return _answer(401, {"status_code": 401, "detail": str(exc)})
    except InvalidWebhook as exc:
        errors = [{"field": exc.field, "message": exc.message}]
        detail = f"Not a {platform} webhook Casebridge can read; fix the fields listed."
        return _answer(400, {"status_code": 400, "detail": detail, "errors": errors})
    event = translation.event
    if event is None:
        return _answer(200, {"status": "ignored", "reason": translation.ignored})
    if translation.summary_from_transcript and isinstance(event, HandoffRequested):
        event = _summarised(event, await intake.transcript(event.conversation.id))
    echo = translation.platform_message_id or None
    outcome = await intake.record(event, body, connector_id=connector.id, platform_message_id=echo)
    if outcome == "echo":
        return _answer(200, {"status": "ignored", "reason": "a message Casebridge posted (echo)"})
    if outcome == "duplicate":
        return _answer(200, {"status": "duplicate", "id": event.id})
    services.wake_workers(intake.sync_delay_for(event).total_seconds())
    return _answer(202, {"status": "accepted", "id": event.id})


def _summarised(event: HandoffRequested, transcript: list[tuple[str, str]]) -> HandoffRequested:
    """The handoff with an offline summary of the transcript (kept as it was without a customer message)."""
    summary = offline_summary(transcript)
    if summary is None:
        return event
    return event.model_copy(update={"handoff": event.handoff.model_copy(update={"summary": summary})})
