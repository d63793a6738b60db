"""Conversations: the list with sync state and search, one conversation's timeline, retrying failures."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from app.db.admin import AdminQueries, DeliveryAdmin, SyncState
from app.db.stores.jobs import JobQueue
from app.web.api.paging import JobId, Offset
from app.web.console.case_links import case_link
from app.web.console.context import page
from app.web.console.timeline import load_timeline
from app.web.services import services_from_state

PAGE_SIZE = 50


class ConversationsController(Controller):
    path = "/console"
    include_in_schema = False

    @get("/conversations")
    async def index(
        self,
        request: Request[Any, Any, Any],
        q: Annotated[str | None, QueryParameter(max_length=200)] = None,
        sync_state: Annotated[SyncState | Literal[""] | None, QueryParameter(name="state")] = None,
        offset: Offset = 0,
    ) -> Template:
        services = services_from_state(request.app.state)
        queries = AdminQueries(services.sessions)
        search = (q or "").strip() or None
        rows = await queries.conversations(
            search=search, limit=PAGE_SIZE + 1, offset=offset, sync_state=sync_state or None
        )
        more, rows = len(rows) > PAGE_SIZE, rows[:PAGE_SIZE]
        links = {
            r.conversation.id: case_link(services, r.conversation.case_id)
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

    @get("/conversations/{conversation_id:uuid}")
    async def detail(self, request: Request[Any, Any, Any], conversation_id: FromPath[UUID]) -> Template:
        timeline = await load_timeline(services_from_state(request.app.state), conversation_id)
        if timeline is None:
            raise NotFoundException(detail=f"No conversation with id {conversation_id}.")
        return page(request, "conversation.html", t=timeline, c=timeline.detail.summary.conversation)

    @post("/jobs/{job_id:int}/retry", status_code=303)
    async def retry_job(self, request: Request[Any, Any, Any], job_id: JobId) -> Redirect:
        services = services_from_state(request.app.state)
        retried = await JobQueue(services.runtime.transactions).retry_dead(job_id)
        if retried:
            services.wake_workers()
        return _back(await request.form(), "job-retried" if retried else None)

    @post("/deliveries/{delivery_id:uuid}/retry", status_code=303)
    async def retry_delivery(self, request: Request[Any, Any, Any], delivery_id: FromPath[UUID]) -> Redirect:
        services = services_from_state(request.app.state)
        retried = await DeliveryAdmin(services.sessions).retry(delivery_id)
        if retried:
            services.wake_workers()
        return _back(await request.form(), "delivery-retried" if retried else None)


def _back(form: Any, done: str | None) -> Redirect:
    """Back to the conversation the button was on (an id, never a URL from the form)."""
    try:
        target = f"/console/conversations/{UUID(str(form.get('conversation_id')))}"
    except ValueError:
        target = "/console/health"
    return Redirect(f"{target}?done={done}" if done else target, status_code=303)
