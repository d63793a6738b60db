"""POST /webhooks/creatio[/<token>]: Creatio says a case changed; check the token, enqueue a check, 202.
And its admin API: the ready-to-paste URL, token rotation, the reconciliation's state."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, QueryParameter
from pydantic import BaseModel

from app.db.engine import SessionFactory
from app.db.stores.chat_connectors import ChatConnectorStore
from app.db.stores.deliveries import enqueue_case_check
from app.db.stores.webhook_token import MAX_GRACE, WebhookToken, WebhookTokenStore
from app.settings import Settings
from app.web.admin_auth import require_admin
from app.web.crm_to_chat_status import ReconcileView, Reconciliation, WebhookCallRecorder
from app.web.services import WakeWorkers

logger = logging.getLogger(__name__)
MAX_WEBHOOK_BYTES = 8 * 1024
EVENT_TYPES = ("new_activity", "case_updated")
UNAUTHORIZED = (
    "Wrong or missing webhook token: use the URL (or the Bearer token) shown by "
    "GET /api/v1/admin/creatio-webhook; after a rotation, update the Creatio business process."
)


class WebhookReceiver:
    """One webhook call: the token, then a chat platform to deliver to, then the body; its outcome noted."""

    def __init__(
        self,
        webhook_tokens: NamedDependency[WebhookTokenStore | None],
        chat_configured: NamedDependency[bool],
        sessions: NamedDependency[SessionFactory],
        wake_workers: NamedDependency[WakeWorkers],
        webhook_recorder: NamedDependency[WebhookCallRecorder],
        chat_connectors: NamedDependency[ChatConnectorStore | None],
    ) -> None:
        assert webhook_tokens is not None  # the runtime sets the Creatio-to-chat direction up
        self._tokens = webhook_tokens
        self._chat_configured = chat_configured
        self._sessions = sessions
        self._wake_workers = wake_workers
        self._recorder = webhook_recorder
        self._connectors = chat_connectors

    async def receive(self, request: Request[Any, Any, Any], token: str | None) -> Response[dict[str, Any]]:
        response = await self._answer(request, token)
        await self._recorder.note(self._tokens, response.status_code or 200)
        return response

    async def _answer(self, request: Request[Any, Any, Any], token: str | None) -> Response[dict[str, Any]]:
        """Only the case id is taken from the body: the job re-reads everything else from Creatio."""
        if not await self._tokens.matches(token):
            return Response({"status_code": 401, "detail": UNAUTHORIZED}, status_code=401)
        if not self._chat_configured and not (self._connectors and await self._connectors.any_saved()):
            detail = (
                "Casebridge has no chat platform to deliver to: set CASEBRIDGE_CHAT_WEBHOOK_URL or save a "
                "chat connector under Settings > Chat platforms."
            )
            return Response({"status_code": 503, "detail": detail}, status_code=503)
        case_id, problem = _case_id(await request.body())
        if case_id is None:
            return Response({"status_code": 400, "detail": problem}, status_code=400)
        conversation_id = await enqueue_case_check(self._sessions, case_id)
        if conversation_id is None:
            # Business processes fire for every case; one Casebridge did not create is not an error.
            return Response(
                {"status": "ignored", "reason": "not a case of a chat conversation"}, status_code=202
            )
        self._wake_workers(0)
        logger.info("creatio webhook accepted", extra={"conversation_id": str(conversation_id)})
        return Response({"status": "accepted"}, status_code=202)


class CreatioWebhookController(Controller):
    path = "/webhooks/creatio"
    tags = ["creatio"]
    dependencies = {"receiver": Provide(WebhookReceiver, sync_to_thread=False)}

    @post(
        "/{token:str}",
        request_max_body_size=MAX_WEBHOOK_BYTES,
        summary="Creatio business-process callback, with the webhook token in the URL.",
    )
    async def with_path_token(
        self,
        request: Request[Any, Any, Any],
        receiver: NamedDependency[WebhookReceiver],
        token: FromPath[str],
    ) -> Response[dict[str, Any]]:
        return await receiver.receive(request, token)

    @post(
        "/",
        request_max_body_size=MAX_WEBHOOK_BYTES,
        summary="Creatio business-process callback, with 'Authorization: Bearer <webhook token>'.",
    )
    async def with_bearer_token(
        self, request: Request[Any, Any, Any], receiver: NamedDependency[WebhookReceiver]
    ) -> Response[dict[str, Any]]:
        scheme, _sep, token = request.headers.get("authorization", "").partition(" ")
        presented = token.strip() if scheme.lower() == "bearer" else None
        return await receiver.receive(request, presented)


def _case_id(body: bytes) -> tuple[UUID | None, str]:
    try:
        data = json.loads(body or b"null")
    except (ValueError, RecursionError):  # RecursionError: nested past what the parser allows
        return (
            None,
            'The body must be JSON: {"event_type": "new_activity" | "case_updated", "caseId": "<guid>"}.',
        )
    if not isinstance(data, dict):
        return None, 'The body must be a JSON object with "caseId".'
    event_type = data.get("event_type")
    if event_type is not None and event_type not in EVENT_TYPES:
        return None, f"event_type must be one of {list(EVENT_TYPES)} (or left out)."
    try:
        return UUID(str(data.get("caseId"))), ""
    except ValueError:
        return None, '"caseId" must be the case\'s GUID (the Id of the Case record).'


BODY_TEMPLATE = {"event_type": "new_activity | case_updated", "caseId": "<Id of the case>"}


class CreatioWebhookView(BaseModel):
    url: str  # token in the path, as the vendor guide's Call web service step expects
    bearer_url: str  # the alternative: this URL with `Authorization: Bearer <token>`
    authorization_header: str
    body: dict[str, str]
    created_at: datetime
    rotated_at: datetime | None
    previous_valid_until: datetime | None  # the token before the last rotation works until then
    chat_webhook_configured: bool
    reconcile: ReconcileView


def base_url(settings: Settings) -> str:
    """CASEBRIDGE_PUBLIC_URL, or where this process listens."""
    if settings.public_url:
        return settings.public_url.rstrip("/")
    return f"http://{settings.host}:{settings.port}"


GraceMinutes = Annotated[
    int,
    QueryParameter(
        ge=0,
        le=int(MAX_GRACE.total_seconds() // 60),
        description="Minutes the old token keeps working (0: none, e.g. when it may have leaked).",
    ),
]


class CreatioWebhookAdminController(Controller):
    """A token this secret key cannot decrypt answers 409, saying to rotate it: app/web/errors.py."""

    path = "/api/v1/admin/creatio-webhook"
    guards = [require_admin]
    tags = ["admin: connection"]

    @get("/", summary="The webhook URL (with its token) to paste into Creatio's business process.")
    async def read(
        self,
        settings: NamedDependency[Settings],
        webhook_tokens: NamedDependency[WebhookTokenStore | None],
        chat_configured: NamedDependency[bool],
        reconciliation: NamedDependency[Reconciliation],
    ) -> CreatioWebhookView:
        token = await _set_up(webhook_tokens).current()
        return await _view(settings, token, chat_configured, reconciliation)

    @post(
        "/rotate",
        status_code=200,
        summary="Replace the webhook token; the old URL stops working at once, or after grace_minutes.",
    )
    async def rotate(
        self,
        settings: NamedDependency[Settings],
        webhook_tokens: NamedDependency[WebhookTokenStore | None],
        chat_configured: NamedDependency[bool],
        reconciliation: NamedDependency[Reconciliation],
        grace_minutes: GraceMinutes = 0,
    ) -> CreatioWebhookView:
        token = await _set_up(webhook_tokens).rotate(timedelta(minutes=grace_minutes))
        return await _view(settings, token, chat_configured, reconciliation)


def _set_up(webhook_tokens: WebhookTokenStore | None) -> WebhookTokenStore:
    assert webhook_tokens is not None  # the runtime sets the Creatio-to-chat direction up
    return webhook_tokens


async def _view(
    settings: Settings, token: WebhookToken, chat_configured: bool, reconciliation: Reconciliation
) -> CreatioWebhookView:
    base = f"{base_url(settings)}/webhooks/creatio"
    return CreatioWebhookView(
        url=f"{base}/{token.value}",
        bearer_url=base,
        authorization_header=f"Bearer {token.value}",
        body=BODY_TEMPLATE,
        created_at=token.created_at,
        rotated_at=token.rotated_at,
        previous_valid_until=token.previous_valid_until,
        chat_webhook_configured=chat_configured,
        reconcile=await reconciliation.view(),
    )
