"""Settings > Ticketing > Creatio: the guide's form, Test & Save with each check, *Check write access* (the
live self-test of the saved connection, after a confirmation), the webhook URL."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from datetime import timedelta
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.response import Redirect, Template
from pydantic import ValidationError

from app.crm_connection.checks import ConnectionTestReport
from app.crm_connection.self_test import SelfTestOptions, SelfTestReport
from app.crm_connection.service import ConnectionInputError, ConnectionService, PickListsRead
from app.db.stores.webhook_token import WebhookTokenStore
from app.domain.creatio_platforms import as_platform_choice
from app.ports.errors import NotConnected
from app.settings import Settings
from app.web.console.context import page
from app.web.console.settings_form import (
    PICK_FIELDS,
    SettingsForm,
    datalist_options,
    resolve_picks,
    saved_picks,
    to_input,
    validation_messages,
    with_pick_errors,
)
from app.web.console.webhook_info import WEBHOOK, WebhookInfo
from app.web.sandbox_link import SandboxControl, SandboxUnavailable

CHECK_LABELS = {
    "instance_url": "Instance URL",
    "identity_url": "Identity URL",
    "token_endpoint": "Token endpoint",
    "authentication": "Authentication (client id and secret)",
    "odata_root": "OData root (platform)",
    "odata_access": "OData access",
    "default_owner_id": "Default case owner",
    "default_group_id": "Default case group",
    "resolved_status_id": "Resolved status",
}
PATH = "/console/settings/creatio"
GRACE_MINUTES = ("0", "60", "1440")  # how long the old webhook URL keeps working, as offered on the page
GRACE_PROBLEM = "Choose from the list how long the current webhook URL keeps working."


@dataclass(frozen=True)
class SettingsPage:
    """What the page shows besides the form, and how; a dependency of its handlers (`view: SettingsPage`)."""

    connection: NamedDependency[ConnectionService]
    webhook: NamedDependency[WebhookInfo]
    sandbox: NamedDependency[SandboxControl | None]

    async def render(
        self,
        request: Request[Any, Any, Any],
        form: SettingsForm,
        lists: PickListsRead,
        *,
        report: ConnectionTestReport | None = None,
        self_test: SelfTestReport | None = None,
        confirm_self_test: bool = False,
        errors: list[str] | None = None,
        field_errors: dict[str, str] | None = None,
        field_notes: dict[str, str] | None = None,
        resolved: Mapping[str, UUID | None] | None = None,
        status: int = 200,
    ) -> Template:
        sandbox: dict[str, Any] | None = None
        if self.sandbox is not None:
            try:
                hook, last_call = await self.sandbox.webhook(), await self.sandbox.last_webhook_call()
                sandbox = {"hook": hook, "last_call": last_call}
            except SandboxUnavailable as exc:
                sandbox = {"problem": str(exc)}
        return page(
            request,
            "settings_creatio.html",
            status_code=status,
            form=form,
            saved=self.connection.saved,
            options={
                name: datalist_options(getattr(lists.lists, attr) if lists.lists else None)
                for name, (_label, attr) in PICK_FIELDS.items()
            },
            lists_problem=lists.problem,
            report=report,
            self_test=self_test,
            confirm_self_test=confirm_self_test,
            errors=errors or [],
            field_errors=field_errors or {},
            field_notes=field_notes or {},
            resolved={name: guid for name, guid in (resolved or {}).items() if guid is not None},
            check_labels=CHECK_LABELS,
            webhook=self.webhook,
            sandbox=sandbox,
        )

    async def saved_form(
        self, request: Request[Any, Any, Any], errors: list[str], status: int, **shown: Any
    ) -> Template:
        """The saved connection in the form (names for its GUIDs), with page-level errors (and what else
        `render` takes, e.g. a self-test report)."""
        lists = await self.connection.saved_pick_lists()
        saved = self.connection.saved
        form = SettingsForm.from_saved(saved, lists.lists)
        resolved = saved_picks(saved.settings) if saved else None
        return await self.render(
            request, form, lists, errors=errors, resolved=resolved, status=status, **shown
        )


class SettingsController(Controller):
    """Errors in what was typed (ConnectionInputError, invalid values) are shown in the form, as 422."""

    path = PATH
    include_in_schema = False
    dependencies = {**WEBHOOK, "view": Provide(SettingsPage, sync_to_thread=False)}

    @get("/")
    async def show(self, request: Request[Any, Any, Any], view: NamedDependency[SettingsPage]) -> Template:
        return await view.saved_form(request, errors=[], status=200)

    @post("/", status_code=200)
    async def submit(self, request: Request[Any, Any, Any], view: NamedDependency[SettingsPage]) -> Template:
        """`action=save` is Test & Save; `action=test` runs the same checks without saving."""
        connection = view.connection
        raw = await request.form()
        form = SettingsForm.parse(raw)
        if form.picks_need_names():
            lists = await _entered_lists(connection, form)
        else:  # no names to resolve: the datalists still come from the saved connection
            lists = await connection.saved_pick_lists()
        ids, pick_errors = resolve_picks(form, lists.lists, lists.problem)
        shown = form.without_secret()
        try:
            data = to_input(form, ids)
        except ValidationError as exc:
            return await view.render(request, shown, lists, errors=validation_messages(exc), status=422)
        try:
            if pick_errors or raw.get("action") == "test":
                report, _ = await connection.test(data)
            else:
                report = await connection.test_and_save(data)
        except ConnectionInputError as exc:
            return await view.render(request, shown, lists, errors=[str(exc)], status=422)
        picks = with_pick_errors(form, report, pick_errors)
        saved = connection.saved
        if report.saved and saved is not None:  # the URLs as saved: cleaned of slashes, `/0/odata`, spaces
            urls = saved.settings
            shown = replace(shown, instance_url=urls.instance_url, identity_url=urls.identity_url or "")
        if picks.notes and lists.source == "entered":  # the failed check above is why they were not read
            lists = PickListsRead(lists.lists, None, lists.source)
        return await view.render(
            request,
            shown,
            lists,
            report=picks.report,
            field_errors=picks.errors,
            field_notes=picks.notes,
            resolved={} if picks.notes else ids,
            status=200 if picks.report.ok else 422,
        )

    @post("/check", status_code=200)
    async def check_write_access(
        self,
        request: Request[Any, Any, Any],
        view: NamedDependency[SettingsPage],
        settings: NamedDependency[Settings],
    ) -> Template:
        """The live self-test of the saved connection, with writes: first a confirmation, then (with
        `confirm=yes`) every step with its result. Whatever the form holds, the saved connection is used."""
        if (await request.form()).get("confirm") != "yes":
            return await view.saved_form(request, errors=[], status=200, confirm_self_test=True)
        try:
            report = await view.connection.self_test(SelfTestOptions.from_settings(settings), write=True)
        except NotConnected:  # the page says so where the confirmation would be
            return await view.saved_form(request, errors=[], status=409, confirm_self_test=True)
        return await view.saved_form(request, errors=[], status=200, self_test=report)

    @post("/lists", status_code=200)
    async def lists(
        self, request: Request[Any, Any, Any], connection: NamedDependency[ConnectionService]
    ) -> dict[str, Any]:
        """Owners, groups and statuses by name, read through the connection in the form (for the JS)."""
        result = await _entered_lists(connection, SettingsForm.parse(await request.form()))
        lists = asdict(result.lists) if result.lists else None
        return {"lists": lists, "problem": result.problem, "source": result.source}

    @post("/webhook/rotate", status_code=303)
    async def rotate(
        self,
        request: Request[Any, Any, Any],
        view: NamedDependency[SettingsPage],
        webhook_tokens: NamedDependency[WebhookTokenStore | None],
    ) -> Response[Any]:
        """After the confirmation on the page, which says what stops working and what to paste where."""
        grace = str((await request.form()).get("grace_minutes") or "0")
        if grace not in GRACE_MINUTES:
            return await view.saved_form(request, errors=[GRACE_PROBLEM], status=422)
        if webhook_tokens is not None:
            await webhook_tokens.rotate(timedelta(minutes=int(grace)))
        done = "rotated-grace" if grace != "0" else "rotated"
        return Redirect(f"{PATH}?done={done}#webhook", status_code=303)

    @post("/webhook/sandbox", status_code=303)
    async def point_sandbox(
        self, request: Request[Any, Any, Any], view: NamedDependency[SettingsPage]
    ) -> Response[Any]:
        """Demo: the sandbox's business process calls this Casebridge (what an admin builds in Creatio)."""
        if view.sandbox is None or view.webhook.url is None:
            return Redirect(PATH, status_code=303)
        try:
            await view.sandbox.set_webhook(view.webhook.url)
        except SandboxUnavailable as exc:
            return await view.saved_form(request, errors=[str(exc)], status=502)
        return Redirect(f"{PATH}?done=sandbox-webhook#webhook", status_code=303)


async def _entered_lists(connection: ConnectionService, form: SettingsForm) -> PickListsRead:
    return await connection.entered_pick_lists(
        form.instance_url,
        form.identity_url,
        form.client_id,
        form.client_secret,
        as_platform_choice(form.platform),
    )
