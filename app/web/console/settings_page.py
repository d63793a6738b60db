"""Settings > Ticketing > Creatio: the guide's form, Test & Save with each check, the webhook URL."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template
from pydantic import ValidationError

from app.crm_connection.checks import ConnectionTestReport
from app.crm_connection.service import ConnectionInputError, ConnectionService, PickListsRead
from app.web.console.context import page
from app.web.console.settings_form import (
    PICK_FIELDS,
    SettingsForm,
    datalist_options,
    resolve_picks,
    to_input,
    validation_messages,
)
from app.web.console.webhook_info import webhook_info
from app.web.demo.sandbox_control import SandboxUnavailable, sandbox_control
from app.web.services import Services, services_from_state

CHECK_LABELS = {
    "instance_url": "Instance URL",
    "identity_url": "Identity URL",
    "authentication": "Authentication (client id and secret)",
    "odata_access": "OData access",
    "default_owner_id": "Default case owner",
    "default_group_id": "Default case group",
    "resolved_status_id": "Resolved status",
}
PATH = "/console/settings/creatio"


class SettingsController(Controller):
    path = PATH
    include_in_schema = False

    @get("/")
    async def show(self, request: Request[Any, Any, Any]) -> Template:
        services = services_from_state(request.app.state)
        lists = await services.connection.saved_pick_lists()
        form = SettingsForm.from_saved(services.connection.saved, lists.lists)
        return await _render(request, services, form, lists)

    @post("/", status_code=200)
    async def submit(self, request: Request[Any, Any, Any]) -> Template:
        """`action=save` is Test & Save; `action=test` runs the same checks without saving."""
        services = services_from_state(request.app.state)
        raw = await request.form()
        form = SettingsForm.parse(raw)
        if form.picks_need_names():
            lists = await _entered_lists(services.connection, form)
        else:  # no names to resolve: the datalists still come from the saved connection
            lists = await services.connection.saved_pick_lists()
        ids, field_errors = resolve_picks(form, lists.lists, lists.problem)
        shown = form.without_secret()
        try:
            data = to_input(form, ids)
        except ValidationError as exc:
            return await _render(request, services, shown, lists, errors=validation_messages(exc), status=422)
        try:
            if field_errors or raw.get("action") == "test":
                report, _ = await services.connection.test(data)
            else:
                report = await services.connection.test_and_save(data)
        except ConnectionInputError as exc:
            return await _render(request, services, shown, lists, errors=[str(exc)], status=422)
        status = 200 if report.ok and not field_errors else 422
        return await _render(
            request, services, shown, lists, report=report, field_errors=field_errors, status=status
        )

    @post("/lists", status_code=200)
    async def lists(self, request: Request[Any, Any, Any]) -> dict[str, Any]:
        """Owners, groups and statuses by name, read through the connection in the form (for the JS)."""
        services = services_from_state(request.app.state)
        result = await _entered_lists(services.connection, SettingsForm.parse(await request.form()))
        lists = asdict(result.lists) if result.lists else None
        return {"lists": lists, "problem": result.problem, "source": result.source}

    @post("/webhook/rotate", status_code=303)
    async def rotate(self, request: Request[Any, Any, Any]) -> Redirect:
        crm_to_chat = services_from_state(request.app.state).runtime.crm_to_chat
        if crm_to_chat is not None:
            await crm_to_chat.tokens.rotate()
        return Redirect(f"{PATH}?done=rotated#webhook", status_code=303)

    @post("/webhook/sandbox", status_code=303)
    async def point_sandbox(self, request: Request[Any, Any, Any]) -> Response[Any]:
        """Demo: the sandbox's business process calls this Casebridge (what an admin builds in Creatio)."""
        services = services_from_state(request.app.state)
        control, info = sandbox_control(services), await webhook_info(services)
        if control is None or info.url is None:
            return Redirect(PATH, status_code=303)
        try:
            await control.set_webhook(info.url)
        except SandboxUnavailable as exc:
            lists = await services.connection.saved_pick_lists()
            form = SettingsForm.from_saved(services.connection.saved, lists.lists)
            return await _render(request, services, form, lists, errors=[str(exc)], status=502)
        return Redirect(f"{PATH}?done=sandbox-webhook#webhook", status_code=303)


async def _entered_lists(connection: ConnectionService, form: SettingsForm) -> PickListsRead:
    return await connection.entered_pick_lists(
        form.instance_url, form.identity_url, form.client_id, form.client_secret
    )


async def _render(
    request: Request[Any, Any, Any],
    services: Services,
    form: SettingsForm,
    lists: PickListsRead,
    *,
    report: ConnectionTestReport | None = None,
    errors: list[str] | None = None,
    field_errors: dict[str, str] | None = None,
    status: int = 200,
) -> Template:
    info = await webhook_info(services)
    control = sandbox_control(services)
    sandbox: dict[str, Any] | None = None
    if control is not None:
        try:
            sandbox = {"hook": await control.webhook(), "last_call": await control.last_webhook_call()}
        except SandboxUnavailable as exc:
            sandbox = {"problem": str(exc)}
    return page(
        request,
        "settings_creatio.html",
        status_code=status,
        form=form,
        saved=services.connection.saved,
        options={
            name: datalist_options(getattr(lists.lists, attr) if lists.lists else None)
            for name, (_label, attr) in PICK_FIELDS.items()
        },
        lists_problem=lists.problem,
        report=report,
        errors=errors or [],
        field_errors=field_errors or {},
        check_labels=CHECK_LABELS,
        webhook=info,
        sandbox=sandbox,
    )
