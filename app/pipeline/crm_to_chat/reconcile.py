"""The reconciliation: scans CRM changes by ModifiedOn and queues checks the webhook may have missed."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from uuid import UUID

from app.domain.crm_updates import ActivityChange, CaseChange, CaseValues
from app.pipeline.crm_to_chat.check import is_done, status_step
from app.ports.errors import NotConnected
from app.ports.external import CaseReaderPort, CaseReaderSource, CaseValuesObserver, SyncSettings
from app.ports.stores import ReconcileCursors, ReconcileStorePort, ScanCursor

logger = logging.getLogger(__name__)
OVERLAP = timedelta(seconds=30)  # re-read recent changes, in case a slow transaction committed late
INITIAL_LOOKBACK = timedelta(hours=1)
Row = TypeVar("Row", ActivityChange, CaseChange)


@dataclass(frozen=True)
class ReconcileConfig:
    interval_seconds: float
    lease_seconds: float = 300.0
    type_names: tuple[str, ...] = ("Email",)
    integration_contact_id: UUID | None = None
    page_size: int = 200
    max_pages: int = 10  # per scan and run: the reconciliation never reads an unbounded number of rows


class Reconciler:
    """Each process may run the loop; the DB lease makes one run at a time across all of them."""

    def __init__(
        self,
        store: ReconcileStorePort,
        readers: CaseReaderSource,
        config: ReconcileConfig,
        owner: str,
        observer: CaseValuesObserver | None = None,
        active: Callable[[], Awaitable[bool]] | None = None,
    ) -> None:
        """`observer` is told what the auto-filled columns of the changed cases held; `active` says whether
        there is anywhere to deliver to (asked before each run: a chat connector may be saved meanwhile)."""
        self._store = store
        self._readers = readers
        self._config = config
        self._owner = owner
        self._observer = observer
        self._active = active
        self.wake: Callable[[], None] = lambda: None  # set to the local job runner's wake-up

    async def run(self, stop: asyncio.Event) -> None:
        """Run when due until `stop` is set."""
        tick = max(0.2, min(self._config.interval_seconds, 5.0))
        while not stop.is_set():
            try:
                if await self.active():
                    await self.run_if_due()
            except Exception:
                logger.exception("reconciliation failed; it runs again later")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), tick)

    async def active(self) -> bool:
        return self._active is None or await self._active()

    async def run_if_due(self, *, force: bool = False) -> int | None:
        """Scan once if due (or forced) and not held elsewhere; returns the checks queued, None if not run."""
        now, config = datetime.now(UTC), self._config
        cursors = await self._store.acquire(
            self._owner, now, timedelta(seconds=config.lease_seconds), force=force
        )
        if cursors is None:
            return None
        interval = timedelta(seconds=config.interval_seconds)
        try:
            async with asyncio.timeout(config.lease_seconds * 0.8):
                queued, cursors = await self.scan(cursors)
        except NotConnected as exc:
            await self._store.release(self._owner, cursors, next_run_at=now + interval, error=exc.message)
            return 0
        except Exception as exc:
            error = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
            await self._store.release(self._owner, cursors, next_run_at=now + interval, error=error)
            logger.warning("reconciliation failed", extra={"error": error})
            return 0
        behind = cursors.activities.backlog or cursors.cases.backlog
        await self._store.release(
            self._owner, cursors, next_run_at=now if behind else now + interval, error=None
        )
        return queued

    async def scan(self, cursors: ReconcileCursors) -> tuple[int, ReconcileCursors]:
        current = self._readers.current()
        if current is None:
            raise NotConnected("Creatio is not connected yet")
        reader, settings = current
        type_ids = await reader.activity_type_ids(self._config.type_names)

        async def activities(since: datetime, skip: int) -> list[ActivityChange]:
            return await reader.changed_activities(since, type_ids, top=self._config.page_size, skip=skip)

        async def cases(since: datetime, skip: int) -> list[CaseChange]:
            return await reader.changed_cases(since, top=self._config.page_size, skip=skip)

        changed_activities, activity_cursor = await self._scan(activities, cursors.activities)
        changed_cases, case_cursor = await self._scan(cases, cursors.cases)
        if self._observer is not None:
            await self._observer.observe(await self._case_values(reader, settings, changed_cases))
        wanted = await self._conversations(reader, settings, changed_activities, changed_cases)
        queued = await self._store.enqueue_checks(wanted)
        if queued:
            logger.info("reconciliation queued checks", extra={"conversations": queued})
            self.wake()
        return queued, ReconcileCursors(activity_cursor, case_cursor)

    async def _scan(
        self, fetch: Callable[[datetime, int], Awaitable[list[Row]]], cursor: ScanCursor
    ) -> tuple[list[Row], ScanCursor]:
        """Pages of `ModifiedOn ge since`, oldest first, at most max_pages; then where to go on from."""
        size = self._config.page_size
        if cursor.at is None:
            since = datetime.now(UTC) - INITIAL_LOOKBACK
        else:
            since = cursor.at if cursor.backlog else cursor.at - OVERLAP
        rows: list[Row] = []
        for page in range(self._config.max_pages):
            batch = await fetch(since, page * size)
            rows += batch
            if len(batch) < size:  # caught up
                seen = [r.modified_on for r in rows] + ([cursor.at] if cursor.at else [])
                return rows, ScanCursor(max(seen, default=None), False)
        latest = rows[-1].modified_on
        if latest <= since:  # a whole run of rows with one ModifiedOn: step past it rather than loop
            logger.warning("reconciliation skipped past a burst of changes with one ModifiedOn")
            latest = since + timedelta(milliseconds=1)
        return rows, ScanCursor(latest, True)

    async def _case_values(
        self, reader: CaseReaderPort, settings: SyncSettings, cases: list[CaseChange]
    ) -> list[CaseValues]:
        found = []
        for change in cases:
            if change.fields:
                status = await reader.status(change.status_id) if change.status_id else None  # cached
                done = is_done(status, settings.resolved_status_id)
                found.append(CaseValues(change.id, change.fields, change.modified_on, done))
        return found

    async def _conversations(
        self,
        reader: CaseReaderPort,
        settings: SyncSettings,
        activities: list[ActivityChange],
        cases: list[CaseChange],
    ) -> list[UUID]:
        """Conversations with an activity nobody handled yet, or whose case status calls for a notice."""
        tech = self._config.integration_contact_id
        candidates = [
            a for a in activities if a.case_id is not None and (tech is None or a.created_by != tech)
        ]
        unseen = await self._store.unseen_activities(a.id for a in candidates)
        reply_cases = {a.case_id for a in candidates if a.id in unseen and a.case_id is not None}
        links = await self._store.linked(reply_cases | {c.id for c in cases})
        wanted = [links[case_id].conversation_id for case_id in reply_cases if case_id in links]
        for change in cases:
            link = links.get(change.id)
            if link is None:
                continue
            status = await reader.status(change.status_id) if change.status_id else None
            done = is_done(status, settings.resolved_status_id)
            if status_step(done, link.status, link.case_status_applied) is not None:
                wanted.append(link.conversation_id)
        return wanted
