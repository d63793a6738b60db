"""Handoff-only mode, contact matching, warnings, retries that never duplicate, and the operations API."""

import asyncio
from typing import Any
from uuid import UUID

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.asgi import Adapters, create_app
from app.domain.creatio_ids import CaseStatusIds, RoleIds
from app.sandbox import SandboxConfig
from app.sandbox.ids import SandboxIds
from app.settings import Settings
from tests.support.casebridge import (
    ADMIN_TOKEN,
    BOTH_PLATFORMS,
    SANDBOX_CLIENT_ID,
    SANDBOX_SECRET,
    activities_of,
    cases,
    connected_settings,
    drain,
    post,
    store_of,
    wait_until_verified,
)
from tests.support.events import handoff, message, resolved

Client = AsyncTestClient[Litestar]


async def _client(settings: Settings, sandbox_http: httpx.AsyncClient, **overrides: Any) -> Client:
    app = create_app(connected_settings(settings, **overrides), Adapters(creatio_http=sandbox_http))
    client = AsyncTestClient(app=app)
    client.headers["Authorization"] = f"Bearer {ADMIN_TOKEN}"
    return client


@BOTH_PLATFORMS
async def test_handoff_only_mode_writes_nothing_before_then_the_whole_transcript(
    settings: Settings, sandbox_http: httpx.AsyncClient, sandbox_app: Litestar
) -> None:
    async with await _client(settings, sandbox_http, creatio_create_case_only_on_handoff=True) as client:
        for n in range(120):
            await post(
                client,
                message("h1", f"m{n:03}", f"message {n:03}", author="ai" if n % 2 else "customer", t=n),
            )
        await drain(client)
        assert cases(sandbox_app) == []
        before = store_of(sandbox_app).stats.snapshot()
        assert (before["batch"]["requests"], before["odata"].get("POST")) == (
            0,
            None,
        )  # reads only (the seed's test)

        await post(client, handoff("h1", "Customer needs a refund; order AB-123456", t=500))
        await drain(client)
    [case] = cases(sandbox_app)
    assert case["Symptoms"] == "Customer needs a refund; order AB-123456"
    assert case["Subject"] == "message 000"
    acts = activities_of(sandbox_app, case["Id"])
    assert [a["DetailedResult"].split("\n")[0] for a in acts[:-1]] == [f"message {n:03}" for n in range(120)]
    assert acts[-1]["Title"].startswith("Handoff to a human:")
    batch = store_of(sandbox_app).stats.snapshot()["batch"]
    assert batch == {"requests": 2, "sub_requests": 123}  # 1 contact + 1 case + 121 activities


async def test_existing_contact_is_matched_by_email(synced_client: Client, sandbox_app: Litestar) -> None:
    await post(synced_client, message("k1", "m1", "Hello", email="ada@customer.example"))
    await drain(synced_client)
    [case] = cases(sandbox_app)
    assert case["ContactId"] == SandboxIds.DEMO_CUSTOMER_CONTACT  # the seeded Ada Lovelace
    assert len(store_of(sandbox_app).rows("Contact")) == 6  # nothing created


async def test_resolution_without_resolved_status_warns_instead_of_failing(
    settings: Settings, sandbox_http: httpx.AsyncClient, sandbox_app: Litestar
) -> None:
    async with await _client(settings, sandbox_http, creatio_resolved_status_id=None) as client:
        await post(client, message("w1", "m1", "Where is my parcel?"))
        await post(client, resolved("w1"))
        await drain(client)
        [view] = (await client.get("/api/v1/admin/conversations")).json()
    [case] = cases(sandbox_app)
    assert case["StatusId"] == CaseStatusIds.NEW  # still New
    assert view["sync_state"] == "synced"
    assert "no Resolved Status ID is configured" in view["warning"]


