"""Whatever order a conversation's events arrive in, with syncs and failures between them, the case's Subject
and Symptoms end up from the customer message sent first (ConversationSync on the in-memory ports)."""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

import pytest

from app.domain.case_text import subject_from
from app.ports.errors import TemporaryFailure
from tests.support.events import handoff, message, resolved
from tests.support.wiring import DEFAULT_SETTINGS, build_app

FIRST = "My invoice is wrong. It says 300 but I paid 200 last week."
SUMMARY = "Customer disputes the amount of invoice INV-42"
PERMUTATIONS = 150  # per mode and fault setting: a few milliseconds each


def events(conv_id: str) -> list[dict[str, Any]]:
    return [
        message(conv_id, "c1", FIRST, t=10),
        message(conv_id, "a1", "Let me look at your invoice.", author="ai", t=15),
        message(conv_id, "c2", "Hello? Anyone there? I am still waiting.", t=25),
        message(conv_id, "a2", "I am passing you to a colleague.", author="ai", t=30),
        message(conv_id, "c3", "Please hurry, the payment is due tomorrow.", t=45),
        handoff(conv_id, SUMMARY, t=50),
        resolved(conv_id, t=70),
    ]


@pytest.mark.parametrize("faults", [False, True], ids=["no-faults", "faults"])
@pytest.mark.parametrize("only_on_handoff", [False, True], ids=["every-conversation", "handoff-only"])
async def test_the_first_sent_customer_message_wins_in_any_arrival_order(
    only_on_handoff: bool, faults: bool
) -> None:
    rng = random.Random(f"{only_on_handoff}-{faults}")
    expected = (subject_from(FIRST, ""), SUMMARY if only_on_handoff else FIRST)
    wrong_text: list[list[str]] = []
    wrong_record: list[list[str]] = []
    for run in range(PERMUTATIONS):
        app = build_app(replace(DEFAULT_SETTINGS, create_case_only_on_handoff=only_on_handoff))
        shuffled = events(f"p{run}")
        rng.shuffle(shuffled)
        for event in shuffled:
            app.receive(event)
            if rng.random() < 0.6:
                if faults and not app.creatio.pending_faults and rng.random() < 0.5:
                    call = rng.choice(["crm.create_case", "crm.update_case", "crm.read_case"])
                    error = TemporaryFailure("Creatio timed out")
                    app.creatio.fail_next(1, error, calls=[call], after_write=rng.random() < 0.5)
                await app.drain()
        for _ in range(5):  # retries fall due
            await app.drain_later()

        order = [e["id"].split("_", 2)[2] for e in shuffled]
        [case] = app.creatio.cases.values()
        if (case.subject, case.symptoms) != expected:
            wrong_text.append(order)
        row = app.db.conversation(f"p{run}")
        recorded = (row["subject_written"], row["symptoms_written"])
        if recorded != expected or (row["subject_sending"], row["case_text_edited_at"]) != (None, None):
            wrong_record.append(order)
        assert app.creatio.duplicate_creates == [], order
        assert {job.state for job in app.db.jobs.values()} == {"done"}, order

    assert not wrong_text, f"{len(wrong_text)} of {PERMUTATIONS} arrival orders, e.g. {wrong_text[:3]}"
    assert not wrong_record, f"{len(wrong_record)} of {PERMUTATIONS} arrival orders, e.g. {wrong_record[:3]}"
