"""Admin API for the Creatio webhook: the ready-to-paste URL, token rotation, and the poll's state."""

from __future__ import annotations

from datetime import datetime

from litestar import Controller, get, post
from litestar.datastructures import State
from litestar.exceptions import ClientException
from pydantic import BaseModel

from app.db.crypto import SecretDecryptionError
from app.db.webhook_token import WebhookToken
from app.reverse_runtime import ReverseSync
from app.settings import Settings
from app.web.admin_auth import require_admin
from app.web.poll_view import PollView, read_poll_view
from app.web.services import services_from_state

BODY_TEMPLATE = {"event_type": "new_activity | case_updated", "caseId": "<Id of the case>"}


class CreatioWebhookView(BaseModel):
    url: str  # token in the path, as the vendor guide's Call web service step expects
    bearer_url: str  # the alternative: this URL with `Authorization: Bearer <token>`
    authorization_header: str
    body: dict[str, str]
    created_at: datetime
    rotated_at: datetime | None
    chat_webhook_configured: bool
    poll: PollView


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
        reverse = _reverse(services.runtime.reverse)
        try:
            token = await reverse.tokens.current()
        except SecretDecryptionError as exc:
            raise ClientException(
                status_code=409, detail=f"{exc}. Or rotate the webhook token (POST .../rotate)."
            ) from None
        return await _view(services.settings, reverse, token)

    @post("/rotate", status_code=200, summary="Replace the webhook token; the old URL stops working at once.")
    async def rotate(self, state: State) -> CreatioWebhookView:
        services = services_from_state(state)
        reverse = _reverse(services.runtime.reverse)
        return await _view(services.settings, reverse, await reverse.tokens.rotate())


def _reverse(reverse: ReverseSync | None) -> ReverseSync:
    assert reverse is not None
    return reverse


async def _view(settings: Settings, reverse: ReverseSync, token: WebhookToken) -> CreatioWebhookView:
    base = f"{base_url(settings)}/webhooks/creatio"
    return CreatioWebhookView(
        url=f"{base}/{token.value}",
        bearer_url=base,
        authorization_header=f"Bearer {token.value}",
        body=BODY_TEMPLATE,
        created_at=token.created_at,
        rotated_at=token.rotated_at,
        chat_webhook_configured=reverse.chat_configured,
        poll=await read_poll_view(reverse, settings),
    )
