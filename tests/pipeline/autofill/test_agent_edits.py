"""What a read of a case says about the auto-filled values on it (AgentEdits on the in-memory fakes)."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from app.domain.creatio_ids import CasePriorityIds
from app.domain.crm_updates import CaseValues
from app.pipeline.autofill.agent_edits import AgentEdits
from app.ports.stores import AgentValue, TrackedValue
from tests.support.in_memory import InMemoryAutofillAudit, InMemoryDatabase

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
CRITICAL, LOW, MEDIUM = (str(CasePriorityIds.CRITICAL), str(CasePriorityIds.LOW), str(CasePriorityIds.MEDIUM))


class Fixture:
    def __init__(self) -> None:
        self.db = InMemoryDatabase()
        self.case_id = uuid4()
        self.edits = AgentEdits(InMemoryAutofillAudit(self.db), clock=lambda: NOW)
        handoff = NOW - timedelta(hours=1)
        self.db.conversations[uuid4()] = {
            "external_id": "c1",
            "case_id": self.case_id,
            "handoff_at": handoff,
            "handoff_applied_at": handoff,
        }

    def audit(self, column: str, outcome: str, written: Any, case_value: Any = None) -> dict[str, Any]:
        row = {
            "conversation_external_id": "c1",
            "column": column,
            "outcome": outcome,
            "column_value": json.dumps(written),
            "case_value": None if case_value is None else json.dumps(case_value),
        }
        self.db.audit.append(row)
        return row

    async def read(self, at: datetime | None = None, *, done: bool = False, **fields: Any) -> None:
        await self.edits.observe([CaseValues(self.case_id, fields, at, done)])


@pytest.fixture
def f() -> Fixture:
    return Fixture()


async def test_an_agents_change_is_recorded_at_once_and_a_kept_value_once_the_case_is_done(
    f: Fixture,
) -> None:
    priority = f.audit("PriorityId", "applied", CRITICAL)
    order = f.audit("UsrOrderNumber", "applied", "AB-123456")
    saved = NOW - timedelta(minutes=5)
    await f.read(saved, PriorityId=LOW.upper(), UsrOrderNumber="AB-123456")  # GUIDs compare in any case
    assert json.loads(priority["agent_value"]) == LOW.upper()
    assert (priority["agent_changed_at"], priority["reviewed_at"]) == (saved, NOW)
    assert "reviewed_at" not in order  # the case is still open: the agent may yet change it

    await f.read(NOW, done=True, PriorityId=LOW, UsrOrderNumber="AB-123456")
    assert (order["agent_value"], order["agent_changed_at"], order["reviewed_at"]) == (None, None, NOW)
    assert priority["agent_changed_at"] == saved  # the same change: nothing new


async def test_the_latest_read_decides_and_a_read_that_says_nothing_new_writes_nothing(f: Fixture) -> None:
    priority = f.audit("PriorityId", "applied", CRITICAL)
    await f.read(NOW, PriorityId=LOW)
    writes: list[Sequence[AgentValue]] = []
    store = InMemoryAutofillAudit(f.db)
    original = store.record_agent_values

    async def counted(values: Sequence[AgentValue]) -> None:
        writes.append(values)
        await original(values)

    store.record_agent_values = counted  # type: ignore[method-assign]
    edits = AgentEdits(store, clock=lambda: NOW)
    await edits.observe([CaseValues(f.case_id, {"PriorityId": LOW}, NOW, False)])
    assert writes == []  # the same change seen again
    await edits.observe([CaseValues(f.case_id, {"PriorityId": CRITICAL}, NOW, False)])
    assert (priority["agent_value"], priority["reviewed_at"]) == (None, None)  # set back, case open
    await edits.observe([CaseValues(f.case_id, {"PriorityId": CRITICAL}, NOW, True)])
    assert (priority["agent_value"], priority["reviewed_at"]) == (None, NOW)  # kept


async def test_a_suggestion_is_taken_up_only_when_the_case_did_not_hold_it_already(f: Fixture) -> None:
    taken = f.audit("PriorityId", "suggested", LOW, case_value=MEDIUM)
    await f.read(NOW, PriorityId=LOW)
    assert json.loads(taken["agent_value"]) == LOW
    assert taken["reviewed_at"] == NOW

    g = Fixture()
    already = g.audit("PriorityId", "suggested", MEDIUM, case_value=MEDIUM)  # Creatio's default
    await g.read(NOW, PriorityId=MEDIUM)
    assert "reviewed_at" not in already
    await g.read(NOW, done=True, PriorityId=MEDIUM)
    assert (already["agent_value"], already["reviewed_at"]) == (None, NOW)  # reviewed, not taken up


async def test_only_the_latest_row_of_a_column_and_only_handoffs_that_reached_the_case(f: Fixture) -> None:
    older = f.audit("PriorityId", "applied", CRITICAL)
    newer = f.audit("PriorityId", "applied", LOW)
    await f.read(NOW, done=True, PriorityId=LOW)
    assert "reviewed_at" not in older
    assert (newer["agent_value"], newer["reviewed_at"]) == (None, NOW)

    [conv] = f.db.conversations.values()
    conv["handoff_at"] = NOW  # a new handoff whose values are still being written
    f.audit("UsrOrderNumber", "applied", "AB-123456")
    await f.read(NOW, UsrOrderNumber="")
    assert "reviewed_at" not in f.db.audit[-1]


async def test_a_failing_store_never_stops_the_read(f: Fixture, caplog: pytest.LogCaptureFixture) -> None:
    class Broken(InMemoryAutofillAudit):
        async def tracked_values(self, case_ids: Sequence[UUID]) -> list[TrackedValue]:
            raise RuntimeError("database is locked")

    edits = AgentEdits(Broken(f.db))
    with caplog.at_level(logging.ERROR):
        await edits.observe([CaseValues(f.case_id, {"PriorityId": LOW}, NOW, False)])
    assert "agents' edits of auto-filled values not recorded" in caplog.text
