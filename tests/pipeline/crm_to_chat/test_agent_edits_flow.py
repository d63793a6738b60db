"""End to end with the sandbox: an agent changes an auto-filled value in Creatio; the Creatio-to-chat read
(webhook) or the reconciliation sees it in the case read it makes anyway, records it in the audit, and the
acceptance figures of the API and the console show it."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from litestar import Litestar
from sqlmodel import col, select

from app.db.stores.autofill_audit import AutofillAuditRow
from app.domain.creatio_ids import CaseCategoryIds, CasePriorityIds
from app.settings import Settings
from tests.support.casebridge import Client, conversation, post_events, store_of
from tests.support.chat_platform import FakeChatPlatform
from tests.support.console import login
from tests.support.crm_to_chat import (
    connect_webhook,
    crm_to_chat_settings,
    set_fields,
    set_status,
    settle,
)
from tests.support.events import handoff, message
from tests.support.paths import MAPPINGS, PROMPTS

OUTAGE = "Our whole dashboard is down for all users since 9am, every page shows error 503. Order AB-123456."
SUMMARY = "Dashboard outage for all users (error 503), order AB-123456; customer needs it back today."


@pytest.fixture
def app_settings(settings: Settings, chat_platform: FakeChatPlatform) -> Settings:
    """Creatio to chat as in this directory's conftest, with field_mappings/default.yaml."""
    return crm_to_chat_settings(settings, chat_platform, field_mappings_dir=MAPPINGS, prompts_dir=PROMPTS)


async def handed_off_case(client: Client, sandbox_app: Litestar, conv: str = "l1") -> str:
    await post_events(client, message(conv, "m1", OUTAGE, t=0), handoff(conv, SUMMARY, t=60))
    await settle(client, sandbox_app)
    row = await conversation(client, conv)
    assert row.case_created_at is not None
    assert row.handoff_applied_at is not None
    return str(row.case_id)


async def stats(client: Client) -> dict[str, dict[str, Any]]:
    response = await client.get("/api/v1/field-mappings/stats")
    assert response.status_code == 200, response.text
    return {entry["field"]: entry for entry in response.json()["fields"]}


async def audit_of(client: Client, field: str) -> AutofillAuditRow:
    async with client.app.state.services.sessions() as session:
        query = select(AutofillAuditRow).where(col(AutofillAuditRow.field) == field)
        [row] = (await session.exec(query)).all()
        return row


async def test_an_agents_change_reaches_the_audit_and_the_acceptance_through_the_webhook(
    client: Client, sandbox_app: Litestar, sandbox_http: httpx.AsyncClient
) -> None:
    await connect_webhook(client, sandbox_app)
    case_id = await handed_off_case(client, sandbox_app)
    before = await stats(client)
    assert (before["category"]["applied"], before["category"]["reviewed"]) == (1, 0)

    reads = len(store_of(sandbox_app).webhooks.calls)
    await set_fields(sandbox_http, case_id, {"CategoryId": str(CaseCategoryIds.SERVICE_REQUEST)})
    await settle(client, sandbox_app)
    assert len(store_of(sandbox_app).webhooks.calls) == reads + 1  # the case_updated callback

    category = await audit_of(client, "category")
    assert category.outcome == "applied"
    assert category.lookup_id == str(CaseCategoryIds.INCIDENT)
    assert category.agent_value is not None
    assert json.loads(category.agent_value) == str(CaseCategoryIds.SERVICE_REQUEST)
    assert category.agent_changed_at is not None
    assert category.reviewed_at is not None
    order = await audit_of(client, "order_number")
    assert (order.agent_value, order.reviewed_at) == (None, None)  # the case is open: not reviewed yet

    await set_status(sandbox_http, case_id, "Resolved")
    await settle(client, sandbox_app)
    order = await audit_of(client, "order_number")
    assert (order.agent_value, order.agent_changed_at) == (None, None)
    assert order.reviewed_at is not None  # done, still holding it: kept

    after = await stats(client)
    assert {k: after["category"][k] for k in ("applied", "reviewed", "kept", "changed", "acceptance")} == {
        "applied": 1,
        "reviewed": 1,
        "kept": 0,
        "changed": 1,
        "acceptance": 0.0,
    }
    assert (after["order_number"]["kept"], after["order_number"]["acceptance"]) == (1, 1.0)
    assert after["category"]["advice"] is None  # one value reviewed is too few to advise on

    assert (await login(client)).status_code in (302, 303)
    page = (await client.get("/console/field-mappings")).text
    assert "What agents did with the values" in page
    row = page.split('data-field="category"')[1].split("</tr>")[0]
    assert '<td data-label="Changed by agents">1</td>' in row
    assert '<td data-label="Acceptance">0%</td>' in row


async def test_a_suggestion_an_agent_takes_up_is_counted(
    client: Client, sandbox_app: Litestar, sandbox_http: httpx.AsyncClient
) -> None:
    await connect_webhook(client, sandbox_app)
    await post_events(
        client,
        message("l3", "m1", "How do I add a new user to our dashboard? No rush.", t=0),
        handoff("l3", "Customer asks how to add a user to the dashboard.", t=60),
    )
    await settle(client, sandbox_app)
    priority = await audit_of(client, "priority")
    assert (priority.outcome, priority.value) == ("suggested", "Low")  # "No rush" alone is only a suggestion
    assert priority.case_value is not None
    assert json.loads(priority.case_value) == str(CasePriorityIds.MEDIUM)

    case_id = str((await conversation(client, "l3")).case_id)
    await set_fields(sandbox_http, case_id, {"PriorityId": str(CasePriorityIds.LOW)})
    await settle(client, sandbox_app)

    entry = (await stats(client))["priority"]
    assert (entry["suggested"], entry["suggestions_reviewed"], entry["taken_up"], entry["take_up"]) == (
        1,
        1,
        1,
        1.0,
    )
    assert (entry["applied"], entry["changed"]) == (0, 0)


async def test_the_reconciliation_sees_an_agents_change_without_the_webhook(
    client: Client, sandbox_app: Litestar, sandbox_http: httpx.AsyncClient
) -> None:
    case_id = await handed_off_case(client, sandbox_app, "l2")
    assert store_of(sandbox_app).webhooks.settings.url is None  # no business process in Creatio
    await set_fields(sandbox_http, case_id, {"UsrOrderNumber": "AB-654321"})
    requests_before = _case_reads(sandbox_app)

    reconciler = client.app.state.runtime.crm_to_chat.reconciler
    assert reconciler is not None
    await reconciler.run_if_due(force=True)

    order = await audit_of(client, "order_number")
    assert order.agent_value is not None
    assert json.loads(order.agent_value) == "AB-654321"
    assert (await stats(client))["order_number"]["changed"] == 1
    assert _case_reads(sandbox_app) == requests_before + 1  # the scan's one page: no read per case


def _case_reads(sandbox_app: Litestar) -> int:
    """Case reads the sandbox answered (by Id, or a page of the collection)."""
    return store_of(sandbox_app).stats.odata[("GET", "Case")]
