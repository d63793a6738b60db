"""Business-process emulation: agent replies, status changes, webhook body, retries, timeouts, control API."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import pytest

from app.domain.creatio_ids import (
    ActivityCategoryIds,
    ActivityStatusIds,
    ActivityTypeIds,
    CasePriorityIds,
    EmailTypeIds,
)
from app.domain.creatio_ids import CaseStatusIds as S
from app.sandbox.ids import SandboxIds
from tests.support.sandbox import MakeSandbox, Receiver, Sandbox

HOOK = "https://casebridge.test/webhooks/creatio/hook-token"


async def _sandbox(make_sandbox: MakeSandbox, **config: object) -> Sandbox:
    return await make_sandbox(webhook_url=HOOK, webhook_headers={"Authorization": "Bearer shared"}, **config)


async def test_agent_reply_adds_an_outgoing_email_activity_and_calls_back(
    make_sandbox: MakeSandbox, receiver: Receiver
) -> None:
    sb = await _sandbox(make_sandbox)
    case = await sb.create_case(ContactId=str(SandboxIds.DEMO_CUSTOMER_CONTACT))

    response = await sb.client.post(
        f"/__sandbox/cases/{case['Id']}/replies",
        json={"text": "Please restart the printer.", "agent_contact_id": str(SandboxIds.AGENT_2_CONTACT)},
    )
    await sb.store.webhooks.drain()

    assert response.status_code == 201
    activity = response.json()
    assert activity["Title"] == "Reply from Tom Becker"
    assert activity["DetailedResult"] == "Please restart the printer."
    assert activity["TypeId"] == str(ActivityTypeIds.EMAIL)
    assert activity["ActivityCategoryId"] == str(ActivityCategoryIds.EMAIL)
    assert activity["MessageTypeId"] == str(EmailTypeIds.OUTGOING)
    assert activity["StatusId"] == str(ActivityStatusIds.COMPLETED)
    assert activity["CaseId"] == case["Id"]
    assert activity["OwnerId"] == activity["CreatedById"] == str(SandboxIds.AGENT_2_CONTACT)
    assert activity["Recepient"] == "ada@customer.example"
    odata = await sb.get(f"/0/odata/Activity?$filter=Case/Id eq {case['Id']}")
    assert [a["Id"] for a in odata.json()["value"]] == [activity["Id"]]
    (request,) = receiver.requests
    assert str(request.url) == HOOK
    assert request.method == "POST"
    assert request.headers["authorization"] == "Bearer shared"
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.read()) == {"event_type": "new_activity", "caseId": case["Id"]}


async def test_default_agent_is_the_first_seeded_agent(make_sandbox: MakeSandbox) -> None:
    sb = await _sandbox(make_sandbox)
    case = await sb.create_case()

    response = await sb.client.post(f"/__sandbox/cases/{case['Id']}/replies", json={"text": "hi"})

    assert response.json()["Title"] == "Reply from Maria Lopez"
    assert response.json()["OwnerId"] == str(SandboxIds.AGENT_1_CONTACT)


@pytest.mark.parametrize("body", [{"status_name": "resolved"}, {"status_id": str(S.RESOLVED)}])
async def test_status_change_by_name_or_id_applies_rules_and_calls_back(
    make_sandbox: MakeSandbox, receiver: Receiver, body: dict[str, str]
) -> None:
    sb = await _sandbox(make_sandbox)
    case = await sb.create_case()

    response = await sb.client.post(f"/__sandbox/cases/{case['Id']}/status", json=body)
    await sb.store.webhooks.drain()

    assert response.status_code == 200
    assert response.json()["StatusId"] == str(S.RESOLVED)
    assert response.json()["StatusName"] == "Resolved"
    assert response.json()["ModifiedById"] == str(SandboxIds.AGENT_1_CONTACT)
    assert response.json()["SolutionProvidedOn"] != "0001-01-01T00:00:00Z"
    assert [json.loads(r.read()) for r in receiver.requests] == [
        {"event_type": "case_updated", "caseId": case["Id"]}
    ]


async def test_retries_on_non_2xx_until_success(make_sandbox: MakeSandbox, receiver: Receiver) -> None:
    sb = await _sandbox(make_sandbox, webhook_retries=3)
    receiver.script = [500, 502, 204]
    case = await sb.create_case()

    await sb.client.post(f"/__sandbox/cases/{case['Id']}/status", json={"status_name": "In progress"})
    await sb.store.webhooks.drain()

    calls = (await sb.client.get("/__sandbox/webhook/calls")).json()["calls"]
    assert [(c["attempt"], c["status"], c["success"]) for c in calls] == [
        (1, 500, False),
        (2, 502, False),
        (3, 204, True),
    ]
    assert all(c["url"] == HOOK and c["case_id"] == case["Id"] and c["error"] is None for c in calls)
    assert len(receiver.requests) == 3


async def test_gives_up_after_the_configured_retries(make_sandbox: MakeSandbox, receiver: Receiver) -> None:
    sb = await _sandbox(make_sandbox, webhook_retries=1)
    receiver.script = [500, 500, 500]
    case = await sb.create_case()

    await sb.client.post(f"/__sandbox/cases/{case['Id']}/replies", json={"text": "x"})
    await sb.store.webhooks.drain()

    assert [c.status for c in sb.store.webhooks.calls] == [500, 500]
    assert sb.store.stats.webhook_attempts == 2


async def test_timeout_is_recorded_and_retried(make_sandbox: MakeSandbox, receiver: Receiver) -> None:
    sb = await _sandbox(make_sandbox, webhook_timeout_seconds=0.05, webhook_retries=1)
    receiver.script = ["hang", 200]
    case = await sb.create_case()

    await sb.client.post(f"/__sandbox/cases/{case['Id']}/replies", json={"text": "x"})
    await sb.store.webhooks.drain()

    assert [(c.attempt, c.status, c.error) for c in sb.store.webhooks.calls] == [
        (1, None, "timeout"),
        (2, 200, None),
    ]


async def test_the_control_request_does_not_wait_for_the_callback(
    make_sandbox: MakeSandbox, receiver: Receiver
) -> None:
    sb = await _sandbox(make_sandbox, webhook_timeout_seconds=5.0, webhook_retries=0)
    receiver.script = ["hang"]
    case = await sb.create_case()

    started = time.perf_counter()
    response = await sb.client.post(f"/__sandbox/cases/{case['Id']}/replies", json={"text": "x"})
    elapsed = time.perf_counter() - started
    for _ in range(100):  # let the background delivery reach the (hanging) receiver
        if receiver.requests:
            break
        await asyncio.sleep(0.01)

    assert response.status_code == 201
    assert elapsed < 1.0
    assert len(receiver.requests) == 1
    assert sb.store.webhooks.calls == []  # still in flight


async def test_no_webhook_url_means_no_calls(sb: Sandbox, receiver: Receiver) -> None:
    case = await sb.create_case()

    await sb.client.post(f"/__sandbox/cases/{case['Id']}/replies", json={"text": "x"})
    await sb.store.webhooks.drain()

    assert receiver.requests == []
    assert sb.store.webhooks.calls == []


async def test_webhook_settings_at_runtime_never_echo_header_values(sb: Sandbox, receiver: Receiver) -> None:
    put = await sb.client.put(
        "/__sandbox/webhook",
        json={"url": "http://127.0.0.1:9/hook", "headers": {"X-Token": "s3cret"}, "retries": 0},
    )
    case = await sb.create_case()
    await sb.client.post(f"/__sandbox/cases/{case['Id']}/status", json={"status_name": "Closed"})
    await sb.store.webhooks.drain()

    assert put.status_code == 200
    assert put.json() == {
        "url": "http://127.0.0.1:9/hook",
        "header_names": ["X-Token"],
        "timeout_seconds": 5.0,
        "retries": 0,
        "retry_delay_seconds": 0.0,
    }
    assert "s3cret" not in (await sb.client.get("/__sandbox/webhook")).text
    assert receiver.requests[0].headers["x-token"] == "s3cret"
    assert "s3cret" not in (await sb.client.get("/__sandbox/webhook/calls")).text
    off = await sb.client.put("/__sandbox/webhook", json={"url": None})
    assert off.json()["url"] is None


async def test_an_agent_changes_case_columns_and_it_calls_back(
    make_sandbox: MakeSandbox, receiver: Receiver
) -> None:
    sb = await _sandbox(make_sandbox)
    case = await sb.create_case()
    fields = {"PriorityId": str(CasePriorityIds.LOW), "UsrOrderNumber": "AB-654321"}

    response = await sb.client.post(f"/__sandbox/cases/{case['Id']}/fields", json={"fields": fields})
    await sb.store.webhooks.drain()

    assert response.status_code == 200
    assert {k: response.json()[k] for k in fields} == fields
    assert response.json()["ModifiedById"] == str(SandboxIds.AGENT_1_CONTACT)
    assert response.json()["ModifiedOn"] > case["ModifiedOn"]
    assert [json.loads(r.read()) for r in receiver.requests] == [
        {"event_type": "case_updated", "caseId": case["Id"]}
    ]


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("fields", {"fields": {"PriorityId": str(uuid.uuid4())}}, 500),  # Creatio's foreign-key error
        ("fields", {"fields": {"UsrNoSuchColumn": "x"}}, 400),
        ("fields", {"fields": {"PriorityId": "high"}}, 400),
        ("fields", {"fields": {}}, 400),
        ("replies", {"text": "x", "agent_contact_id": str(SandboxIds.TECH_CONTACT)}, 400),
        ("replies", {"text": "x", "agent_contact_id": str(uuid.uuid4())}, 400),
        ("replies", {"text": ""}, 400),
        ("status", {"status_name": "Sleeping"}, 400),
        ("status", {"status_name": "New", "status_id": str(S.NEW)}, 400),
        ("status", {}, 400),
    ],
)
async def test_control_validation(sb: Sandbox, path: str, body: dict[str, object], status: int) -> None:
    case = await sb.create_case()

    response = await sb.client.post(f"/__sandbox/cases/{case['Id']}/{path}", json=body)

    assert response.status_code == status


async def test_unknown_case_is_404(sb: Sandbox) -> None:
    missing = uuid.uuid4()

    assert (await sb.client.get(f"/__sandbox/cases/{missing}")).status_code == 404
    assert (
        await sb.client.post(f"/__sandbox/cases/{missing}/replies", json={"text": "x"})
    ).status_code == 404
    assert (
        await sb.client.post(f"/__sandbox/cases/{missing}/status", json={"status_name": "New"})
    ).status_code == 404


async def test_case_list_and_detail_for_an_agent_console(sb: Sandbox) -> None:
    older = await sb.create_case(Subject="older", OwnerId=str(SandboxIds.AGENT_3_CONTACT))
    newer = await sb.create_case(Subject="newer")
    await sb.post("/0/odata/Activity", json={"CaseId": older["Id"], "Title": "Customer: hello"})
    await sb.client.post(f"/__sandbox/cases/{older['Id']}/replies", json={"text": "Hi!"})

    listing = (await sb.client.get("/__sandbox/cases")).json()["cases"]
    detail = (await sb.client.get(f"/__sandbox/cases/{older['Id']}")).json()

    assert [c["Id"] for c in listing] == [newer["Id"], older["Id"]]
    assert listing[1]["StatusName"] == "New"
    assert listing[1]["OwnerName"] == "Yuki Tanaka"
    assert detail["case"]["Subject"] == "older"
    assert [a["Title"] for a in detail["activities"]] == ["Customer: hello", "Reply from Maria Lopez"]


async def test_agents_endpoint(sb: Sandbox) -> None:
    body = (await sb.client.get("/__sandbox/agents")).json()

    assert [a["name"] for a in body["agents"]] == ["Maria Lopez", "Tom Becker", "Yuki Tanaka"]
    assert body["technical_user"]["contact_id"] == str(SandboxIds.TECH_CONTACT)


async def test_reset_restores_the_seed(sb: Sandbox) -> None:
    case = await sb.create_case()
    await sb.post("/0/odata/Contact", json={"Name": "New person"})

    response = await sb.client.post("/__sandbox/reset")

    assert response.status_code == 200
    assert sb.store.get("Case", case["Id"]) is None
    assert [c["Name"] for c in sb.store.rows("Contact")].count("New person") == 0
    assert sb.store.stats.snapshot()["odata_operations"] == 0
    assert (await sb.get("/0/odata/CaseStatus/$count")).text == "7"  # tokens survive a reset
    assert (await sb.create_case())["Number"] == "SR00000001"
