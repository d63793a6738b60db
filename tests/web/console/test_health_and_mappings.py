"""Health (page and JSON), the pick-lists API, and the field mappings page with its preview."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from app.db.tables import JobRow, ReconcileStateRow
from app.domain.creatio_ids import CasePriorityIds
from tests.support.casebridge import ADMIN_TOKEN, Client
from tests.support.console import form_token
from tests.support.events import message, signed

BEARER = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


async def test_health_shows_queue_dead_letters_token_webhook_and_poll(admin: Client) -> None:
    for n in range(3):
        body, headers = signed(message(f"conv_{n}", "m1", "Hello"))
        await admin.post("/api/v1/events", content=body, headers=headers)
    async with admin.app.state.services.sessions() as session, session.begin():
        await session.exec(update(JobRow).where(JobRow.id == 1).values(state="dead", last_error="boom: 403"))
    token = (await admin.app.state.runtime.crm_to_chat.tokens.current()).value
    await admin.post(
        "/webhooks/creatio", json={"caseId": "not-a-guid"}, headers={"Authorization": "Bearer x"}
    )

    page = await admin.get("/console/health")

    assert page.status_code == 200
    assert '<dd id="queue-depth">2</dd>' in page.text
    assert "boom: 403" in page.text
    assert 'action="/console/jobs/1/retry"' in page.text
    assert "Reconciliation" in page.text
    assert "(HTTP 401)" in page.text  # the refused webhook call
    snapshot = (await admin.get("/api/v1/admin/health", headers=BEARER)).json()
    assert snapshot["queue"]["queued"] == 2
    assert snapshot["queue"]["dead"] == 1
    assert snapshot["dead_letters"][0]["last_error"] == "boom: 403"
    assert snapshot["creatio"]["configured"] is True
    assert snapshot["webhook"]["last_refused_status"] == 401
    assert token not in page.text


async def test_health_shows_the_latest_creatio_failure_of_any_path_and_when_jobs_run_next(
    admin: Client,
) -> None:
    body, headers = signed(message("conv_503", "m1", "Hello"))
    await admin.post("/api/v1/events", content=body, headers=headers)
    later = datetime.now(UTC) + timedelta(seconds=120)
    failure = "Creatio answered HTTP 503 (Service Unavailable)"
    async with admin.app.state.services.sessions() as session, session.begin():
        await session.exec(
            update(JobRow).where(JobRow.id == 1).values(attempts=3, run_after=later, last_error=failure)
        )

    page = await admin.get("/console/health")

    shown = page.text.split('id="creatio-failure">')[1].split("</dd>")[0]
    assert "Chat to Creatio, job #1, " in shown
    assert failure in shown
    waiting = page.text.split('id="waiting-title"')[1].split("</section>")[0]
    assert "#1 sync_conversation" in waiting
    assert "3 / 12" in waiting
    assert "(in 11" in waiting or "(in 12" in waiting  # seconds until its next try
    assert "Retry job #1 now" in waiting
    snapshot = (await admin.get("/api/v1/admin/health", headers=BEARER)).json()
    assert snapshot["creatio_failure"]["error"] == failure
    assert snapshot["waiting_jobs"][0]["id"] == 1

    retried = await admin.post("/console/jobs/1/retry", data={"csrf_token": await form_token(admin)})
    assert "The job was queued to run now." in retried.text
    assert "now (as soon as a worker is free)" in retried.text
    async with admin.app.state.services.sessions() as session:
        job = await session.get(JobRow, 1)
    assert job is not None
    assert (job.state, job.attempts) == ("queued", 3)  # attempts spent stay counted

    async with admin.app.state.services.sessions() as session, session.begin():
        await session.exec(
            update(ReconcileStateRow).values(
                last_error="HTTP 503 from Creatio", last_run_at=datetime.now(UTC)
            )
        )
    page = await admin.get("/console/health")
    assert "The reconciliation, " in page.text.split('id="creatio-failure">')[1].split("</dd>")[0]


async def test_pick_lists_api(admin: Client) -> None:
    assert (await admin.get("/api/v1/admin/creatio/pick-lists")).status_code == 401
    lists = (await admin.get("/api/v1/admin/creatio/pick-lists", headers=BEARER)).json()
    assert {"Maria Lopez", "Tom Becker", "Yuki Tanaka"} <= {o["name"] for o in lists["owners"]}
    assert "1st-line support" in {g["name"] for g in lists["groups"]}
    assert "Closed" in {s["name"] for s in lists["statuses"]}


async def test_mapping_page_shows_each_field_and_lookup_value(autofill_admin: Client) -> None:
    page = await autofill_admin.get("/console/field-mappings")

    assert page.status_code == 200
    assert "Auto-fill is <strong>on</strong>" in page.text
    assert "field_mappings/default.yaml:" in page.text
    assert "<code>PriorityId</code>" in page.text
    assert str(CasePriorityIds.CRITICAL) in page.text  # resolved live


async def test_preview_of_a_pasted_transcript(autofill_admin: Client) -> None:
    transcript = "Customer: Our whole team cannot log in, error 500. Order AB-123456 is blocked."
    page = await autofill_admin.post(
        "/console/field-mappings/preview",
        data={
            "transcript": transcript,
            "csrf_token": await form_token(autofill_admin, "/console/field-mappings"),
        },
    )

    assert page.status_code == 200
    assert "What would be filled" in page.text
    assert "AB-123456" in page.text
    assert "&#34;AB-123456&#34;" in page.text or "AB-123456</q>" in page.text
    assert "The note the agent would see on the case" in page.text


async def test_preview_of_a_picked_conversation_and_a_bad_transcript(autofill_admin: Client) -> None:
    body, headers = signed(message("conv_p", "m1", "Order XY-654321 arrived broken, it is urgent"))
    await autofill_admin.post("/api/v1/events", content=body, headers=headers)
    page = await autofill_admin.get("/console/field-mappings")
    conversation_id = page.text.split('<option value="')[2].split('"')[0]
    token = await form_token(autofill_admin, "/console/field-mappings")

    picked = await autofill_admin.post(
        "/console/field-mappings/preview", data={"conversation_id": conversation_id, "csrf_token": token}
    )
    empty = await autofill_admin.post(
        "/console/field-mappings/preview", data={"transcript": " ", "csrf_token": token}
    )

    assert "XY-654321" in picked.text
    assert empty.status_code == 422
    assert "the transcript is empty" in empty.text


async def test_a_transcript_over_the_limit_is_refused_in_the_form_and_kept(autofill_admin: Client) -> None:
    page = await autofill_admin.get("/console/field-mappings")
    assert "At most 200,000 characters." in page.text
    assert 'data-max-chars="200000"' in page.text
    token = await form_token(autofill_admin, "/console/field-mappings")
    transcript = "Customer: " + "é" * 200_000  # about 2.4 MB as the browser sends it

    refused = await autofill_admin.post(
        "/console/field-mappings/preview", data={"transcript": transcript, "csrf_token": token}
    )

    assert refused.status_code == 422
    assert "The transcript has 200,010 characters; the preview reads at most 200,000." in refused.text
    assert transcript in refused.text  # nothing the admin pasted is lost


async def test_a_form_too_large_to_read_says_what_to_do(autofill_admin: Client) -> None:
    token = await form_token(autofill_admin, "/console/settings/creatio")
    page = await autofill_admin.post(
        "/console/settings/creatio", data={"instance_url": "x" * 1_100_000, "csrf_token": token}
    )
    assert page.status_code == 413
    assert "The form was too large to read, so nothing was done. Go back" in page.text


async def test_the_note_lists_the_fields_it_could_not_decide_and_why(autofill_admin: Client) -> None:
    page = await autofill_admin.post(
        "/console/field-mappings/preview",
        data={
            "transcript": "Customer: Order AB-123456 is blocked.",
            "csrf_token": await form_token(autofill_admin, "/console/field-mappings"),
        },
    )

    note = page.text.split("The note the agent would see on the case")[1].split("</p>")[0]
    assert "- Order number: AB-123456" in note
    assert (
        "Left alone (no value decided):\n"
        "- Category: not clear from the conversation\n"
        "- Product: not clear from the conversation"
    ) in note


async def test_the_reconciliation_cursor_is_a_timestamp_that_does_not_wrap(admin: Client) -> None:
    cursors = '{"activities": {"at": "2026-12-06T10:00:00.123456+00:00", "backlog": false}}'
    async with admin.app.state.services.sessions() as session, session.begin():
        await session.exec(update(ReconcileStateRow).values(cursors=cursors))

    page = await admin.get("/console/health")

    assert 'activities: <span class="nowrap">2026-12-06 10:00:00 UTC</span>' in page.text
