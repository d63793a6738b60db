"""Conversations: the list with sync state and search, one conversation's timeline, retrying failures."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from app.crm_connection.service import ConnectionService
from app.db.admin import AdminQueries, DeliveryAdmin, SyncState
from app.db.stores.jobs import JobQueue
from app.settings import Settings
from app.web.api.paging import (
    ConversationRef,
    JobId,
    Offset,
    conversation_reference,
    no_such_conversation,
)
from app.web.console.context import page
from app.web.console.timeline import TIMELINES, Timelines, case_link
from app.web.services import WakeWorkers

PAGE_SIZE = 50


class ConversationsController(Controller):
    path = "/console"
    include_in_schema = False
    dependencies = TIMELINES

    @get("/conversations")
    async def index(
        self,
        request: Request[Any, Any, Any],
        admin_queries: NamedDependency[AdminQueries],
        connection: NamedDependency[ConnectionService],
        settings: NamedDependency[Settings],
        q: Annotated[str | None, QueryParameter(max_length=200)] = None,
        sync_state: Annotated[SyncState | Literal[""] | None, QueryParameter(name="state")] = None,
        offset: Offset = 0,
    ) -> Template:
        search = (q or "").strip() or None
        rows = await admin_queries.conversations(
            search=search, limit=PAGE_SIZE + 1, offset=offset, sync_state=sync_state or None
        )
        more, rows = len(rows) > PAGE_SIZE, rows[:PAGE_SIZE]
        links = {
            r.conversation.id: case_link(connection, settings, r.conversation.case_id)
            for r in rows
            if r.conversation.case_created_at
        }
        return page(
            request,
            "conversations.html",
            rows=rows,
            case_urls=links,
            q=search or "",
            state=sync_state or "",
            offset=offset,
            more=more,
            page_size=PAGE_SIZE,
        )

    @get("/conversations/{conversation:path}")
    async def detail(
        self,
        request: Request[Any, Any, Any],
        admin_queries: NamedDependency[AdminQueries],
        timelines: NamedDependency[Timelines],
        conversation: ConversationRef,
    ) -> Template:
        """By Casebridge's id (the list links to it) or the chat platform's, which support staff have."""
        reference = conversation_reference(conversation)
        conversation_id = await admin_queries.conversation_id_of(reference)
        timeline = await timelines.load(conversation_id) if conversation_id else None
        if timeline is None:
            raise NotFoundException(detail=no_such_conversation(reference))
        return page(request, "conversation.html", t=timeline, c=timeline.detail.summary.conversation)

    @post("/jobs/{job_id:int}/retry", status_code=303)
    async def retry_job(
        self,
        request: Request[Any, Any, Any],
        jobs: NamedDependency[JobQueue],
        wake_workers: NamedDependency[WakeWorkers],
        job_id: JobId,
    ) -> Redirect:
        retried = await jobs.retry_now(job_id)
        if retried:
            wake_workers(0)
        return _back(await request.form(), "job-retried" if retried else None)

    @post("/deliveries/{delivery_id:uuid}/retry", status_code=303)
    async def retry_delivery(
        self,
        request: Request[Any, Any, Any],
        delivery_admin: NamedDependency[DeliveryAdmin],
        wake_workers: NamedDependency[WakeWorkers],
        delivery_id: FromPath[UUID],
    ) -> Redirect:
        retried = await delivery_admin.retry(delivery_id)
        if retried:
            wake_workers(0)
        return _back(await request.form(), "delivery-retried" if retried else None)


def _back(form: Any, done: str | None) -> Redirect:
    """Back to the conversation the button was on (an id, never a URL from the form)."""
    try:
        target = f"/console/conversations/{UUID(str(form.get('conversation_id')))}"
    except ValueError:
        target = "/console/health"
    return Redirect(f"{target}?done={done}" if done else target, status_code=303)
