"""Admin API for the field auto-fill: mapping state with lookup GUIDs, preview, the audit trail, and what
agents did with the values filled."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.exceptions import ClientException
from litestar.params import JSONBody, QueryParameter
from pydantic import BaseModel, Field, model_validator

from app.crm_connection.service import ConnectionService
from app.db.stores.autofill_audit import AutofillAuditStore
from app.domain.transcript import Transcript
from app.extraction.transcript_input import from_pairs, from_text
from app.pipeline.autofill.acceptance import AcceptanceReport, acceptance_report
from app.pipeline.autofill.fill import AutofillSetup
from app.pipeline.autofill.preview import PreviewReport, preview_report
from app.pipeline.autofill.report import MappingReport
from app.settings import Settings
from app.web.admin_auth import require_admin

MAX_TRANSCRIPT_CHARS = 200_000


class MessageIn(BaseModel):
    author: Literal["customer", "ai", "handoff"]
    text: str = Field(min_length=1, max_length=MAX_TRANSCRIPT_CHARS)


class PreviewIn(BaseModel):
    """A transcript as `Customer: ...` lines, or as messages; `case_id` also checks an existing case."""

    transcript: str | None = Field(default=None, max_length=MAX_TRANSCRIPT_CHARS)
    messages: list[MessageIn] | None = Field(default=None, max_length=2000)
    case_id: UUID | None = None

    @model_validator(mode="after")
    def _one_transcript(self) -> PreviewIn:
        if (self.transcript is None) == (self.messages is None):
            raise ValueError("give either `transcript` (text) or `messages` (a list), not both or neither")
        return self

    def to_transcript(self) -> Transcript:
        if self.messages is not None:
            return from_pairs((m.author, m.text) for m in self.messages)
        assert self.transcript is not None
        return from_text(self.transcript)


class AuditView(BaseModel):
    id: int
    case_id: UUID | None
    field: str
    column: str
    value: str | None
    lookup_id: str | None
    confidence: float | None
    evidence: str | None
    outcome: str
    reason: str | None
    extractor: str
    model: str | None
    prompt_version: str | None
    prompt_tokens: int | None
    completion_tokens: int | None
    latency_ms: int | None
    attempts: int
    fallback_reason: str | None
    created_at: datetime
    agent_value: str | None  # JSON: an agent's value instead of the applied one, or the suggestion taken up
    agent_changed_at: datetime | None
    reviewed_at: datetime | None


def _on(autofill: AutofillSetup | None) -> AutofillSetup:
    assert autofill is not None  # the runtime always sets it up (off, when there are no mappings)
    return autofill


class FieldMappingsController(Controller):
    """A transcript that cannot be read (TranscriptInputError) answers 400: app/web/errors.py."""

    path = "/api/v1/field-mappings"
    guards = [require_admin]
    tags = ["admin: field auto-fill"]

    @get("/", summary="Every mapped field's state, including each lookup value's GUID or why it has none.")
    async def read(
        self, autofill: NamedDependency[AutofillSetup | None], settings: NamedDependency[Settings]
    ) -> MappingReport:
        return await _on(autofill).report(str(settings.field_mappings_dir))

    @post("/preview", status_code=200, summary="What the auto-fill would fill and why; writes nothing.")
    async def preview(
        self,
        autofill: NamedDependency[AutofillSetup | None],
        connection: NamedDependency[ConnectionService],
        data: JSONBody[PreviewIn],
    ) -> PreviewReport:
        setup = _on(autofill)
        if setup.service is None:
            raise ClientException(status_code=409, detail=f"Field auto-fill is off: {setup.off_reason}")
        transcript = data.to_transcript()
        current = connection.current()
        crm = current[0] if current and data.case_id else None
        plan = await setup.service.plan(transcript, data.case_id if crm else None, crm)
        return preview_report(plan)

    @get("/audit", summary="Audit rows of one conversation (by its chat-platform id), newest first.")
    async def audit(
        self,
        autofill_audit: NamedDependency[AutofillAuditStore],
        conversation: Annotated[str, QueryParameter(min_length=1, max_length=200)],
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    ) -> list[AuditView]:
        rows = await autofill_audit.for_conversation(conversation, limit=limit)
        return [AuditView.model_validate(row, from_attributes=True) for row in rows]

    @get(
        "/stats",
        summary="Per field: values applied, kept and changed by agents (acceptance), suggestions taken up, "
        "and whether the field should be suggest-only or its min_confidence lower.",
    )
    async def stats(
        self,
        autofill: NamedDependency[AutofillSetup | None],
        autofill_audit: NamedDependency[AutofillAuditStore],
    ) -> AcceptanceReport:
        return acceptance_report(_on(autofill).mapping, await autofill_audit.field_counts())