async def test_ambiguous_failures_are_retried_without_duplicates(
    synced_client: Client, sandbox_app: Litestar
) -> None:
    store = store_of(sandbox_app)
    store.faults.update(
        {"error_rate": 1.0, "error_after_processing": True}
    )  # Creatio writes, then answers 500
    for n in range(3):  # no email or phone: the first request is the $batch creating the case
        await post(synced_client, message("d1", f"m{n}", f"text {n}", t=n, email=None))
    await drain(synced_client)
    assert len(cases(sandbox_app)) == 1  # written despite the 500
    store.faults.update({"error_rate": 0.0})
    for _ in range(20):
        await drain(synced_client)
        detail = (await synced_client.get("/api/v1/admin/conversations")).json()[0]
        if detail["sync_state"] == "synced":
            break
        await asyncio.sleep(0.05)
    [case] = cases(sandbox_app)
    assert [a["DetailedResult"].split("\n")[0] for a in activities_of(sandbox_app, case["Id"])] == [
        "text 0",
        "text 1",
        "text 2",
    ]
    assert store.stats.snapshot()["faults"]["5xx"] >= 1


class TestDeadLetters:
    @pytest.fixture
    def sandbox_config(self) -> SandboxConfig:
        return SandboxConfig(clients={SANDBOX_CLIENT_ID: SANDBOX_SECRET}, forbidden_entity_sets={})

    async def test_rejected_work_is_dead_lettered_visible_and_retryable(
        self, synced_client: Client, sandbox_app: Litestar
    ) -> None:
        store = store_of(sandbox_app)
        store.config.forbidden_entity_sets[SANDBOX_CLIENT_ID] = ["Contact"]  # the technical user lost a right
        await post(synced_client, message("x1", "m1", "Hello"))
        await drain(synced_client)
        [dead] = (await synced_client.get("/api/v1/admin/jobs", params={"state": "dead"})).json()
        assert "403" in dead["last_error"]
        [conv] = (await synced_client.get("/api/v1/admin/conversations")).json()
        assert conv["sync_state"] == "failed"
        listed = "/api/v1/admin/conversations"
        failed = (await synced_client.get(listed, params={"state": "failed"})).json()
        assert [c["id"] for c in failed] == [conv["id"]]
        assert (await synced_client.get(listed, params={"state": "synced"})).json() == []
        assert (await synced_client.get(listed, params={"state": "broken"})).status_code == 400

        store.config.forbidden_entity_sets.clear()
        retry = await synced_client.post(f"/api/v1/admin/jobs/{dead['id']}/retry")
        assert retry.status_code == 202
        again = await synced_client.post(f"/api/v1/admin/jobs/{dead['id']}/retry")
        assert again.status_code == 409
        await drain(synced_client)
        [conv] = (await synced_client.get("/api/v1/admin/conversations")).json()
        assert conv["sync_state"] == "synced"
        assert conv["case_number"].startswith("SR")
        detail = (await synced_client.get(f"/api/v1/admin/conversations/{conv['id']}")).json()
        assert [m["synced_at"] is not None for m in detail["messages"]] == [True]
        assert len(cases(sandbox_app)) == 1


async def test_operations_api_needs_admin_token_and_searches(synced_client: Client) -> None:
    await post(synced_client, message("s1", "m1", "Hi", name="Grace Hopper", email="grace@example.com"))
    await post(synced_client, message("s2", "m1", "Hi"))
    assert (await synced_client.get("/api/v1/admin/jobs", headers={"Authorization": ""})).status_code == 401
    found = (await synced_client.get("/api/v1/admin/conversations", params={"q": "grace"})).json()
    assert [c["external_id"] for c in found] == ["s1"]
    assert found[0]["sync_state"] == "pending"
    bad = await synced_client.get("/api/v1/admin/jobs", params={"state": "exploded"})
    assert bad.status_code == 400


