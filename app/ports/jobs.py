"""The job contract shared by the runner and the stores: job kinds, a claimed job, and the queue port."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol


class JobKind(StrEnum):
    """Every kind of job; the value is what the jobs table stores (never rename one that was stored)."""

    SYNC_CONVERSATION = "sync_conversation"  # chat to Creatio: one conversation's sync
    CRM_TO_CHAT = "crm_to_chat"  # Creatio to chat: re-read a conversation's case (webhook or reconciliation)
    CHAT_DELIVERY = "chat_delivery"  # Creatio to chat: send one stored delivery to the chat platform


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    kind: str
    queue_key: str | None
    payload: dict[str, Any]
    attempts: int  # including this one
    max_attempts: int
    worker: str  # the lease holder


class JobQueuePort(Protocol):
    """Durable jobs, leased to one worker at a time; what the job runner needs from storage."""

    async def claim(self, worker: str, *, limit: int, lease: timedelta) -> list[ClaimedJob]: ...

    async def complete(self, job: ClaimedJob, worker: str) -> None: ...

    async def retry_later(
        self,
        job: ClaimedJob,
        worker: str,
        error: str | None,
        run_after: datetime,
        *,
        spend_attempt: bool = True,
    ) -> None:
        """Queue the job again at `run_after`; `error` becomes its last error (None keeps the one it has:
        a job that only waits for other work has no new failure to show)."""

    async def dead_letter(self, job: ClaimedJob, worker: str, error: str) -> None: ...

    async def extend_lease(self, job: ClaimedJob, worker: str, until: datetime) -> bool:
        """Keep the job leased to `worker` until `until`; False when it no longer holds it."""
        ...

    async def purge_done(self, older_than: datetime, *, limit: int = 1000) -> int: ...
