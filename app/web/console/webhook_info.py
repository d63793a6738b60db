"""The Creatio webhook as the settings page shows it: the ready-to-paste URL, or why there is none."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from app.db.crypto import SecretDecryptionError
from app.web.api.creatio_webhook import BODY_TEMPLATE, base_url
from app.web.services import Services


@dataclass(frozen=True)
class WebhookInfo:
    url: str | None
    body: dict[str, str]
    created_at: datetime | None = None
    rotated_at: datetime | None = None
    chat_configured: bool = False
    problem: str | None = None

    @property
    def body_text(self) -> str:
        return json.dumps(self.body)


async def webhook_info(services: Services) -> WebhookInfo:
    """Uses issue 5's token store and URL rules (CASEBRIDGE_PUBLIC_URL or where this process listens)."""
    crm_to_chat = services.runtime.crm_to_chat
    if crm_to_chat is None:
        return WebhookInfo(None, BODY_TEMPLATE, problem="The Creatio-to-chat direction is not set up.")
    try:
        token = await crm_to_chat.tokens.current()
    except SecretDecryptionError as exc:
        return WebhookInfo(None, BODY_TEMPLATE, problem=f"{exc}. Generate a new token below.")
    return WebhookInfo(
        url=f"{base_url(services.settings)}/webhooks/creatio/{token.value}",
        body=BODY_TEMPLATE,
        created_at=token.created_at,
        rotated_at=token.rotated_at,
        chat_configured=crm_to_chat.chat_configured,
    )
