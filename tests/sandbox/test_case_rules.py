"""Case status side effects (RespondedOn, solution dates, ClosureDate, ClosureCodeId) and auto-reopen."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from app.domain.creatio_ids import ZERO_GUID, ClosureCodeIds
from app.domain.creatio_ids import CaseStatusIds as S
from app.sandbox.ids import SandboxIds
from app.sandbox.values import MIN_DATE
from tests.support.sandbox import MakeSandbox, Receiver, Sandbox

T0 = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def tick(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


async def _set_status(sb: Sandbox, case_id: str, status: UUID, **extra: Any) -> dict[str, Any]:
    response = await sb.patch(f"/0/odata/Case({case_id})", json={"StatusId": str(status)} | extra)
    assert response.status_code == 204, response.text
    row = sb.store.get("Case", case_id)
    assert row is not None
    return row


async def test_status_lifecycle_sets_and_clears_dates(sb: Sandbox) -> None:
    clock = Clock()
    sb.store.clock = clock
    case = await sb.create_case()
    fresh = sb.store.get("Case", case["Id"])
    assert fresh is not None
    assert fresh["RespondedOn"] == MIN_DATE

    t1 = clock.tick()
    row = await _set_status(sb, case["Id"], S.IN_PROGRESS)
    assert row["RespondedOn"] == t1
    assert row["SolutionProvidedOn"] == MIN_DATE
    assert row["ClosureCodeId"] == ZERO_GUID

    t2 = clock.tick()
    row = await _set_status(sb, case["Id"], S.RESOLVED)
    assert row["RespondedOn"] == t1  # only the first change
    assert row["SolutionProvidedOn"] == row["FirstSolutionProvidedOn"] == t2
    assert row["ClosureCodeId"] == ClosureCodeIds.RESOLVED_SUCCESSFULLY
    assert row["ClosureDate"] == MIN_DATE

    clock.tick()
    row = await _set_status(sb, case["Id"], S.REOPENED)
    assert row["SolutionProvidedOn"] == MIN_DATE
    assert row["FirstSolutionProvidedOn"] == t2

    t4 = clock.tick()
    row = await _set_status(sb, case["Id"], S.CLOSED)
    assert row["ClosureDate"] == row["SolutionProvidedOn"] == t4
    assert row["FirstSolutionProvidedOn"] == t2


async def test_final_status_without_its_own_default_gets_the_default_closure_code(sb: Sandbox) -> None:
    case = await sb.create_case()

    closed = await _set_status(sb, case["Id"], S.CLOSED)

    assert closed["ClosureCodeId"] == ClosureCodeIds.RESOLVED_SUCCESSFULLY
    assert closed["ClosureDate"] != MIN_DATE


async def test_status_default_closure_code_and_explicit_code_wins(sb: Sandbox) -> None:
    first, second = await sb.create_case(), await sb.create_case()

    canceled = await _set_status(sb, first["Id"], S.CANCELED)
    explicit = await _set_status(
        sb, second["Id"], S.RESOLVED, ClosureCodeId=str(ClosureCodeIds.RESOLVED_WITH_WORKAROUND)
    )

    assert canceled["ClosureCodeId"] == ClosureCodeIds.NO_FAULT_FOUND
    assert explicit["ClosureCodeId"] == ClosureCodeIds.RESOLVED_WITH_WORKAROUND


async def test_paused_status_clears_the_solution_deadline(sb: Sandbox) -> None:
    case = await sb.create_case(SolutionDate="2030-01-01T00:00:00Z")

    paused = await _set_status(sb, case["Id"], S.WAITING_FOR_RESPONSE)

    assert paused["SolutionDate"] == MIN_DATE


async def test_patch_without_a_status_change_has_no_side_effects(sb: Sandbox) -> None:
    case = await sb.create_case()

    row = await _set_status(sb, case["Id"], S.NEW, Subject="same status")

    assert row["RespondedOn"] == MIN_DATE
    assert row["Subject"] == "same status"


async def _resolved_case_with_owner(sb: Sandbox, status: UUID = S.RESOLVED) -> dict[str, Any]:
    case = await sb.create_case(OwnerId=str(SandboxIds.AGENT_2_CONTACT))
    await _set_status(sb, case["Id"], status)
    return case


async def test_auto_reopen_on_a_new_activity(make_sandbox: MakeSandbox, receiver: Receiver) -> None:
    sb = await make_sandbox(auto_reopen=True, webhook_url="https://casebridge.test/webhooks/creatio/tok")
    case = await _resolved_case_with_owner(sb)

    response = await sb.post(
        "/0/odata/Activity", json={"CaseId": case["Id"], "Title": "Customer: still broken"}
    )
    await sb.store.webhooks.drain()

    assert response.status_code == 201
    row = sb.store.get("Case", case["Id"])
    assert row is not None
    assert (row["StatusId"], row["OwnerId"]) == (S.REOPENED, ZERO_GUID)
    assert row["SolutionProvidedOn"] == MIN_DATE
    assert [json.loads(r.read()) for r in receiver.requests] == [
        {"event_type": "case_updated", "caseId": case["Id"]}
    ]


async def test_auto_reopen_also_for_paused_cases(make_sandbox: MakeSandbox) -> None:
    sb = await make_sandbox(auto_reopen=True)
    case = await _resolved_case_with_owner(sb, S.WAITING_FOR_RESPONSE)

    await sb.post("/0/odata/Activity", json={"CaseId": case["Id"]})

    row = sb.store.get("Case", case["Id"])
    assert row is not None
    assert row["StatusId"] == S.REOPENED


async def test_no_auto_reopen_for_final_cases_or_when_disabled(make_sandbox: MakeSandbox) -> None:
    enabled = await make_sandbox(auto_reopen=True)
    closed = await _resolved_case_with_owner(enabled, S.CLOSED)
    disabled = await make_sandbox()
    resolved = await _resolved_case_with_owner(disabled)

    await enabled.post("/0/odata/Activity", json={"CaseId": closed["Id"]})
    await disabled.post("/0/odata/Activity", json={"CaseId": resolved["Id"]})

    closed_row, resolved_row = (
        enabled.store.get("Case", closed["Id"]),
        disabled.store.get("Case", resolved["Id"]),
    )
    assert closed_row is not None
    assert closed_row["StatusId"] == S.CLOSED
    assert resolved_row is not None
    assert resolved_row["StatusId"] == S.RESOLVED
    assert resolved_row["OwnerId"] == SandboxIds.AGENT_2_CONTACT
