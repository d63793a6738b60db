"""Admin API for operations: conversations with their sync state, jobs, and retrying dead letters."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import QueryParameter
from pydantic import BaseModel, ConfigDict, field_validator

from app.db.admin import AdminQueries, ConversationSummary, DeliveryAdmin, SyncState
from app.db.stores.jobs import JobQueue
from app.web.admin_auth import require_admin
from app.web.api.deliveries import DeliveryView
from app.web.api.paging import (
    ConversationRef,
    JobId,
    Limit,
    Offset,
    conversation_reference,
    no_such_conversation,
)
from app.web.services import WakeWorkers


class ConversationView(BaseModel):
    id: UUID
    external_id: str
    status: str
    sync_state: Literal["synced", "pending", "failed"]
    unsynced_messages: int
    customer_name: str | None
    customer_email: str | None
    case_id: UUID | None
    case_number: str | None
    handoff_at: datetime | None
    warning: str | None
    updated_at: datetime

    @classmethod
    def of(cls, summary: ConversationSummary) -> ConversationView:
        row = summary.conversation
        return cls(
            id=row.id,
            external_id=row.external_id,
            status=row.status,
            sync_state=summary.sync_state,
            unsynced_messages=summary.unsynced_messages,
            customer_name=row.customer_name,
            customer_email=row.customer_email,
            case_id=row.case_id if row.case_created_at else None,
            case_number=row.case_number,
            handoff_at=row.handoff_at,
            warning=row.warning,
            updated_at=row.updated_at,
        )


class JobView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    state: str
    attempts: int
    max_attempts: int
    run_after: datetime
    last_error: str | None
    payload: dict[str, Any]
    updated_at: datetime

    @field_validator("payload", mode="before")
    @classmethod
    def _decode(cls, value: object) -> object:
        return json.loads(value) if isinstance(value, str) else value


class MessageView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    external_id: str
    author: str
    text: str
    sent_at: datetime
    synced_at: datetime | None


class ConversationDetailView(BaseModel):
    conversation: ConversationView
    messages: list[MessageView]
    jobs: list[JobView]
    deliveries: list[DeliveryView] = []  # agent replies and status notices sent to the chat platform


class OperationsController(Controller):
    path = "/api/v1/admin"
    guards = [require_admin]
    tags = ["admin: operations"]

    @get("/conversations", summary="Conversations, newest activity first, with their sync state.")
    async def conversations(
        self,
        admin_queries: NamedDependency[AdminQueries],
        q: Annotated[str | None, QueryParameter(max_length=200)] = None,
        sync_state: Annotated[
            SyncState | None,
            QueryParameter(name="state", description="Only conversations in this sync state."),
        ] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> list[ConversationView]:
        found = await admin_queries.conversations(search=q, limit=limit, offset=offset, sync_state=sync_state)
        return [ConversationView.of(s) for s in found]

    @get(
        "/conversations/{conversation:path}",
        summary="One conversation, by Casebridge's id or the chat platform's: messages (with sync time), "
        "jobs and deliveries.",
    )
    async def conversation(
        self,
        admin_queries: NamedDependency[AdminQueries],
        delivery_admin: NamedDependency[DeliveryAdmin],
        conversation: ConversationRef,
    ) -> ConversationDetailView:
        reference = conversation_reference(conversation)
        conversation_id = await admin_queries.conversation_id_of(reference)
        detail = await admin_queries.conversation(conversation_id) if conversation_id else None
        if conversation_id is None or detail is None:
            raise NotFoundException(detail=no_such_conversation(reference))
        deliveries = await delivery_admin.for_conversation(conversation_id)
        return ConversationDetailView(
            conversation=ConversationView.of(detail.summary),
            messages=[MessageView.model_validate(m) for m in detail.messages],
            jobs=[JobView.model_validate(j) for j in detail.jobs],
            deliveries=[DeliveryView.of(d) for d in deliveries],
        )

    @get("/jobs", summary="Jobs, newest first; `state=dead` lists the dead letters with their last error.")
    async def jobs(
        self,
        admin_queries: NamedDependency[AdminQueries],
        job_state: Annotated[
            Literal["queued", "running", "done", "dead"] | None, QueryParameter(name="state")
        ] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> list[JobView]:
        found = await admin_queries.jobs(state=job_state, limit=limit, offset=offset)
        return [JobView.model_validate(j) for j in found]

    @post("/jobs/{job_id:int}/retry", status_code=202, summary="Queue a dead-lettered job again.")
    async def retry(
        self, jobs: NamedDependency[JobQueue], wake_workers: NamedDependency[WakeWorkers], job_id: JobId
    ) -> dict[str, Any]:
        if not await jobs.retry_dead(job_id):
            raise ClientException(
                status_code=409, detail=f"Job {job_id} does not exist or is not dead-lettered."
            )
        wake_workers(0)
        return {"id": job_id, "state": "queued"}
