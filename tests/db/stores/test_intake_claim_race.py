"""An event stored while a worker claims its conversation's queued sync gets a sync job of its own
(PostgreSQL): the chaos run found conversations whose last event never reached Creatio, because the
event counted the job being claimed as still queued and the worker had read the conversation before it."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from sqlalchemy import text

from app.db.engine import create_engine, upgrade_to_head
from app.db.stores.intake import store_event
from app.db.stores.jobs import claim_jobs
from app.domain.events import CHAT_EVENT
from tests.support.events import handoff, message

pytestmark = pytest.mark.postgres


async def test_an_event_stored_while_its_queued_sync_is_claimed_gets_a_job_of_its_own(
    postgres_url: str,
) -> None:
    engine = create_engine(postgres_url)
    await upgrade_to_head(engine)
    first, second = message("race-1", "m0", "Hello"), handoff("race-1", "needs a human")
    try:
        async with engine.begin() as conn:
            await conn.run_sync(store_event, CHAT_EVENT.validate_python(first), json.dumps(first).encode())
        async with engine.connect() as claimer:
            await claimer.begin()
            claimed = await claimer.run_sync(claim_jobs, "worker-a", 10, timedelta(seconds=30))
            assert len(claimed) == 1  # claimed, not committed yet: the worker is about to read

            async def store_second() -> None:
                async with engine.begin() as conn:
                    event = CHAT_EVENT.validate_python(second)
                    await conn.run_sync(store_event, event, json.dumps(second).encode())

            storing = asyncio.create_task(store_second())
            await asyncio.sleep(0.5)
            assert not storing.done()  # it waits for the twin the claim holds...
            await claimer.commit()
        await asyncio.wait_for(storing, 10)
        async with engine.connect() as conn:
            states = (await conn.execute(text("SELECT state FROM jobs ORDER BY id"))).scalars().all()
        assert states == ["running", "queued"]  # ...then queues a job of its own
    finally:
        await engine.dispose()
