"""Field mappings: each field's and value's validation state, what agents did with the values filled (and
what that suggests), and a preview of what would be filled."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.response import Template

from app.crm_connection.service import ConnectionService
from app.db.admin import AdminQueries
from app.db.stores.autofill_audit import AutofillAuditStore
from app.domain.transcript import Transcript
from app.extraction.transcript_input import TranscriptInputError, from_pairs, from_text
from app.pipeline.autofill.acceptance import acceptance_report
from app.pipeline.autofill.fill import AutofillSetup
from app.pipeline.autofill.preview import PreviewReport, preview_report
from app.settings import Settings
from app.web.console.context import page

MAX_TRANSCRIPT_CHARS = 200_000
# the form's body for the longest transcript: each character up to 4 UTF-8 bytes, each `%XX` when encoded
MAX_PREVIEW_BODY = MAX_TRANSCRIPT_CHARS * 12 + 65_536
PICKABLE = 30  # recent conversations offered as transcripts
SAMPLE = (
    "Customer: Our whole team cannot log in since this morning, the dashboard shows error 500.\n"
    "AI: I'm sorry! Is it everyone in your company?\n"
    "Customer: Yes, all 40 users. Order AB-123456 was placed yesterday and we need access today."
)


class MappingsController(Controller):
    path = "/console/field-mappings"
    include_in_schema = False

    @get("/")
    async def show(
        self,
        request: Request[Any, Any, Any],
        autofill: NamedDependency[AutofillSetup | None],
        admin_queries: NamedDependency[AdminQueries],
        autofill_audit: NamedDependency[AutofillAuditStore],
        settings: NamedDependency[Settings],
    ) -> Template:
        return await _render(request, autofill, admin_queries, autofill_audit, settings)

    @post("/preview", status_code=200, request_max_body_size=MAX_PREVIEW_BODY)
    async def preview(
        self,
        request: Request[Any, Any, Any],
        autofill: NamedDependency[AutofillSetup | None],
        admin_queries: NamedDependency[AdminQueries],
        autofill_audit: NamedDependency[AutofillAuditStore],
        connection: NamedDependency[ConnectionService],
        settings: NamedDependency[Settings],
    ) -> Template:
        """What would be filled for a pasted transcript or a picked conversation; writes nothing."""
        form = await request.form()
        text = str(form.get("transcript") or "")
        picked = str(form.get("conversation_id") or "")
        shown = (request, autofill, admin_queries, autofill_audit, settings)
        if len(text) > MAX_TRANSCRIPT_CHARS:
            error = (
                f"The transcript has {len(text):,} characters; the preview reads at most "
                f"{MAX_TRANSCRIPT_CHARS:,}. Shorten it (the part about the customer's request is enough)."
            )
            return await _render(*shown, transcript=text, error=error, status=422)
        if autofill is None or autofill.service is None:
            reason = autofill.off_reason if autofill else "there are no mapping files"
            error = f"Field auto-fill is off: {reason}."
            return await _render(*shown, transcript=text, error=error, status=409)
        try:
            transcript, case_id = await _transcript(admin_queries, text, picked)
        except TranscriptInputError as exc:
            return await _render(*shown, transcript=text, error=str(exc), status=422)
        current = connection.current()
        crm = current[0] if current and case_id else None
        plan = await autofill.service.plan(transcript, case_id if crm else None, crm)
        return await _render(*shown, transcript=text, picked=picked, preview=preview_report(plan))


async def _transcript(queries: AdminQueries, text: str, picked: str) -> tuple[Transcript, UUID | None]:
    """A picked conversation's messages (and its case, whose current values the policy respects)."""
    if not picked:
        return from_text(text), None
    try:
        conversation_id = UUID(picked)
    except ValueError:
        raise TranscriptInputError("pick a conversation from the list") from None
    detail = await queries.conversation(conversation_id)
    if detail is None or not detail.messages:
        raise TranscriptInputError("that conversation has no messages yet")
    row = detail.summary.conversation
    transcript = from_pairs(((m.author, m.text) for m in detail.messages), row.external_id)
    return transcript, row.case_id if row.case_created_at else None


async def _render(
    request: Request[Any, Any, Any],
    autofill: AutofillSetup | None,
    queries: AdminQueries,
    audit: AutofillAuditStore,
    settings: Settings,
    *,
    transcript: str | None = None,
    picked: str = "",
    preview: PreviewReport | None = None,
    error: str | None = None,
    status: int = 200,
) -> Template:
    """The page, shown next to what was submitted (a TranscriptInputError is shown here, as a 422)."""
    recent = await queries.conversations(search=None, limit=PICKABLE, offset=0)
    directory = str(settings.field_mappings_dir)
    return page(
        request,
        "field_mappings.html",
        status_code=status,
        report=await autofill.report(directory) if autofill else None,
        acceptance=acceptance_report(autofill.mapping, await audit.field_counts()) if autofill else None,
        problems=autofill.problems if autofill else [],
        conversations=[s.conversation for s in recent],
        transcript=SAMPLE if transcript is None else transcript,
        picked=picked,
        preview=preview,
        error=error,
        max_chars=MAX_TRANSCRIPT_CHARS,
    )
