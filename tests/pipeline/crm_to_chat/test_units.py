"""Pure parts of the Creatio-to-chat direction: payloads, outcomes, HTML, status steps, schema, settings."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import inspect

from app.adapters.chat.delivery import classify
from app.adapters.chat.payloads import render
from app.adapters.creatio.case_reader import html_to_text
from app.db.engine import create_engine, upgrade_to_head
from app.db.tables import ChatDeliveryStateRow, CreatioWebhookRow, DeliveryRow, ReconcileStateRow
from app.domain.crm_updates import CaseStatusInfo, ChatNotice
from app.pipeline.crm_to_chat.check import is_done, status_step
from app.settings import Settings

CASE = UUID("00000000-0000-4000-8000-000000000001")
ACTIVITY = UUID("00000000-0000-4000-8000-000000000002")
DELIVERY = UUID("00000000-0000-4000-8000-000000000003")
AT = datetime(2026, 11, 28, 10, 0, 1, 250000, tzinfo=UTC)


def test_payloads_follow_the_design_contract() -> None:
    reply = ChatNotice("agent.replied", "conv_42", AT, CASE, "SR00000012", ACTIVITY, "Hi", "Maria Lopez")
    assert json.loads(render(DELIVERY, reply)) == {
        "id": str(DELIVERY),
        "type": "agent.replied",
        "conversation_id": "conv_42",
        "occurred_at": "2026-11-28T10:00:01.250Z",
        "message": {"id": str(ACTIVITY), "text": "Hi", "author": {"name": "Maria Lopez"}},
        "case": {"id": str(CASE), "number": "SR00000012"},
    }
    resolved = ChatNotice(
        "conversation.resolved", "conv_42", AT, CASE, None, status_id=CASE, status_name="Closed"
    )
    body = json.loads(render(DELIVERY, resolved))
    assert (body["type"], body["status"], "message" in body) == (
        "conversation.resolved",
        {"id": str(CASE), "name": "Closed"},
        False,
    )
    assert render(DELIVERY, reply) == render(DELIVERY, reply)  # retries send the same bytes


RETRIED, REFUSED = (408, 429, 500, 503), (301, 400, 401, 404)


@pytest.mark.parametrize("status", [200, 204, *RETRIED, *REFUSED])
def test_outcomes_by_status(status: int) -> None:
    delivered, retryable = status < 300, status in RETRIED
    outcome = classify(httpx.Response(status, headers={"Retry-After": "7"}, text="nope"), "chat.example")
    assert (outcome.delivered, outcome.retryable, outcome.status) == (delivered, retryable, status)
    assert outcome.retry_after == (7.0 if retryable else None)
    if not delivered:
        assert outcome.error is not None
        assert f"chat.example) answered {status}: nope" in outcome.error


def test_html_bodies_become_plain_text() -> None:
    html = "<html><head><style>p{}</style></head><body><p>Hi Ada,</p><p>fixed &amp; refunded.<br>Maria</p>"
    assert html_to_text(html + "<script>x()</script></body></html>") == "Hi Ada,\n\nfixed & refunded.\nMaria"


RESOLVED = CaseStatusInfo(UUID(int=1), "Resolved", is_resolved=True, is_final=False)
CLOSED = CaseStatusInfo(UUID(int=2), "Closed", is_resolved=False, is_final=True)
CUSTOM = CaseStatusInfo(UUID(int=3), "Done here", is_resolved=False, is_final=False)
OPEN = CaseStatusInfo(UUID(int=4), "In progress", is_resolved=False, is_final=False)


def test_done_means_resolved_final_or_the_configured_status() -> None:
    assert [is_done(s, None) for s in (RESOLVED, CLOSED, CUSTOM, OPEN, None)] == [
        True,
        True,
        False,
        False,
        False,
    ]
    assert is_done(CUSTOM, CUSTOM.id)


@pytest.mark.parametrize(
    ("done", "chat", "applied", "step"),
    [
        (True, "open", None, "resolve"),  # an agent resolved it
        (True, "handed_off", "reopened", "resolve"),
        (True, "resolved", None, "mark_resolved"),  # the chat resolved it first (no status configured)
        (True, "resolved", "resolved", None),  # Casebridge wrote it, or delivered it already: no echo
        (False, "open", "resolved", "reopen"),  # an agent reopened it
        (False, "open", "reopened", None),  # Casebridge reopened it for the customer: no echo
        (False, "resolved", None, None),  # the chat's resolution is not on the case yet
    ],
)
def test_status_steps(done: bool, chat: str, applied: str | None, step: str | None) -> None:
    assert status_step(done, chat, applied) == step


async def test_the_migration_creates_the_columns_of_the_models(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'c.db'}")
    try:
        await upgrade_to_head(engine)
        async with engine.connect() as conn:
            for model in (DeliveryRow, CreatioWebhookRow, ReconcileStateRow, ChatDeliveryStateRow):
                table = model.__tablename__
                columns = await conn.run_sync(
                    lambda c, t=table: {col["name"] for col in inspect(c).get_columns(t)}
                )
                assert columns == set(model.model_fields), table
    finally:
        await engine.dispose()


def test_chat_webhook_url_must_be_http() -> None:
    assert Settings(chat_webhook_url=" ").chat_webhook_url is None
    assert (
        Settings(chat_webhook_url="https://chat.example/hook").chat_webhook_url == "https://chat.example/hook"
    )
    with pytest.raises(ValidationError):
        Settings(chat_webhook_url="ftp://chat.example")
    assert Settings(reply_activity_types=" Email, ,Call").reply_activity_type_names == ("Email", "Call")