async def test_values_decided_after_an_ambiguous_create_still_reach_the_case(
    synced_client: Client, sandbox_app: Litestar
) -> None:
    """The case was created but the answer lost; before the retry the conversation was resolved."""
    store = store_of(sandbox_app)
    store.faults.update({"error_rate": 1.0, "error_after_processing": True})
    await post(synced_client, message("a1", "m1", "Printer on fire", email=None))
    await drain(synced_client)
    assert len(cases(sandbox_app)) == 1
    await post(synced_client, resolved("a1"))
    store.faults.update({"error_rate": 0.0})
    for _ in range(40):
        await drain(synced_client)
        [view] = (await synced_client.get("/api/v1/admin/conversations")).json()
        if view["sync_state"] == "synced":
            break
        await asyncio.sleep(0.05)
    [case] = cases(sandbox_app)
    assert case["StatusId"] == CaseStatusIds.RESOLVED  # patched onto the case
    assert len(activities_of(sandbox_app, case["Id"])) == 1


@pytest.mark.parametrize(
    "request_line",
    [
        ("GET", "/api/v1/admin/jobs?offset=9223372036854775808"),
        ("GET", "/api/v1/admin/conversations?offset=9223372036854775808"),
        ("GET", "/api/v1/admin/deliveries?offset=9223372036854775808"),
        ("POST", "/api/v1/admin/jobs/9223372036854775808/retry"),
        ("POST", "/api/v1/admin/jobs/0/retry"),
    ],
)
async def test_numbers_past_the_database_integer_are_a_400(
    synced_client: Client, request_line: tuple[str, str]
) -> None:
    """They used to reach the driver and end in a 500 (found by fuzzing)."""
    method, url = request_line
    response = await synced_client.request(method, url)
    assert response.status_code == 400
    assert "offset" in response.text or "job_id" in response.text


async def test_the_largest_offset_is_an_empty_page(synced_client: Client) -> None:
    await post(synced_client, message("s1", "m1", "Hi"))
    last = await synced_client.get("/api/v1/admin/jobs", params={"offset": 2**63 - 1})
    assert (last.status_code, last.json()) == (200, [])


@BOTH_PLATFORMS
@pytest.mark.parametrize(
    ("setting", "entity_set", "row", "fix"),
    [
        (
            "creatio_default_owner_id",
            "Contact",
            SandboxIds.AGENT_2_CONTACT,
            "The default case owner {id} no longer exists in Creatio (Case.OwnerId): choose another owner in "
            "Settings > Ticketing > Creatio (Test & Save), then retry the job.",
        ),
        (
            "creatio_default_group_id",
            "SysAdminUnit",
            RoleIds.SECOND_LINE,
            "The default case group {id} no longer exists in Creatio (Case.GroupId): choose another group in "
            "Settings > Ticketing > Creatio (Test & Save), then retry the job.",
        ),
    ],
)
async def test_a_default_deleted_in_creatio_dead_letters_the_job_at_once_naming_it(
    settings: Settings,
    sandbox_http: httpx.AsyncClient,
    sandbox_app: Litestar,
    setting: str,
    entity_set: str,
    row: UUID,
    fix: str,
) -> None:
    async with await _client(settings, sandbox_http, **{setting: str(row)}) as client:
        await wait_until_verified(client)
        store_of(sandbox_app).tables.delete(entity_set, row)  # deleted in Creatio after Test & Save
        await post(client, message("d1", "m1", "Hello"))
        await drain(client)
        [dead] = (await client.get("/api/v1/admin/jobs", params={"state": "dead"})).json()
    assert dead["attempts"] == 1  # not retried: the job would fail the same way for hours
    assert dead["last_error"] == "MissingReference: " + fix.format(id=row)
    assert cases(sandbox_app) == []


async def test_a_500_without_a_foreign_key_message_is_still_retried(
    settings: Settings, sandbox_http: httpx.AsyncClient, sandbox_app: Litestar
) -> None:
    slow_retries = {"retry_base_seconds": 60, "retry_max_seconds": 60}
    async with await _client(settings, sandbox_http, **slow_retries) as client:
        await wait_until_verified(client)
        store_of(sandbox_app).faults.update({"error_rate": 1.0, "error_status": 500})
        await post(client, message("d2", "m1", "Hello"))
        await drain(client)
        [job] = (await client.get("/api/v1/admin/jobs")).json()
    assert (job["state"], job["attempts"]) == ("queued", 1)
    assert "retrying may help" in job["last_error"]
