"""Creatio to chat on in-memory ports, run by the real job runner: what the sandbox tests beside it in
tests/pipeline/crm_to_chat/ check end to end (replies, closures, echo guard, the reconciliation, delivery
outcomes), without HTTP or a database."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import UUID

from app.pipeline.crm_to_chat.check import ReplyRules
from app.ports.errors import TemporaryFailure
from app.ports.jobs import JobKind
from tests.support.events import handoff, message, resolved
from tests.support.in_memory import (
    AGENT_MARIA,
    STATUS_RESOLVED,
    refused,
    throttled,
    unreachable,
)
from tests.support.wiring import InMemoryApp, build_app


async def linked_case(app: InMemoryApp, conv: str = "c1") -> tuple[UUID, UUID]:
    """A conversation whose case Casebridge created: (conversation id, case id)."""
    app.receive(message(conv, "m1", "My invoice is wrong.", t=0))
    await app.drain()
    row = app.db.conversation(conv)
    assert row["case_created_at"] is not None
    return row["id"], row["case_id"]


async def webhook(app: InMemoryApp, case_id: UUID) -> None:
    """Creatio's business process calls the webhook for the case: its conversation's check is queued."""
    assert app.db.enqueue_case_check(case_id) is not None
    await app.drain()


def texts(app: InMemoryApp) -> list[str | None]:
    return [notice.text for notice in app.chat.accepted]


async def test_an_agent_reply_on_the_case_is_delivered_to_the_chat_exactly_once() -> None:
    app = build_app()
    conversation_id, case_id = await linked_case(app)
    activity_id = app.creatio.agent_reply(case_id, "Hi Ada, we refunded the difference.")
    await webhook(app, case_id)

    [sent] = app.chat.sent
    notice = sent.notice
    assert (notice.kind, notice.conversation_id, notice.activity_id) == ("agent.replied", "c1", activity_id)
    assert (notice.text, notice.author_name) == ("Hi Ada, we refunded the difference.", "Maria Lopez")
    assert (notice.case_id, notice.case_number) == (case_id, app.creatio.case(case_id).number)
    [delivery] = app.db.deliveries_of(conversation_id)
    assert (delivery.id, delivery.state, delivery.attempts, delivery.last_status) == (
        sent.delivery_id,
        "delivered",
        1,
        200,
    )

    await webhook(app, case_id)  # the same callback again: a process may run twice
    assert await app.check.check(conversation_id) == 0
    await app.drain()
    assert len(app.chat.sent) == 1
    assert len(app.db.deliveries) == 1


async def test_replies_are_delivered_in_the_order_they_were_written() -> None:
    app = build_app()
    _, case_id = await linked_case(app)
    for n in range(3):
        app.creatio.agent_reply(case_id, f"reply {n}")
    await webhook(app, case_id)
    assert texts(app) == ["reply 0", "reply 1", "reply 2"]


async def test_a_closure_resolves_the_conversation_and_a_reopening_reopens_it() -> None:
    app = build_app()
    _, case_id = await linked_case(app)
    app.creatio.set_status(case_id, "Resolved")
    await webhook(app, case_id)
    [notice] = app.chat.accepted
    assert (notice.kind, notice.status_name, notice.status_id, notice.case_id) == (
        "conversation.resolved",
        "Resolved",
        STATUS_RESOLVED,
        case_id,
    )
    row = app.db.conversation("c1")
    assert (row["status"], row["case_status_applied"]) == ("resolved", "resolved")

    # The chat's next events sync as usual, but Casebridge does not write the status to the case again.
    app.receive(message("c1", "m2", "Thanks, bye!", author="ai", t=30))
    await app.drain()
    case = app.creatio.case(case_id)
    assert (case.status_id, case.modified_by) == (STATUS_RESOLVED, AGENT_MARIA)
    assert len(app.creatio.activities_of(case_id)) == 2
    app.creatio.set_status(case_id, "Closed")  # resolved, then final: still one resolution
    await webhook(app, case_id)
    assert len(app.chat.accepted) == 1

    app.creatio.set_status(case_id, "In progress")
    await webhook(app, case_id)
    assert [n.kind for n in app.chat.accepted] == ["conversation.resolved", "conversation.reopened"]
    row = app.db.conversation("c1")
    assert (row["status"], row["case_status_applied"]) == ("open", "reopened")


async def test_a_resolution_from_the_chat_is_not_echoed_back() -> None:
    app = build_app()
    _, case_id = await linked_case(app)
    app.receive(resolved("c1", t=60))
    await app.drain()
    case = app.creatio.case(case_id)
    assert (case.status_id, case.modified_by) == (STATUS_RESOLVED, app.creatio.integration_contact_id)

    await webhook(app, case_id)  # Creatio's "case modified" process fires for Casebridge's change too
    assert app.chat.sent == []
    assert app.db.deliveries == {}


async def test_casebridge_own_activities_never_come_back_even_as_a_reply_type() -> None:
    """Replies are Email *and* Task activities, with no technical-user filter: only the stored ids guard."""
    app = build_app(rules=ReplyRules(("Email", "Task"), integration_contact_id=None))
    _, case_id = await linked_case(app)
    app.receive(
        message("c1", "m2", "Let me look at that.", author="ai", t=10),
        handoff("c1", "Customer disputes an invoice", t=20),
    )
    await app.drain()
    assert len(app.creatio.activities_of(case_id)) == 3  # Casebridge's Task activities
    await webhook(app, case_id)
    assert app.chat.sent == []

    app.creatio.agent_reply(case_id, "An agent's answer")
    await webhook(app, case_id)
    assert texts(app) == ["An agent's answer"]


async def test_the_integration_users_activities_and_incoming_emails_are_not_replies() -> None:
    app = build_app()
    _, case_id = await linked_case(app)
    app.creatio.agent_reply(
        case_id, "Written by another integration", agent=app.creatio.integration_contact_id
    )
    app.creatio.agent_reply(case_id, "The customer's own e-mail", incoming=True)
    app.creatio.agent_reply(case_id, "A note", type_name="Task")  # not a reply type here
    app.creatio.agent_reply(case_id, "A real answer")
    await webhook(app, case_id)
    assert texts(app) == ["A real answer"]


async def test_replies_written_before_chat_delivery_was_enabled_are_not_sent() -> None:
    since = datetime.now(UTC) - timedelta(hours=1)
    app = build_app(replies_since=since)
    _, case_id = await linked_case(app)
    app.creatio.agent_reply(case_id, "Old answer, sent by e-mail back then.", at=since - timedelta(days=2))
    app.creatio.agent_reply(case_id, "New answer.")
    await webhook(app, case_id)
    assert texts(app) == ["New answer."]


async def test_without_a_chat_url_nothing_is_queued_for_the_chat() -> None:
    app = build_app(chat_enabled=False)
    _, case_id = await linked_case(app)
    app.creatio.agent_reply(case_id, "An answer nobody can deliver")
    await webhook(app, case_id)
    assert app.db.deliveries == {}
    assert [job.state for job in app.db.jobs_of(JobKind.CRM_TO_CHAT)] == ["done"]


async def test_the_reconciliation_picks_up_a_missed_reply_and_closure_once() -> None:
    app = build_app()
    _, case_id = await linked_case(app)
    app.creatio.agent_reply(case_id, "Found it: a duplicate charge.")
    app.creatio.set_status(case_id, "Resolved")
    await app.drain()
    assert app.chat.sent == []  # no webhook call: nothing noticed

    assert await app.reconciler.run_if_due(force=True) == 1
    await app.drain()
    assert [n.kind for n in app.chat.accepted] == ["agent.replied", "conversation.resolved"]
    assert app.db.conversation("c1")["status"] == "resolved"
    assert (app.db.reconcile.last_error, app.db.reconcile.cursors.activities.backlog) == (None, False)
    assert app.db.reconcile.cursors.activities.at is not None

    assert await app.reconciler.run_if_due() is None  # not due again for a while
    assert await app.reconciler.run_if_due(force=True) == 0  # the overlap re-reads the same changes
    await app.drain()
    assert len(app.chat.sent) == 2


async def test_webhook_and_reconciliation_seeing_the_same_reply_deliver_it_once() -> None:
    app = build_app()
    _, case_id = await linked_case(app)
    app.creatio.agent_reply(case_id, "one")
    await webhook(app, case_id)  # the webhook first
    assert await app.reconciler.run_if_due(force=True) == 0
    app.creatio.agent_reply(case_id, "two")
    assert await app.reconciler.run_if_due(force=True) == 1  # the reconciliation first, then the webhook
    await webhook(app, case_id)
    assert texts(app) == ["one", "two"]
    assert len(app.chat.sent) == 2


async def test_two_checks_at_the_same_moment_store_a_reply_once() -> None:
    """A lease expired under a slow worker: both read the case before either stores; the keys decide."""
    app = build_app()
    conversation_id, case_id = await linked_case(app)
    app.creatio.agent_reply(case_id, "three")
    stored = await asyncio.gather(app.check.check(conversation_id), app.check.check(conversation_id))
    assert sorted(stored) == [0, 1]
    await app.drain()
    assert texts(app) == ["three"]


async def test_a_retryable_answer_is_retried_later_with_the_same_delivery_while_the_next_waits() -> None:
    app = build_app()
    conversation_id, case_id = await linked_case(app)
    app.chat.answer_next(throttled(503), unreachable())
    app.creatio.agent_reply(case_id, "first")
    app.creatio.agent_reply(case_id, "second")
    await webhook(app, case_id)
    first, second = app.db.deliveries_of(conversation_id)
    assert (first.state, first.attempts, first.last_status) == ("retrying", 1, 503)
    assert second.state == "queued"  # one conversation's deliveries go out in order
    assert [job.state for job in app.db.jobs_of(JobKind.CHAT_DELIVERY)] == ["queued", "queued"]

    await app.drain_later()
    assert (first.state, first.attempts, first.last_status) == ("retrying", 2, None)
    assert "could not reach the chat platform" in (first.last_error or "")
    await app.drain_later()
    assert [(d.state, d.attempts, d.last_status) for d in (first, second)] == [
        ("delivered", 3, 200),
        ("delivered", 1, 200),
    ]
    assert [s.delivery_id for s in app.chat.sent] == [first.id] * 3 + [second.id]
    assert len({s.notice for s in app.chat.sent[:3]}) == 1  # every attempt sends the same notice
    assert texts(app) == ["first", "second"]


async def test_a_refusal_fails_the_delivery_and_dead_letters_its_job_until_an_admin_retries() -> None:
    app = build_app()
    conversation_id, case_id = await linked_case(app)
    app.chat.answer_next(refused(404))
    app.creatio.agent_reply(case_id, "Hello?")
    await webhook(app, case_id)
    [delivery] = app.db.deliveries_of(conversation_id)
    assert (delivery.state, delivery.last_status) == ("failed", 404)
    assert "answered 404" in (delivery.last_error or "")
    [job] = app.db.jobs_of(JobKind.CHAT_DELIVERY)
    assert job.state == "dead"
    await app.drain_later(3600)
    assert len(app.chat.sent) == 1  # not retried on its own

    assert await app.queue.retry_dead(job.id)
    await app.drain()
    assert (delivery.state, job.state) == ("delivered", "done")
    assert texts(app) == ["Hello?"]


async def test_a_creatio_failure_during_the_check_is_retried_and_the_reply_delivered_once() -> None:
    app = build_app()
    _, case_id = await linked_case(app)
    app.creatio.agent_reply(case_id, "We are on it.")
    app.creatio.fail_next(1, TemporaryFailure("Creatio answered 503"), calls=["reader.replies"])
    await webhook(app, case_id)
    [check] = app.db.jobs_of(JobKind.CRM_TO_CHAT)
    assert (check.state, check.attempts) == ("queued", 1)
    assert app.chat.sent == []

    await app.drain_later()
    assert check.state == "done"
    assert texts(app) == ["We are on it."]


async def test_an_unknown_reply_type_dead_letters_the_check() -> None:
    app = build_app(rules=ReplyRules(("Emial",)))
    _, case_id = await linked_case(app)
    app.creatio.agent_reply(case_id, "An answer")
    await webhook(app, case_id)
    [check] = app.db.jobs_of(JobKind.CRM_TO_CHAT)
    assert check.state == "dead"
    assert "no activity type named 'Emial'" in (check.last_error or "")
    assert app.chat.sent == []
