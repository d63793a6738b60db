"""Conversations posted to Casebridge reach the sandbox: one case, activities in order, handoff, status."""

from typing import Any

from litestar import Litestar
from sqlmodel import select

from app.db.tables import JobRow
from app.domain.creatio_ids import ActivityStatusIds, CaseOriginIds, CaseStatusIds, RoleIds
from app.domain.creatio_platforms import ODATA_PATHS, CreatioPlatform
from tests.support.casebridge import (
    BOTH_PLATFORMS,
    SANDBOX_URL,
    Client,
    activities_of,
    agent_edits_case,
    cases,
    conversation,
    drain,
    post,
    store_of,
)
from tests.support.events import handoff, message, resolved


@BOTH_PLATFORMS
async def test_every_conversation_mode_creates_one_case_with_activities_in_order(
    synced_client: Client, sandbox_app: Litestar, creatio_platform: CreatioPlatform
) -> None:
    await post(synced_client, message("c1", "m1", "My invoice is wrong. It says 300 but I paid 200.", t=0))
    await drain(synced_client)
    connection = (await synced_client.get("/api/v1/admin/connection")).json()
    assert connection["odata_root"] == SANDBOX_URL + ODATA_PATHS[creatio_platform]
    [case] = cases(sandbox_app)
    assert case["Subject"] == "My invoice is wrong."
    assert case["Symptoms"] == "My invoice is wrong. It says 300 but I paid 200."
    assert case["OriginId"] == CaseOriginIds.CHAT
    assert case["GroupId"] == RoleIds.FIRST_LINE
    assert case["Number"].startswith("SR")
    contact = store_of(sandbox_app).get("Contact", case["ContactId"])
    assert contact is not None
    assert (contact["Name"], contact["Email"]) == ("Ada Lovelace", "ada@example.com")

    await post(synced_client, message("c1", "m2", "Sorry about that, let me check.", author="ai", t=5))
    await post(synced_client, message("c1", "m3", "Thanks", t=10))
    await drain(synced_client)
    assert len(cases(sandbox_app)) == 1
    acts = activities_of(sandbox_app, case["Id"])
    assert [a["Title"] for a in acts] == [
        "Customer (Ada Lovelace): My invoice is wrong. It says 300 but I paid 200.",
        "AI assistant: Sorry about that, let me check.",
        "Customer (Ada Lovelace): Thanks",
    ]
    assert acts[0]["DetailedResult"].endswith("Conversation: https://chat.example/inbox/c1")
    assert all(a["StatusId"] == ActivityStatusIds.COMPLETED for a in acts)
    row = await conversation(synced_client, "c1")
    assert (str(row.case_id), row.case_number) == (str(case["Id"]), case["Number"])


@BOTH_PLATFORMS
async def test_out_of_order_messages_are_dated_by_sent_at(
    synced_client: Client, sandbox_app: Litestar
) -> None:
    await post(synced_client, message("c2", "m3", "third", t=30))
    await post(synced_client, message("c2", "m1", "first", t=10))
    await post(synced_client, message("c2", "m2", "second", author="ai", t=20))
    await drain(synced_client)
    [case] = cases(sandbox_app)
    assert [a["DetailedResult"].split("\n")[0] for a in activities_of(sandbox_app, case["Id"])] == [
        "first",
        "second",
        "third",
    ]


@BOTH_PLATFORMS
async def test_handoff_updates_the_same_case_and_adds_the_summary(
    synced_client: Client, sandbox_app: Litestar
) -> None:
    await post(synced_client, message("c3", "m1", "I want a refund", t=0))
    await drain(synced_client)
    await post(synced_client, handoff("c3", "Customer wants a refund for order AB-123456", t=50))
    await drain(synced_client)
    [case] = cases(sandbox_app)
    assert case["GroupId"] == RoleIds.FIRST_LINE
    titles = [a["Title"] for a in activities_of(sandbox_app, case["Id"])]
    assert titles[-1] == "Handoff to a human: Customer wants a refund for order AB-123456"
    row = await conversation(synced_client, "c3")
    assert row.handoff_pending is False


@BOTH_PLATFORMS
async def test_resolution_sets_the_resolved_status_and_a_new_message_reopens(
    synced_client: Client, sandbox_app: Litestar
) -> None:
    await post(synced_client, message("c4", "m1", "How do I reset my password?", t=0))
    await post(synced_client, resolved("c4", t=60))
    await drain(synced_client)
    [case] = cases(sandbox_app)
    assert case["StatusId"] == CaseStatusIds.RESOLVED
    await post(synced_client, message("c4", "m2", "It did not work", t=120))
    await drain(synced_client)
    [case] = cases(sandbox_app)
    assert case["StatusId"] == CaseStatusIds.REOPENED
    assert len(activities_of(sandbox_app, case["Id"])) == 2


