"""POST /webhooks/creatio[/<token>]: Creatio says a case changed; check the token, enqueue a check, 202.
And its admin API: the ready-to-paste URL, token rotation, the reconciliation's state."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.exceptions import ClientException
from litestar.params import FromPath
from pydantic import BaseModel

from app.bootstrap.crm_to_chat import CrmToChatSetup
from app.db.crypto import SecretDecryptionError
from app.db.stores.deliveries import enqueue_case_check
from app.db.stores.webhook_token import WebhookToken
from app.settings import Settings
from app.web.admin_auth import require_admin
from app.web.reconcile_view import ReconcileView, read_reconcile_view
from app.web.services import Services, services_from_state
from app.web.webhook_sightings import webhook_recorder

logger = logging.getLogger(__name__)
MAX_WEBHOOK_BYTES = 8 * 1024
EVENT_TYPES = ("new_activity", "case_updated")
UNAUTHORIZED = (
    "Wrong or missing webhook token: use the URL (or the Bearer token) shown by "
    "GET /api/v1/admin/creatio-webhook; after a rotation, update the Creatio business process."
)


class CreatioWebhookController(Controller):
    path = "/webhooks/creatio"
    tags = ["creatio"]

    @post(
        "/{token:str}",
        request_max_body_size=MAX_WEBHOOK_BYTES,
        summary="Creatio business-process callback, with the webhook token in the URL.",
    )
    async def with_path_token(
        self, request: Request[Any, Any, Any], state: State, token: FromPath[str]
    ) -> Response[dict[str, Any]]:
        return await _noted(state, await _receive(services_from_state(state), request, token))

    @post(
        "/",
        request_max_body_size=MAX_WEBHOOK_BYTES,
        summary="Creatio business-process callback, with 'Authorization: Bearer <webhook token>'.",
    )
    async def with_bearer_token(
        self, request: Request[Any, Any, Any], state: State
    ) -> Response[dict[str, Any]]:
        scheme, _sep, token = request.headers.get("authorization", "").partition(" ")
        presented = token.strip() if scheme.lower() == "bearer" else None
        return await _noted(state, await _receive(services_from_state(state), request, presented))


async def _noted(state: State, response: Response[dict[str, Any]]) -> Response[dict[str, Any]]:
    crm_to_chat = services_from_state(state).runtime.crm_to_chat
    if crm_to_chat is not None:
        await webhook_recorder(state).note(crm_to_chat.tokens, response.status_code or 200)
    return response


async def _receive(
    services: Services, request: Request[Any, Any, Any], token: str | None
) -> Response[dict[str, Any]]:
    """Only the case id is taken from the body: the job re-reads everything else from Creatio."""
    crm_to_chat = services.runtime.crm_to_chat
    assert crm_to_chat is not None
    if not await crm_to_chat.tokens.matches(token):
        return Response({"status_code": 401, "detail": UNAUTHORIZED}, status_code=401)
    if not crm_to_chat.chat_configured:
        detail = "Casebridge has no chat platform to deliver to: set CASEBRIDGE_CHAT_WEBHOOK_URL."
        return Response({"status_code": 503, "detail": detail}, status_code=503)
    case_id, problem = _case_id(await request.body())
    if case_id is None:
        return Response({"status_code": 400, "detail": problem}, status_code=400)
    conversation_id = await enqueue_case_check(services.sessions, case_id)
    if conversation_id is None:
        # Business processes fire for every case; one Casebridge did not create is not an error.
        return Response({"status": "ignored", "reason": "not a case of a chat conversation"}, status_code=202)
    services.wake_workers()
    logger.info("creatio webhook accepted", extra={"conversation_id": str(conversation_id)})
    return Response({"status": "accepted"}, status_code=202)


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
    chat_webhook_configured: bool
    reconcile: ReconcileView


def base_url(settings: Settings) -> str:
    """CASEBRIDGE_PUBLIC_URL, or where this process listens."""
    if settings.public_url:
        return settings.public_url.rstrip("/")
    return f"http://{settings.host}:{settings.port}"


class CreatioWebhookAdminController(Controller):
    path = "/api/v1/admin/creatio-webhook"
    guards = [require_admin]
    tags = ["admin: connection"]

    @get("/", summary="The webhook URL (with its token) to paste into Creatio's business process.")
    async def read(self, state: State) -> CreatioWebhookView:
        services = services_from_state(state)
        crm_to_chat = _crm_to_chat(services.runtime.crm_to_chat)
        try:
            token = await crm_to_chat.tokens.current()
        except SecretDecryptionError as exc:
            raise ClientException(
                status_code=409, detail=f"{exc}. Or rotate the webhook token (POST .../rotate)."
            ) from None
        return await _view(services.settings, crm_to_chat, token)

    @post("/rotate", status_code=200, summary="Replace the webhook token; the old URL stops working at once.")
    async def rotate(self, state: State) -> CreatioWebhookView:
        services = services_from_state(state)
        crm_to_chat = _crm_to_chat(services.runtime.crm_to_chat)
        return await _view(services.settings, crm_to_chat, await crm_to_chat.tokens.rotate())


def _crm_to_chat(crm_to_chat: CrmToChatSetup | None) -> CrmToChatSetup:
    assert crm_to_chat is not None
    return crm_to_chat


async def _view(settings: Settings, crm_to_chat: CrmToChatSetup, token: WebhookToken) -> CreatioWebhookView:
    base = f"{base_url(settings)}/webhooks/creatio"
    return CreatioWebhookView(
        url=f"{base}/{token.value}",
        bearer_url=base,
        authorization_header=f"Bearer {token.value}",
        body=BODY_TEMPLATE,
        created_at=token.created_at,
        rotated_at=token.rotated_at,
        chat_webhook_configured=crm_to_chat.chat_configured,
        reconcile=await read_reconcile_view(crm_to_chat, settings),
    )
