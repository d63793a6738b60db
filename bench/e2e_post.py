"""Posts whole conversations to Casebridge: each sender takes the next conversation and sends its
events in order (messages, then handoff, then resolved), waiting for each answer."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx

from bench.clients import sender_client
from bench.events import conversation_events, signed

EVENTS_PATH = "/api/v1/events"


async def post_conversations(
    url: str, conversations: int, senders: int, run_id: str, secret: str
) -> dict[str, Any]:
    """Post `conversations` conversations with `senders` concurrent senders; count answer statuses."""
    pending = iter(range(conversations))
    statuses: Counter[str] = Counter()

    async def sender() -> None:
        async with sender_client(url, timeout=60.0) as http:
            for n in pending:
                for event in conversation_events(conversation_id(run_id, n), n):
                    body, headers = signed(event, secret)
                    try:
                        response = await http.post(EVENTS_PATH, content=body, headers=headers)
                        statuses[str(response.status_code)] += 1
                    except httpx.HTTPError as exc:
                        statuses[type(exc).__name__] += 1

    await asyncio.gather(*(sender() for _ in range(senders)))
    return {"events": sum(statuses.values()), "statuses": dict(statuses)}


def conversation_id(run_id: str, n: int) -> str:
    return f"{run_id}-conv-{n:05d}"