def case_reads(sandbox_app: Litestar) -> int:
    gets: dict[str, int] = store_of(sandbox_app).stats.snapshot()["odata"].get("GET", {})
    return gets.get("Case", 0)


async def test_the_customer_message_sent_first_gives_subject_and_symptoms_whenever_it_arrives(
    synced_client: Client, sandbox_app: Litestar
) -> None:
    await post(synced_client, message("s1", "m2", "Let me look at your invoice.", author="ai", t=5))
    await post(synced_client, resolved("s1", t=90))
    await drain(synced_client)
    [case] = cases(sandbox_app)
    assert (case["Subject"], case["Symptoms"]) == ("Chat conversation s1", "")
    reads = case_reads(sandbox_app)

    await post(synced_client, message("s1", "m3", "Thanks, it works now.", t=60))
    await drain(synced_client)
    [case] = cases(sandbox_app)
    assert (case["Subject"], case["Symptoms"]) == ("Thanks, it works now.", "Thanks, it works now.")

    await post(synced_client, message("s1", "m1", "My invoice is wrong. It says 300 but I paid 200.", t=0))
    await post(synced_client, message("s1", "m4", "Bye", t=80))  # sent later: changes nothing
    await drain(synced_client)
    [case] = cases(sandbox_app)
    assert (case["Subject"], case["Symptoms"]) == (
        "My invoice is wrong.",
        "My invoice is wrong. It says 300 but I paid 200.",
    )
    assert case["StatusId"] == CaseStatusIds.RESOLVED
    assert case_reads(sandbox_app) == reads + 2  # one agent-edit check per change of text
    row = await conversation(synced_client, "s1")
    assert (row.subject_written, row.symptoms_written) == (case["Subject"], case["Symptoms"])
    assert (row.subject_sending, row.case_text_edited_at) == (None, None)
    assert [a["DetailedResult"].split("\n")[0] for a in activities_of(sandbox_app, case["Id"])] == [
        "My invoice is wrong. It says 300 but I paid 200.",
        "Let me look at your invoice.",
        "Thanks, it works now.",
        "Bye",
    ]


async def test_a_subject_an_agent_edited_stays_when_an_earlier_customer_message_arrives(
    synced_client: Client, sandbox_app: Litestar
) -> None:
    await post(synced_client, message("s2", "m2", "Are you still there?", t=30))
    await drain(synced_client)
    [case] = cases(sandbox_app)
    agent_edits_case(sandbox_app, case["Id"], Subject="Invoice INV-42 disputed")

    await post(synced_client, message("s2", "m1", "My invoice is wrong. It says 300 but I paid 200.", t=0))
    await drain(synced_client)
    [case] = cases(sandbox_app)
    assert (case["Subject"], case["Symptoms"]) == ("Invoice INV-42 disputed", "Are you still there?")
    row = await conversation(synced_client, "s2")
    assert row.case_text_edited_at is not None
    assert len(activities_of(sandbox_app, case["Id"])) == 2


async def test_jobs_wait_while_creatio_is_not_connected(intake_client: Client) -> None:
    await post(intake_client, message("c5", "m1", "hello"))
    await intake_client.app.state.runtime.runner.run_until_idle()
    async with intake_client.app.state.services.sessions() as session:
        [job] = (await session.exec(select(JobRow))).all()
    assert (job.state, job.attempts) == ("queued", 0)
    assert "not connected" in (job.last_error or "")


async def test_the_sync_marks_its_job_done_in_the_write_that_records_it(
    synced_client: Client, sandbox_app: Litestar, monkeypatch: Any
) -> None:
    transactions = synced_client.app.state.runtime.transactions
    units: list[str] = []
    run = transactions.run

    async def named_run(work: Any) -> Any:
        units.append(getattr(work, "func", work).__name__)
        return await run(work)

    monkeypatch.setattr(transactions, "run", named_run)
    await post(synced_client, message("j1", "m1", "Where is my parcel?", t=0))
    await drain(synced_client)

    assert len(cases(sandbox_app)) == 1
    assert "record_synced" in units
    assert "finish_job" not in units  # no separate completion write
    async with synced_client.app.state.services.sessions() as session:
        jobs = (await session.exec(select(JobRow))).all()
    assert [job.state for job in jobs] == ["done"]
