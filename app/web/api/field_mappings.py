"""Admin API for the field auto-fill: mapping state with lookup GUIDs, preview, and the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from litestar import Controller, get, post
from litestar.datastructures import State
from litestar.exceptions import ClientException, ValidationException
from litestar.params import JSONBody, QueryParameter
from pydantic import BaseModel, Field, model_validator

from app.db.stores.autofill_audit import AutofillAuditStore
from app.domain.transcript import Transcript
from app.extraction.transcript_input import TranscriptInputError, from_pairs, from_text
from app.pipeline.autofill.fill import AutofillSetup
from app.pipeline.autofill.preview import PreviewReport, preview_report
from app.pipeline.autofill.report import MappingReport
from app.web.admin_auth import require_admin
from app.web.services import services_from_state

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


def _autofill(state: State) -> AutofillSetup:
    autofill = services_from_state(state).runtime.autofill
    assert autofill is not None
    return autofill


class FieldMappingsController(Controller):
    path = "/api/v1/field-mappings"
    guards = [require_admin]
    tags = ["admin: field auto-fill"]

    @get("/", summary="Every mapped field's state, including each lookup value's GUID or why it has none.")
    async def read(self, state: State) -> MappingReport:
        settings = services_from_state(state).settings
        return await _autofill(state).report(str(settings.field_mappings_dir))

    @post("/preview", status_code=200, summary="What the auto-fill would fill and why; writes nothing.")
    async def preview(self, state: State, data: JSONBody[PreviewIn]) -> PreviewReport:
        autofill = _autofill(state)
        if autofill.service is None:
            raise ClientException(status_code=409, detail=f"Field auto-fill is off: {autofill.off_reason}")
        try:
            transcript = data.to_transcript()
        except TranscriptInputError as exc:
            raise ValidationException(detail=str(exc)) from exc
        current = services_from_state(state).connection.current()
        crm = current[0] if current and data.case_id else None
        plan = await autofill.service.plan(transcript, data.case_id if crm else None, crm)
        return preview_report(plan)

    @get("/audit", summary="Audit rows of one conversation (by its chat-platform id), newest first.")
    async def audit(
        self,
        state: State,
        conversation: Annotated[str, QueryParameter(min_length=1, max_length=200)],
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    ) -> list[AuditView]:
        store = AutofillAuditStore(services_from_state(state).sessions)
        rows = await store.for_conversation(conversation, limit=limit)
        return [AuditView.model_validate(row, from_attributes=True) for row in rows]
