"""Builds what both the web app and a standalone worker need: storage, secrets, the Creatio
connection and the job runner with its handlers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from contextlib import AsyncExitStack, suppress
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Protocol

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from app.adapters.creatio import build_http_client
from app.bootstrap.autofill import build_autofill
from app.bootstrap.chat_platforms import ChatPlatforms, build_chat_platforms
from app.bootstrap.crm_to_chat import CrmToChatSetup, build_crm_to_chat
from app.bootstrap.secrets import resolve_secret
from app.bootstrap.worker_slot import claim_worker_slot, vacant_slots
from app.crm_connection.service import ConnectionService
from app.db.crypto import SecretBox
from app.db.engine import SessionFactory, create_engine, create_session_factory, upgrade_to_head
from app.db.stores.conversations import ConversationStore
from app.db.stores.crm_connection import ConnectionStore
from app.db.stores.intake import EventIntake
from app.db.stores.jobs import JobQueue
from app.db.transactions import Transactions, build_transactions
from app.domain.crm_connection import ConnectionSettings
from app.pipeline.autofill.fill import AutofillSetup
from app.pipeline.chat_to_crm.sync import ConversationSync
from app.pipeline.jobs import JobRunner, RetryPolicy, RunnerConfig
from app.ports.chat_platforms import ChatPlatform
from app.ports.jobs import JobKind
from app.settings import Settings

logger = logging.getLogger(__name__)


@dataclass
class Adapters:
    """External-system transports; tests inject fakes here, production leaves them None."""

    creatio_http: httpx.AsyncClient | None = None
    chat_http: httpx.AsyncClient | None = None  # deliveries to the chat platform (tests: a fake)
    llm_http: httpx.AsyncClient | None = None  # the LLM adapter's transport (tests: a fake)
    chat_platforms: tuple[ChatPlatform, ...] = ()  # more chat platforms beside Chatwoot (tests: a fake)


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessions: SessionFactory
    connection: ConnectionService
    runner: JobRunner
    transactions: Transactions  # the hot-path stores' units of work (a group-commit writer on SQLite)
    intake: EventIntake  # stores accepted chat events
    secrets: dict[str, str] = field(repr=False, default_factory=dict)
    autofill: AutofillSetup | None = None
    crm_to_chat: CrmToChatSetup | None = None  # Creatio to chat: webhook token, deliveries, reconciliation
    creatio_http: httpx.AsyncClient | None = None  # towards Creatio (and the demo's sandbox control API)
    chat_platforms: ChatPlatforms | None = None  # chat connectors (Chatwoot, ...): platforms and saved ones


def _secret(settings: Settings, name: str, generate: bool = False) -> str:
    configured = getattr(settings, name)
    return resolve_secret(
        configured.get_secret_value() if configured else None,
        env_name=f"CASEBRIDGE_{name.upper()}",
        data_dir=settings.data_dir,
        file_name=name.replace("_", "-"),
        development=settings.is_development,
        generate=SecretBox.generate_key if generate else None,
    )


async def build_runtime(settings: Settings, adapters: Adapters, stack: AsyncExitStack) -> Runtime:
    secrets = {name: _secret(settings, name) for name in ("admin_token", "chat_signing_secret")}
    secret_key = _secret(settings, "secret_key", generate=True)
    engine = create_engine(settings.effective_database_url)
    stack.push_async_callback(engine.dispose)
    await upgrade_to_head(engine)
    sessions = create_session_factory(engine)
    transactions = build_transactions(engine, stack)
    http = adapters.creatio_http
    if http is None:
        http = build_http_client(
            timeout_seconds=settings.creatio_timeout_seconds,
            max_connections=settings.creatio_max_connections or settings.creatio_max_concurrency,
        )
        stack.push_async_callback(http.aclose)
    box = SecretBox(secret_key)
    connection = ConnectionService(
        ConnectionStore(sessions, box),
        http,
        allow_insecure_loopback=settings.is_development,
        max_concurrency=settings.creatio_max_concurrency,
        contact_match_on=settings.contact_match_on,
        reopen_status_name=settings.reopen_status_name,
    )
    await connection.load()
    await _apply_env_seed(settings, connection, stack)
    autofill = build_autofill(settings, lambda: connection.client, sessions, stack, adapters.llm_http)
    connection.saved_listeners.append(autofill.on_connection_saved)
    sync = ConversationSync(ConversationStore(transactions), connection, autofill.port)
    chat_platforms = await build_chat_platforms(
        settings, sessions, box, adapters.chat_http, stack, extra=adapters.chat_platforms
    )
    columns = [f.column for f in autofill.mapping.fields] if autofill.service is not None else []
    crm_to_chat = await build_crm_to_chat(
        settings, sessions, connection, box, adapters.chat_http, stack, chat_platforms, field_columns=columns
    )
    handlers = {JobKind.SYNC_CONVERSATION: sync.handle, **crm_to_chat.handlers}
    queue = JobQueue(transactions)
    slot = claim_worker_slot(settings.data_dir, stack)
    runner = JobRunner(
        queue,
        handlers,
        _runner_config(settings),
        worker_id=slot.worker_id if slot else None,
    )
    if slot is not None:
        await _take_back_orphans(queue, settings.data_dir, slot.prefix)
    _follow_saves((connection, chat_platforms.connectors), settings.connection_refresh_seconds, stack)
    return Runtime(
        settings,
        engine,
        sessions,
        connection,
        runner,
        transactions,
        EventIntake(transactions, timedelta(seconds=settings.sync_delay_seconds)),
        secrets,
        autofill=autofill,
        crm_to_chat=crm_to_chat,
        creatio_http=http,
        chat_platforms=chat_platforms,
    )


class _FollowsSaves(Protocol):
    async def follow_saved(self) -> bool: ...


def _follow_saves(saved: Sequence[_FollowsSaves], interval: float, stack: AsyncExitStack) -> None:
    """Every process, with or without a job runner, takes up the Creatio connection and the chat connectors
    saved by another process within `interval` seconds. Reading the version before every claim (or every
    webhook) instead held up the job runner measurably in live traffic (docs/performance.md)."""

    async def follow() -> None:
        while True:
            await asyncio.sleep(interval)
            for each in saved:
                await each.follow_saved()

    task = asyncio.create_task(follow(), name="casebridge-connection-follow")

    async def stop() -> None:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task

    stack.push_async_callback(stop)


def _runner_config(settings: Settings) -> RunnerConfig:
    return RunnerConfig(
        concurrency=max(1, settings.workers),
        poll_seconds=settings.job_poll_seconds,
        lease_seconds=settings.job_lease_seconds,
        job_timeout_seconds=settings.job_timeout_seconds,
        max_attempts=settings.job_max_attempts,
        policy=RetryPolicy(base_seconds=settings.retry_base_seconds, max_seconds=settings.retry_max_seconds),
    )


async def _take_back_orphans(queue: JobQueue, data_dir: Path, own_prefix: str) -> None:
    """Queue again, at once, the jobs left running by dead processes of this data directory: this slot's
    previous holder and those of every other slot no live process holds (app/bootstrap/worker_slot.py)."""
    with vacant_slots(data_dir) as others:
        for prefix in (own_prefix, *others):
            if released := await queue.release_leases(prefix):
                logger.info(
                    "jobs left running by a dead process queued again",
                    extra={"count": released, "slot": prefix, "own_slot": prefix == own_prefix},
                )


def start_runner(runtime: Runtime, stack: AsyncExitStack) -> None:
    """Run jobs in this process until the stack closes; in-flight jobs finish first."""
    stop = asyncio.Event()
    task = asyncio.create_task(runtime.runner.run(stop), name="casebridge-jobs")
    logger.info("job runner started", extra={"worker_id": runtime.runner.worker_id})

    async def shutdown() -> None:
        stop.set()
        await task

    stack.push_async_callback(shutdown)
    if runtime.crm_to_chat is not None:  # closed before the runner: stops queueing checks first
        runtime.crm_to_chat.start_reconcile(stack, runtime.runner.wake)


async def _apply_env_seed(settings: Settings, connection: ConnectionService, stack: AsyncExitStack) -> None:
    seed = seed_from_settings(settings)
    if seed is None or not await connection.seed(seed, overwrite=settings.creatio_seed_overwrites):
        return
    logger.info("creatio connection seeded from the environment", extra={"instance_url": seed.instance_url})
    task = asyncio.create_task(_verify_seed(connection))

    async def stop_verifying() -> None:
        # Awaited, not just cancelled: a query cancelled while the engine is disposed can hang shutdown.
        task.cancel()
        with suppress(asyncio.CancelledError, Exception):  # its outcome was logged (or is moot now)
            await task

    stack.push_async_callback(stop_verifying)


async def _verify_seed(connection: ConnectionService) -> None:
    report = await connection.verify_saved()
    if report is None:
        return
    failure = report.first_failure()
    if failure is None:
        logger.info("creatio connection from the environment verified")
    else:
        logger.error(
            "creatio connection from the environment failed its test",
            extra={"check": failure.name, "problem": failure.message, "hint": failure.hint},
        )


def seed_from_settings(settings: Settings) -> ConnectionSettings | None:
    if not settings.has_creatio_seed:
        return None
    assert settings.creatio_instance_url
    assert settings.creatio_client_id
    assert settings.creatio_client_secret
    return ConnectionSettings(
        instance_url=settings.creatio_instance_url,
        identity_url=settings.creatio_identity_url,
        client_id=settings.creatio_client_id,
        client_secret=settings.creatio_client_secret,
        default_owner_id=settings.creatio_default_owner_id,
        default_group_id=settings.creatio_default_group_id,
        resolved_status_id=settings.creatio_resolved_status_id,
        create_case_only_on_handoff=settings.creatio_create_case_only_on_handoff,
        platform=settings.creatio_platform,
    )
