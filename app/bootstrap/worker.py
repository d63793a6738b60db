"""`casebridge worker`: runs jobs in a process of its own until SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import signal
from contextlib import AsyncExitStack

from app.bootstrap.runtime import Adapters, build_runtime
from app.settings import Settings

logger = logging.getLogger(__name__)


async def run_worker(settings: Settings, adapters: Adapters | None = None) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with AsyncExitStack() as stack:
        runtime = await build_runtime(settings, adapters or Adapters(), stack)
        if runtime.crm_to_chat is not None:
            runtime.crm_to_chat.start_reconcile(stack, runtime.runner.wake)
        logger.info("worker started", extra={"worker_id": runtime.runner.worker_id})
        await runtime.runner.run(stop)
    logger.info("worker stopped")
    return 0
