"""The harness floor: the same Creatio requests through Casebridge's adapter with nothing else running.

The lower bound (requests x latency / concurrency) assumes the sandbox answers each request in exactly its
latency. It cannot quite: it is one Python process, requests that arrive together are processed one
after another, and the client has its own costs. This sends what the end-to-end conversations cost (per
conversation one GET Contact and one $batch of 10 creates) from a bare CreatioClient at the same
concurrency, against a fresh sandbox with the same latency, and reports its wall time over the same lower
bound: no client in one Python process gets below it on this machine, so Casebridge's own share is the
difference.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path
from typing import Any

from app.adapters.creatio import CreatioClient, build_http_client
from app.adapters.creatio.batch import BatchOperation
from app.adapters.creatio.instance import CreatioInstance
from bench.e2e_figures import lower_bound_seconds
from bench.servers import SANDBOX_CLIENT_ID, SANDBOX_SECRET, start_sandbox

BATCH_SIZE = 10  # POST Contact, POST Case and 8 activities, as in bench/minimum.py


def measure_floor(
    port: int, latency_ms: int, concurrency: int, conversations: int, log_dir: Path
) -> dict[str, Any]:
    sandbox = start_sandbox(port, latency_ms, log_dir)
    try:
        wall = asyncio.run(_run(f"http://127.0.0.1:{port}", concurrency, conversations))
    finally:
        sandbox.stop()
    requests = 2 * conversations
    bound = lower_bound_seconds(requests, latency_ms, concurrency)
    return {
        "conversations": conversations,
        "requests": requests,
        "wall_seconds": round(wall, 2),
        "lower_bound_seconds": round(bound, 2),
        "ratio": round(wall / bound, 2),
    }


async def _run(url: str, concurrency: int, conversations: int) -> float:
    instance = CreatioInstance(
        instance_url=url, client_id=SANDBOX_CLIENT_ID, client_secret=SANDBOX_SECRET, platform="netframework"
    )
    async with build_http_client(max_connections=concurrency) as http:
        client = CreatioClient(instance, http, max_concurrency=concurrency)
        await client.authenticate()
        slots = asyncio.Semaphore(2 * concurrency)  # like Casebridge's workers: more jobs than slots

        async def conversation(n: int) -> None:
            async with slots:
                email = f"floor-{n}@bench.example"
                await client.list("Contact", filter=f"Email eq '{email}'", select=["Id"], top=1)
                operations = [
                    BatchOperation.create("Activity", {"Id": str(uuid.uuid4()), "Title": f"floor {n}"})
                    for _ in range(BATCH_SIZE)
                ]
                await client.batch(operations)

        started = time.perf_counter()
        await asyncio.gather(*(conversation(n) for n in range(conversations)))
        return time.perf_counter() - started
