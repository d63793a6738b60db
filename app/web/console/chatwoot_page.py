"""Settings > Chat platforms > Chatwoot: the connector's form, Test & Save with each check, the webhook URL
to paste into Chatwoot and the events to tick."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.response import Template
from pydantic import ValidationError

from app.chat_platforms.service import ChatPlatformService, ChatwootForm, ConnectorReport
from app.settings import Settings
from app.web.console.context import page
from app.web.console.settings_form import validation_messages

PATH = "/console/settings/chatwoot"
CHECK_LABELS = {
    "base_url": "Chatwoot URL",
    "webhook_secret": "Webhook secret",
    "api_access_token": "API access token",
    "account": "Account",
    "inbox": "Inbox filter",
}
FIELDS = ("base_url", "account_id", "inbox_id", "handoff_summary")
FIELD_LABELS = {  # the form's labels, and what to type where a value is wrong
    "base_url": ("Chatwoot URL", "your Chatwoot address, e.g. https://chat.example.com"),
    "account_id": ("Account ID", "the number after /accounts/ in Chatwoot's address bar"),
    "inbox_id": ("Inbox ID", "the inbox's number, or nothing for every inbox"),
    "api_access_token": ("API access token", "the token from Chatwoot's Profile settings"),
    "webhook_secret": ("Webhook secret", "the secret Chatwoot shows for the webhook"),
    "handoff_summary": ("Handoff summary", "one of the listed choices"),
}


class ChatwootSettingsController(Controller):
    path = PATH
    include_in_schema = False

    @get("/")
    async def show(
        self,
        request: Request[Any, Any, Any],
        chat_platform_service: NamedDependency[ChatPlatformService | None],
        settings: NamedDependency[Settings],
    ) -> Template:
        return await _render(request, chat_platform_service, settings, form=None)

    @post("/", status_code=200)
    async def submit(
        self,
        request: Request[Any, Any, Any],
        chat_platform_service: NamedDependency[ChatPlatformService | None],
        settings: NamedDependency[Settings],
    ) -> Template:
        """`action=save` is Test & Save; `action=test` runs the same checks without saving."""
        raw = await request.form()
        shown = {name: str(raw.get(name) or "").strip() for name in FIELDS}
        values: dict[str, Any] = {name: value or None for name, value in shown.items()}
        values |= {name: str(raw.get(name) or "") or None for name in ("api_access_token", "webhook_secret")}
        if values["handoff_summary"] is None:
            del values["handoff_summary"]  # the default
        assert chat_platform_service is not None  # the runtime always builds it
        try:
            form = ChatwootForm.model_validate(values)
        except ValidationError as exc:
            errors = validation_messages(exc, FIELD_LABELS)
            return await _render(
                request, chat_platform_service, settings, form=shown, errors=errors, status=422
            )
        config = form.config(settings.chatwoot_connector_id)
        report = await chat_platform_service.test(config, save=raw.get("action") != "test")
        status = 200 if report.ok else 422
        return await _render(
            request, chat_platform_service, settings, form=shown, report=report, status=status
        )


async def _render(
    request: Request[Any, Any, Any],
    service: ChatPlatformService | None,
    settings: Settings,
    *,
    form: dict[str, str] | None,
    report: ConnectorReport | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> Template:
    assert service is not None
    connector_id = settings.chatwoot_connector_id
    saved = await service.view("chatwoot", connector_id)
    if form is None:
        values = saved.settings if saved else {}
        form = {name: "" if values.get(name) is None else str(values[name]) for name in FIELDS}
    return page(
        request,
        "settings_chatwoot.html",
        status_code=status,
        form=form,
        saved=saved,
        report=_as_report(report),
        errors=errors or [],
        check_labels=CHECK_LABELS,
        webhook_url=service.webhook_url("chatwoot", connector_id),
        events=service.events("chatwoot"),
    )


def _as_report(report: ConnectorReport | None) -> dict[str, Any] | None:
    """The shape the check_report macro reads (the Creatio page's report)."""
    if report is None:
        return None
    checks = [
        {"name": c.name, "status": c.state, "message": c.message, "hint": c.hint} for c in report.checks
    ]
    return {
        "ok": report.ok,
        "saved": report.saved,
        "checks": checks,
        "token_endpoint": None,
        "odata_root": None,
    }
