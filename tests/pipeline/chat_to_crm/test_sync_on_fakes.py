"""ConversationSync on in-memory ports, run by the real job runner: what the sandbox tests beside it in
tests/pipeline/chat_to_crm/ check end to end (cases, activities, handoff, resolution, failures), without
HTTP or a database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from app.domain.creatio_ids import CasePriorityIds
from app.ports.errors import PermanentFailure, TemporaryFailure
from app.ports.external import AutofillResult
from tests.support.events import handoff, message, resolved
from tests.support.in_memory import (
    AGENT_MARIA,
    FIRST_LINE,
    SECOND_LINE,
    STATUS_NEW,
    STATUS_REOPENED,
    STATUS_RESOLVED,
    CaseRecord,
    ScriptedAutofill,
)
from tests.support.wiring import DEFAULT_SETTINGS, InMemoryApp, build_app

HIGH_PRIORITY = str(CasePriorityIds.HIGH)


def only_case(app: InMemoryApp) -> CaseRecord:
    [case] = app.creatio.cases.values()
    return case


def titles(app: InMemoryApp, case_id: UUID) -> list[str]:
    return [a.title for a in app.creatio.activities_of(case_id)]


def conversation(app: InMemoryApp, external_id: str) -> dict[str, Any]:
    return app.db.conversation(external_id)


def unsynced(app: InMemoryApp, external_id: str) -> list[str]:
    return [m.text for m in app.db.messages_of(conversation(app, external_id)["id"]) if m.synced_at is None]


async def test_the_first_customer_message_creates_the_case_with_its_contact_and_activity() -> None:
    app = build_app()
    app.receive(message("c1", "m1", "My invoice is wrong. It says 300 but I paid 200.", t=0))
    await app.drain()

    case = only_case(app)
    assert (case.subject, case.symptoms) == (
        "My invoice is wrong.",
        "My invoice is wrong. It says 300 but I paid 200.",
    )
    assert (case.group_id, case.owner_id, case.status_id, case.from_chat) == (
        FIRST_LINE,
        None,
        STATUS_NEW,
        True,
    )
    assert case.contact_id is not None
    contact = app.creatio.contacts[case.contact_id]
    assert (contact.name, contact.email) == ("Ada Lovelace", "ada@example.com")
    [activity] = app.creatio.activities_of(case.id)
    assert activity.title == "Customer (Ada Lovelace): My invoice is wrong. It says 300 but I paid 200."
    assert activity.body.endswith("\n\nConversation: https://chat.example/inbox/c1")
    assert activity.contact_id == case.contact_id
    row = conversation(app, "c1")
    assert (row["case_id"], row["case_number"], row["contact_state"]) == (case.id, case.number, "created")
    assert unsynced(app, "c1") == []
    assert app.creatio.writes == [("crm.create_case", False)]  # contact, case and activity: one write
    assert [job.state for job in app.db.jobs.values()] == ["done"]
    assert app.queue.completions == []  # marked done by the sync's own recording write


async def test_each_message_becomes_one_activity_in_sent_order_on_the_same_case() -> None:
    app = build_app()
    app.receive(message("c2", "m3", "third", t=30), message("c2", "m1", "first", t=10))  # out of order
    await app.drain()
    app.receive(message("c2", "m2", "second", author="ai", t=20))
    await app.drain()

    case = only_case(app)
    assert case.subject == "first"
    assert titles(app, case.id) == [
        "Customer (Ada Lovelace): first",
        "AI assistant: second",
        "Customer (Ada Lovelace): third",
    ]
    bodies = [a.body for a in app.creatio.activities_of(case.id)]
    assert bodies == ["first\n\nConversation: https://chat.example/inbox/c2", "second", "third"]  # link once
    assert [w for w, _ in app.creatio.writes] == ["crm.create_case", "crm.update_case"]
    assert app.creatio.duplicate_creates == []


async def test_repeated_events_and_syncs_write_nothing_twice() -> None:
    app = build_app()
    first = message("c3", "m1", "Where is my parcel?", t=0)
    app.receive(first, message("c3", "m2", "Let me check.", author="ai", t=5))
    await app.drain()

    assert app.db.receive(first) == "duplicate"
    assert app.db.receive({**first, "id": "evt_resent"}) == "duplicate"  # same message, new event id
    conversation_id = conversation(app, "c3")["id"]
    assert await app.sync.sync(conversation_id, verify_existing=False)
    assert await app.sync.sync(conversation_id, verify_existing=True)
    await app.drain()

    assert len(app.creatio.cases) == 1
    assert len(app.creatio.activities_of(only_case(app).id)) == 2
    assert app.creatio.writes == [("crm.create_case", False)]  # the repeats found nothing to write
    assert app.creatio.duplicate_creates == []


async def test_handoff_only_mode_writes_nothing_before_the_handoff_then_the_whole_transcript() -> None:
    app = build_app(replace(DEFAULT_SETTINGS, create_case_only_on_handoff=True))
    app.receive(
        *(message("h1", f"m{n}", f"message {n}", author="ai" if n % 2 else "customer", t=n) for n in range(6))
    )
    await app.drain()

    assert app.creatio.cases == {}
    assert app.creatio.calls == []  # not even a contact lookup
    [job] = app.db.jobs.values()  # the six events shared one queued sync
    assert job.state == "done"
    assert app.queue.completions == [job.id]  # nothing recorded: the runner completed it
    assert len(unsynced(app, "h1")) == 6

    app.receive(handoff("h1", "Customer needs a refund; order AB-123456", t=500))
    await app.drain()
    case = only_case(app)
    assert (case.subject, case.symptoms) == ("message 0", "Customer needs a refund; order AB-123456")
    assert titles(app, case.id) == [
        *(f"{'AI assistant' if n % 2 else 'Customer (Ada Lovelace)'}: message {n}" for n in range(6)),
        "Handoff to a human: Customer needs a refund; order AB-123456",
    ]
    assert unsynced(app, "h1") == []


@pytest.mark.parametrize(("only_on_handoff", "cases_before_handoff"), [(False, 1), (True, 0)])
async def test_the_setting_decides_whether_a_message_or_the_handoff_creates_the_case(
    only_on_handoff: bool, cases_before_handoff: int
) -> None:
    app = build_app(replace(DEFAULT_SETTINGS, create_case_only_on_handoff=only_on_handoff))
    app.receive(message("s1", "m1", "Hello, my order never arrived.", t=0))
    await app.drain()
    assert len(app.creatio.cases) == cases_before_handoff
    app.receive(handoff("s1", "Order never arrived", t=50))
    await app.drain()
    case = only_case(app)
    # The symptoms are what was known when the case was created.
    assert case.symptoms == ("Order never arrived" if only_on_handoff else "Hello, my order never arrived.")
    assert len(app.creatio.activities_of(case.id)) == 2


async def test_an_existing_contact_is_matched_and_an_unknown_customer_gets_none() -> None:
    app = build_app()
    ada = app.creatio.add_contact("Ada Lovelace", email="ada@customer.example")
    contacts = len(app.creatio.contacts)
    app.receive(
        message("k1", "m1", "Hello", email="ada@customer.example"),
        message("k2", "m1", "Hello", email=None),
    )
    await app.drain()

    assert app.creatio.case(conversation(app, "k1")["case_id"]).contact_id == ada
    assert app.creatio.case(conversation(app, "k2")["case_id"]).contact_id is None
    assert len(app.creatio.contacts) == contacts  # nothing created
    assert (conversation(app, "k1")["contact_state"], conversation(app, "k2")["contact_state"]) == (
        "matched",
        "none",
    )


async def test_a_handoff_sets_owner_group_and_fields_on_the_same_case_and_adds_summary_and_note() -> None:
    autofill = ScriptedAutofill(AutofillResult(fields={"PriorityId": HIGH_PRIORITY}, note="Priority: High"))
    app = build_app(replace(DEFAULT_SETTINGS, default_owner_id=AGENT_MARIA), autofill=autofill)
    app.receive(message("c3", "m1", "I want a refund", t=0))
    await app.drain()
    case = only_case(app)
    assert autofill.calls == []  # nothing is auto-filled before the handoff
    app.creatio.reassign(case.id, owner_id=None, group_id=SECOND_LINE)  # an agent moved it meanwhile

    app.receive(handoff("c3", "Customer wants a refund for order AB-123456", t=50))
    await app.drain()
    assert only_case(app) is case
    assert (case.owner_id, case.group_id, case.fields) == (
        AGENT_MARIA,
        FIRST_LINE,
        {"PriorityId": HIGH_PRIORITY},
    )
    assert titles(app, case.id) == [
        "Customer (Ada Lovelace): I want a refund",
        "Handoff to a human: Customer wants a refund for order AB-123456",
        "AI field auto-fill: Priority: High",
    ]
    [(transcript, case_id)] = autofill.calls
    assert case_id == case.id
    assert [m.text for m in transcript.messages] == [
        "I want a refund",
        "Customer wants a refund for order AB-123456",
    ]
    row = conversation(app, "c3")
    assert row["handoff_applied_at"] == row["handoff_at"] is not None
    assert row["status"] == "handed_off"

    assert await app.sync.sync(row["id"], verify_existing=True)  # a repeat: the handoff is applied
    assert len(autofill.calls) == 1
    assert len(app.creatio.activities_of(case.id)) == 3


async def test_a_failing_autofill_never_blocks_the_handoff() -> None:
    app = build_app(autofill=ScriptedAutofill(error=RuntimeError("the LLM is down")))
    app.receive(message("c5", "m1", "I want a refund", t=0), handoff("c5", "Refund wanted", t=50))
    await app.drain()

    case = only_case(app)
    assert case.fields == {}
    assert titles(app, case.id)[-1] == "Handoff to a human: Refund wanted"
    assert conversation(app, "c5")["autofill_fields"] == "{}"
    assert [job.state for job in app.db.jobs.values()] == ["done"]


async def test_a_resolution_sets_the_resolved_status_and_a_new_customer_message_reopens() -> None:
    app = build_app()
    app.receive(message("c4", "m1", "How do I reset my password?", t=0), resolved("c4", t=60))
    await app.drain()
    case = only_case(app)
    assert case.status_id == STATUS_RESOLVED
    assert app.creatio.writes == [("crm.create_case", False)]  # the status came with the new case
    assert conversation(app, "c4")["case_status_applied"] == "resolved"

    app.receive(message("c4", "m2", "It did not work", t=120))
    await app.drain()
    assert case.status_id == STATUS_REOPENED
    row = conversation(app, "c4")
    assert (row["status"], row["case_status_applied"]) == ("open", "reopened")
    assert len(app.creatio.activities_of(case.id)) == 2


async def test_a_resolution_without_a_resolved_status_warns_instead_of_failing() -> None:
    app = build_app(replace(DEFAULT_SETTINGS, resolved_status_id=None))
    app.receive(message("w1", "m1", "Where is my parcel?"), resolved("w1"))
    await app.drain()

    assert only_case(app).status_id == STATUS_NEW
    row = conversation(app, "w1")
    assert "no Resolved Status ID is configured" in row["warning"]
    assert row["case_status_applied"] is None
    assert [job.state for job in app.db.jobs.values()] == ["done"]


async def test_jobs_wait_without_spending_attempts_while_creatio_is_not_connected() -> None:
    app = build_app()
    app.connection.connected = False
    app.receive(message("n1", "m1", "hello"))
    await app.drain()
    [job] = app.db.jobs.values()
    assert (job.state, job.attempts) == ("queued", 0)
    assert "not connected" in (job.last_error or "")
    assert app.creatio.calls == []

    app.connection.connected = True
    await app.drain_later(60)
    assert (job.state, len(app.creatio.cases)) == ("done", 1)


async def test_a_temporary_failure_is_retried_later_and_the_retry_checks_what_exists() -> None:
    app = build_app()
    app.creatio.fail_next(
        1, TemporaryFailure("Creatio answered 503", retry_after=2.0), calls=["crm.create_case"]
    )
    app.receive(message("t1", "m1", "Hello"))
    await app.drain()

    [job] = app.db.jobs.values()
    assert (job.state, job.attempts, job.last_error) == (
        "queued",
        1,
        "TemporaryFailure: Creatio answered 503",
    )
    assert job.run_after > datetime.now(UTC) + timedelta(seconds=1.5)  # not before its Retry-After
    assert app.creatio.cases == {}
    await app.drain()  # not due yet
    assert job.attempts == 1

    await app.drain_later(5)
    assert (job.state, job.attempts) == ("done", 2)
    assert app.creatio.writes == [("crm.create_case", False), ("crm.create_case", True)]
    assert len(app.creatio.activities_of(only_case(app).id)) == 1
    assert unsynced(app, "t1") == []


async def test_an_answer_lost_after_the_write_is_retried_without_duplicates_and_later_values_land() -> None:
    """Creatio wrote the case but its answer was lost; before the retry, more happened in the chat."""
    app = build_app()
    contacts = len(app.creatio.contacts)
    app.creatio.fail_next(
        1, TemporaryFailure("Creatio timed out"), calls=["crm.create_case"], after_write=True
    )
    app.receive(message("a1", "m1", "Printer on fire", t=0))
    await app.drain()
    assert len(app.creatio.cases) == 1  # written despite the failure
    assert conversation(app, "a1")["case_created_at"] is None  # but not recorded as such

    app.receive(message("a1", "m2", "Now it is smoking", t=30), resolved("a1", t=60))
    await app.drain_later()

    case = only_case(app)
    assert case.status_id == STATUS_RESOLVED  # patched onto the case the lost answer had created
    assert titles(app, case.id) == [
        "Customer (Ada Lovelace): Printer on fire",
        "Customer (Ada Lovelace): Now it is smoking",
    ]
    assert len(app.creatio.contacts) == contacts + 1
    assert app.creatio.duplicate_creates == []
    assert conversation(app, "a1")["contact_state"] == "created"
    assert [job.state for job in app.db.jobs.values()] == ["done"]


async def test_a_permanent_failure_dead_letters_the_job_until_an_admin_retries_it() -> None:
    app = build_app()
    app.creatio.fail_next(1, PermanentFailure("Creatio answered 403: no right to read Contact"))
    app.receive(message("x1", "m1", "Hello"))
    await app.drain()
    [job] = app.db.jobs.values()
    assert (job.state, job.attempts) == ("dead", 1)
    assert "403" in (job.last_error or "")
    assert app.creatio.cases == {}
    await app.drain_later(3600)  # never retried on its own
    assert job.state == "dead"
    assert unsynced(app, "x1") == ["Hello"]

    assert await app.queue.retry_dead(job.id)
    await app.drain()
    assert job.state == "done"
    assert len(app.creatio.cases) == 1
    assert unsynced(app, "x1") == []


async def test_a_job_out_of_attempts_is_dead_lettered() -> None:
    app = build_app()
    app.creatio.fail_next(3, TemporaryFailure("Creatio answered 502"))
    app.receive(message("r1", "m1", "Hello"))
    [job] = app.db.jobs.values()
    job.max_attempts = 3
    for _ in range(3):
        await app.drain_later()
    assert (job.state, job.attempts) == ("dead", 3)
    assert app.creatio.pending_faults == 0
    assert app.creatio.cases == {}


def case_text(app: InMemoryApp) -> tuple[str, str]:
    case = only_case(app)
    return case.subject, case.symptoms


async def test_an_earlier_customer_message_received_later_gives_the_subject_and_symptoms() -> None:
    app = build_app()
    app.receive(message("e1", "m2", "Let me check.", author="ai", t=5))  # the AI's reply arrives first
    await app.drain()
    assert case_text(app) == ("Chat conversation e1", "")

    app.receive(message("e1", "m1", "My invoice is wrong. It says 300 but I paid 200.", t=0))
    await app.drain()
    assert case_text(app) == (
        "My invoice is wrong.",
        "My invoice is wrong. It says 300 but I paid 200.",
    )
    assert app.creatio.calls.count("crm.read_case") == 1  # the agent-edit check, only now
    row = conversation(app, "e1")
    assert (row["subject_written"], row["symptoms_written"]) == case_text(app)
    assert (row["subject_sending"], row["symptoms_sending"], row["case_text_edited_at"]) == (None,) * 3

    app.receive(message("e1", "m3", "Also, the due date is wrong.", t=10))  # sent later: changes nothing
    await app.drain()
    assert case_text(app)[0] == "My invoice is wrong."
    assert app.creatio.calls.count("crm.read_case") == 1
    assert [w for w, _ in app.creatio.writes] == ["crm.create_case", "crm.update_case", "crm.update_case"]


async def test_a_customer_message_sent_before_the_one_that_created_the_case_replaces_its_text() -> None:
    app = build_app()
    app.receive(message("e2", "m2", "Still waiting", t=60), resolved("e2", t=90))
    await app.drain()
    assert case_text(app) == ("Still waiting", "Still waiting")

    app.receive(message("e2", "m1", "Where is my parcel now? It is a week late.", t=0))
    await app.drain()
    assert case_text(app) == ("Where is my parcel now?", "Where is my parcel now? It is a week late.")
    assert only_case(app).status_id == STATUS_RESOLVED


async def test_without_a_change_of_text_creatio_is_not_read() -> None:
    app = build_app()
    app.receive(message("e3", "m1", "Hello", t=0))
    await app.drain()
    app.receive(message("e3", "m2", "Hi!", author="ai", t=5), handoff("e3", "Wants a human", t=20))
    await app.drain()
    app.receive(message("e3", "m3", "Thanks", t=30), resolved("e3", t=40))
    await app.drain()
    assert "crm.read_case" not in app.creatio.calls
    assert case_text(app) == ("Hello", "Hello")


async def test_an_agents_edit_is_kept_and_casebridge_never_rewrites_the_text_again() -> None:
    app = build_app()
    app.receive(message("e4", "m2", "And it is late", t=30))
    await app.drain()
    case = only_case(app)
    app.creatio.edit_text(case.id, subject="Late parcel, order AB-1")

    app.receive(message("e4", "m1", "My parcel is damaged", t=0))
    await app.drain()
    assert case_text(app) == ("Late parcel, order AB-1", "And it is late")  # neither is touched
    row = conversation(app, "e4")
    assert row["case_text_edited_at"] is not None
    assert row["subject_written"] == "And it is late"  # what Casebridge wrote, kept for the record
    reads = app.creatio.calls.count("crm.read_case")

    app.creatio.edit_text(case.id, subject="And it is late")  # even back to Casebridge's own text
    app.receive(message("e4", "m0", "Hello?", t=-10))
    await app.drain()
    assert case_text(app) == ("And it is late", "And it is late")
    assert app.creatio.calls.count("crm.read_case") == reads  # the decision is recorded: no more reads
    assert len(app.creatio.activities_of(case.id)) == 3


@pytest.mark.parametrize("after_write", [False, True])
async def test_a_failed_rewrite_is_retried_and_never_mistaken_for_an_agents_edit(after_write: bool) -> None:
    """The answer of the write is lost (after_write: Creatio wrote it), and before the retry a customer
    message sent even earlier arrives."""
    app = build_app()
    app.receive(message("e5", "m3", "third", t=30))
    await app.drain()
    app.creatio.fail_next(
        1, TemporaryFailure("Creatio timed out"), calls=["crm.update_case"], after_write=after_write
    )
    app.receive(message("e5", "m2", "second", t=20))
    await app.drain()
    assert case_text(app) == (("second",) * 2 if after_write else ("third",) * 2)
    row = conversation(app, "e5")
    assert (row["subject_written"], row["subject_sending"]) == ("third", "second")

    app.receive(message("e5", "m1", "first", t=10))
    await app.drain_later()
    assert case_text(app) == ("first", "first")
    row = conversation(app, "e5")
    assert (row["subject_written"], row["symptoms_written"]) == ("first", "first")
    assert (row["subject_sending"], row["case_text_edited_at"]) == (None, None)
    assert app.creatio.duplicate_creates == []
    assert [job.state for job in app.db.jobs.values()] == ["done"] * 2


async def test_a_retry_finding_its_text_already_written_only_records_it() -> None:
    app = build_app()
    app.receive(message("e6", "m2", "second", t=20))
    await app.drain()
    app.creatio.fail_next(
        1, TemporaryFailure("Creatio timed out"), calls=["crm.update_case"], after_write=True
    )
    app.receive(message("e6", "m1", "first", t=10))
    await app.drain()
    await app.drain_later()

    assert case_text(app) == ("first", "first")
    row = conversation(app, "e6")
    assert (row["subject_written"], row["subject_sending"], row["case_text_edited_at"]) == (
        "first",
        None,
        None,
    )
    assert app.creatio.writes == [
        ("crm.create_case", False),
        ("crm.update_case", False),
        ("crm.update_case", True),  # the activity: Creatio has it already, so nothing is written twice
    ]
    assert app.creatio.duplicate_creates == []


async def test_handoff_only_mode_keeps_the_summary_as_symptoms_and_takes_the_subject_when_it_arrives() -> (
    None
):
    app = build_app(replace(DEFAULT_SETTINGS, create_case_only_on_handoff=True))
    app.receive(message("e7", "m2", "Let me connect you.", author="ai", t=5), handoff("e7", "Refund wanted"))
    await app.drain()
    assert case_text(app) == ("Refund wanted", "Refund wanted")

    app.receive(message("e7", "m1", "I want my money back for order AB-1", t=0))
    await app.drain()
    assert case_text(app) == ("I want my money back for order AB-1", "Refund wanted")


async def test_a_case_created_before_casebridge_recorded_its_text_is_left_as_it_is() -> None:
    app = build_app()
    app.receive(message("e8", "m2", "second", t=20))
    await app.drain()
    app.db.update_conversation(
        conversation(app, "e8")["id"], {"subject_written": None, "symptoms_written": None}
    )

    app.receive(message("e8", "m1", "first", t=10))
    await app.drain()
    assert case_text(app) == ("second", "second")
    assert "crm.read_case" not in app.creatio.calls
