"""The Creatio webhook as the settings page shows it: the ready-to-paste URL, or why there is none; a
dependency of the page (`webhook: WebhookInfo`), built from the services it names."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from litestar.di import NamedDependency, Provide

from app.db.stores.webhook_token import WebhookTokenStore, WebhookTokenUnreadable
from app.settings import Settings
from app.web.api.creatio_webhook import BODY_TEMPLATE, base_url
from app.web.crm_to_chat_status import Reconciliation


@dataclass(frozen=True)
class WebhookInfo:
    url: str | None
    body: dict[str, str]
    created_at: datetime | None = None
    rotated_at: datetime | None = None
    previous_valid_until: datetime | None = None  # the URL before the last rotation works until then
    chat_configured: bool = False
    reconcile_seconds: float | None = None  # None: the reconciliation is off
    problem: str | None = None

    @property
    def body_text(self) -> str:
        return json.dumps(self.body)


async def webhook_info(
    webhook_tokens: NamedDependency[WebhookTokenStore | None],
    chat_configured: NamedDependency[bool],
    settings: NamedDependency[Settings],
    reconciliation: NamedDependency[Reconciliation],
) -> WebhookInfo:
    """The admin API's token store and URL rules (CASEBRIDGE_PUBLIC_URL or where this process listens)."""
    if webhook_tokens is None:
        return WebhookInfo(None, BODY_TEMPLATE, problem="The Creatio-to-chat direction is not set up.")
    try:
        token = await webhook_tokens.current()
    except WebhookTokenUnreadable as exc:  # shown on the page, next to the button that fixes it
        return WebhookInfo(None, BODY_TEMPLATE, problem=f"{exc}. Generate a new token below.")
    return WebhookInfo(
        url=f"{base_url(settings)}/webhooks/creatio/{token.value}",
        body=BODY_TEMPLATE,
        created_at=token.created_at,
        rotated_at=token.rotated_at,
        previous_valid_until=token.previous_valid_until,
        chat_configured=chat_configured,
        reconcile_seconds=reconciliation.interval_seconds if await reconciliation.running() else None,
    )


WEBHOOK = {"webhook": Provide(webhook_info)}
