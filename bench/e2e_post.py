"""Posts whole conversations to Casebridge: each sender takes the next conversation and sends its
events in order (messages, then handoff, then resolved), waiting for each answer.

Senders use the raw HTTP/1.1 client of the intake load generator (bench/rawhttp.py): the posting shares
the 2 cores with Casebridge and the sandbox, and httpx clients cost far more CPU at these rates (the
poster's CPU is printed: docs/performance.md, 'End to end').
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from bench.events import conversation_events, signed
from bench.rawhttp import RawConnection, RawHttpError
from bench.stats import own_cpu_seconds

EVENTS_PATH = "/api/v1/events"


async def post_conversations(
    url: str, conversations: int, senders: int, run_id: str, secret: str
) -> dict[str, Any]:
    """Post `conversations` conversations with `senders` concurrent senders; count answer statuses."""
    pending = iter(range(conversations))
    statuses: Counter[str] = Counter()
    cpu_before = own_cpu_seconds()

    async def sender() -> None:
        http = await RawConnection.open(url)
        try:
            for n in pending:
                for event in conversation_events(conversation_id(run_id, n), n):
                    body, headers = signed(event, secret)
                    try:
                        statuses[str((await http.post(EVENTS_PATH, body, headers))[0])] += 1
                    except (OSError, asyncio.IncompleteReadError, RawHttpError) as exc:
                        statuses[type(exc).__name__] += 1
                        await http.close()  # the connection's state is unknown: start a fresh one
                        http = await RawConnection.open(url)
        finally:
            await http.close()

    await asyncio.gather(*(sender() for _ in range(senders)))
    return {
        "events": sum(statuses.values()),
        "statuses": dict(statuses),
        "poster_cpu_seconds": round(own_cpu_seconds() - cpu_before, 2),
    }


def conversation_id(run_id: str, n: int) -> str:
    return f"{run_id}-conv-{n:05d}"
