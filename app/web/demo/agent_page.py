"""Sandbox agent console: list cases, open one (activities, AI-filled fields), reply, change its status or
an AI-filled field."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException, ValidationException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from app.crm_connection.service import ConnectionService
from app.db.admin import AdminQueries
from app.db.stores.autofill_audit import AutofillAuditStore
from app.domain.creatio_ids import guid_or_none
from app.pipeline.autofill.fill import AutofillSetup
from app.web.api.paging import Offset
from app.web.console.context import page
from app.web.demo.case_fields import case_fields
from app.web.sandbox_link import SandboxControl, SandboxUnavailable

FALLBACK_STATUSES = ["In progress", "Waiting for response", "Resolved", "Closed"]
PAGE_SIZE = 25


class DemoAgentController(Controller):
    path = "/demo/agent"
    include_in_schema = False

    @get("/")
    async def cases(
        self,
        request: Request[Any, Any, Any],
        sandbox: NamedDependency[SandboxControl | None],
        offset: Offset = 0,
    ) -> Template:
        cases, total = await _control(sandbox).cases(limit=PAGE_SIZE, offset=offset)
        return page(
            request, "demo_agent_cases.html", cases=cases, total=total, offset=offset, page_size=PAGE_SIZE
        )

    @get("/cases/{case_id:uuid}")
    async def case(
        self,
        request: Request[Any, Any, Any],
        sandbox: NamedDependency[SandboxControl | None],
        admin_queries: NamedDependency[AdminQueries],
        connection: NamedDependency[ConnectionService],
        autofill: NamedDependency[AutofillSetup | None],
        autofill_audit: NamedDependency[AutofillAuditStore],
        case_id: FromPath[UUID],
    ) -> Template:
        control = _control(sandbox)
        found = await control.case(case_id)
        if found is None:
            raise NotFoundException(detail=f"No sandbox case {case_id}.")
        case = found["case"]
        conversation = await admin_queries.of_case(case_id)
        lists = await connection.saved_pick_lists()
        statuses = [s.name for s in lists.lists.statuses] if lists.lists else FALLBACK_STATUSES
        return page(
            request,
            "demo_agent_case.html",
            case=case,
            activities=found["activities"],
            fields=await case_fields(autofill, autofill_audit, case, conversation),
            conversation=conversation,
            agents=await control.agents(),
            statuses=statuses,
        )

    @post("/cases/{case_id:uuid}/reply", status_code=303)
    async def reply(
        self,
        request: Request[Any, Any, Any],
        sandbox: NamedDependency[SandboxControl | None],
        case_id: FromPath[UUID],
    ) -> Redirect:
        """As the agent in Creatio: the sandbox then calls the webhook (`new_activity`)."""
        form = await request.form()
        text = str(form.get("text") or "").strip()
        if text:
            agent = guid_or_none(form.get("agent_contact_id"))
            await _control(sandbox).reply(case_id, text[:10_000], agent)
        return Redirect(f"/demo/agent/cases/{case_id}?done=replied#reply-done", status_code=303)

    @post("/cases/{case_id:uuid}/status", status_code=303)
    async def status(
        self,
        request: Request[Any, Any, Any],
        sandbox: NamedDependency[SandboxControl | None],
        case_id: FromPath[UUID],
    ) -> Redirect:
        """The sandbox then calls the webhook (`case_updated`); a resolved status reaches the chat."""
        form = await request.form()
        name = str(form.get("status_name") or "").strip()
        if name:
            agent = guid_or_none(form.get("agent_contact_id"))
            await _control(sandbox).set_status(case_id, name[:200], agent)
        return Redirect(f"/demo/agent/cases/{case_id}?done=status#status-done", status_code=303)

    @post("/cases/{case_id:uuid}/fields", status_code=303)
    async def field(
        self,
        request: Request[Any, Any, Any],
        sandbox: NamedDependency[SandboxControl | None],
        autofill: NamedDependency[AutofillSetup | None],
        case_id: FromPath[UUID],
    ) -> Redirect:
        """As the agent editing a mapped field in Creatio: the sandbox then calls the webhook
        (`case_updated`), and Casebridge's read of the case records the change against what it applied."""
        form = await request.form()
        column = str(form.get("column") or "")
        if autofill is None or column not in {f.column for f in autofill.mapping.fields}:
            raise ValidationException(detail=f"{column!r} is not a mapped field's column")
        agent = guid_or_none(form.get("agent_contact_id"))
        value = str(form.get("value") or "").strip()[:1000]
        await _control(sandbox).set_fields(case_id, {column: value}, agent)
        return Redirect(f"/demo/agent/cases/{case_id}?done=field#ai-fields", status_code=303)


def _control(sandbox: SandboxControl | None) -> SandboxControl:
    if sandbox is None:
        raise SandboxUnavailable("the demo needs the Creatio sandbox (run `make run`)")
    return sandbox
