"""Two-way resolution: which status the case needs now that the conversation changed state."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from app.db.conversation_store import ConversationState
from app.pipeline.ports import CrmPort, SyncSettings

NO_RESOLVED_STATUS = (
    "The conversation was resolved, but no Resolved Status ID is configured, so the Creatio case was left "
    "open. Set it in the connection settings (Test & Save); the next event of this conversation applies it."
)


@dataclass(frozen=True)
class StatusDecision:
    status_id: UUID | None = None  # to write now
    applied: str | None = None  # what case_status_applied becomes once written
    warning: str | None = None  # shown on the conversation when the status cannot be written


async def decide_status(conv: ConversationState, settings: SyncSettings, crm: CrmPort) -> StatusDecision:
    if conv.status == "resolved":
        if conv.case_status_applied == "resolved":
            return StatusDecision()
        if settings.resolved_status_id is None:
            return StatusDecision(warning=NO_RESOLVED_STATUS)
        return StatusDecision(status_id=settings.resolved_status_id, applied="resolved")
    if conv.case_status_applied != "resolved":
        return StatusDecision()
    reopened = await crm.status_id_by_name(settings.reopen_status_name)
    if reopened is None:
        return StatusDecision(
            warning=f"The customer wrote again after the resolution, but Creatio has no case status named "
            f"{settings.reopen_status_name!r} to reopen the case with; set CASEBRIDGE_REOPEN_STATUS_NAME."
        )
    return StatusDecision(status_id=reopened, applied="reopened")
