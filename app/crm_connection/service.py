"""Owns the live Creatio client: loads the saved connection, runs Test & Save (every check in order;
authentication and access failures stop the rest), swaps the client, and takes up a connection another
process saved. Also what the admin pages read
through a connection: the saved one as shown, the pick lists (through the saved connection or the one
being typed), a case's activities."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import httpx
from pydantic import SecretStr

from app.adapters.creatio import (
    CreatioClient,
    CreatioError,
    CreatioInstance,
    InvalidCreatioUrl,
    TokenState,
    normalize_identity_url,
    normalize_instance_url,
)
from app.adapters.creatio.crm import CreatioCrm, translated_errors
from app.adapters.creatio.lookups import read_pick_lists
from app.crm_connection.checks import (
    LOOKUP_CHECKS,
    CheckContext,
    ConnectionTestReport,
    check_authentication,
    check_odata_access,
    check_odata_root,
    check_token_endpoint,
    normalise_urls,
)
from app.crm_connection.self_test import SelfTestOptions, SelfTestReport, run_self_test
from app.db.stores.crm_connection import ConnectionStore, SavedConnection
from app.domain.creatio_platforms import PlatformChoice
from app.domain.crm_connection import (
    ConnectionSettings,
    ConnectionSettingsInput,
    ConnectionSettingsView,
    PickLists,
)
from app.ports.errors import NotConnected
from app.ports.external import CrmPort, SyncSettings

logger = logging.getLogger(__name__)


class ConnectionInputError(ValueError):
    """The submitted settings cannot be tested as they are; the message says what to fix."""


@dataclass(frozen=True)
class ConnectionState:
    configured: bool
    verified_at: datetime | None
    token: TokenState | None


@dataclass(frozen=True)
class PickListsRead:
    lists: PickLists | None
    problem: str | None = None  # why there are none, written for the admin
    source: str = ""  # "saved" | "entered": the connection they were read through


class ConnectionService:
    def __init__(
        self,
        store: ConnectionStore,
        http: httpx.AsyncClient,
        *,
        allow_insecure_loopback: bool,
        max_concurrency: int,
        contact_match_on: tuple[str, ...] = ("email", "phone"),
        reopen_status_name: str = "Reopened",
    ) -> None:
        self._contact_match_on = contact_match_on
        self._reopen_status_name = reopen_status_name
        self._crm: tuple[CreatioCrm, SyncSettings] | None = None
        self._store = store
        self._http = http
        self._allow_insecure_loopback = allow_insecure_loopback
        self._max_concurrency = max_concurrency
        self._saved: SavedConnection | None = None
        self._version: int | None = None  # of the saved connection in use
        self._client: CreatioClient | None = None
        self._lock = asyncio.Lock()
        # run after a Test & Save here and when a save by another process is taken up
        self.saved_listeners: list[Callable[[], Awaitable[None]]] = []

    async def load(self) -> None:
        self._activate(await self._store.load())

    @property
    def saved(self) -> SavedConnection | None:
        return self._saved

    @property
    def client(self) -> CreatioClient | None:
        """The client for the saved connection, or None when Creatio is not connected yet."""
        return self._client

    def current(self) -> tuple[CrmPort, SyncSettings] | None:
        """The CRM port and sync settings for the saved connection (the pipeline's CurrentCrm)."""
        return self._crm

    def saved_view(self) -> ConnectionSettingsView | None:
        """The saved connection as admins see it: the secret masked, the OData root and token endpoint in
        use (as found by Test & Save, or by the live client since)."""
        saved, client = self._saved, self._client
        if saved is None or client is None:
            return None
        s = saved.settings
        return ConnectionSettingsView(
            instance_url=s.instance_url,
            identity_url=s.identity_url,
            platform=s.platform,
            odata_root=s.odata_root or client.odata_root,
            token_endpoint=s.token_endpoint or client.token_state.token_endpoint,
            client_id=s.client_id,
            default_owner_id=s.default_owner_id,
            default_group_id=s.default_group_id,
            resolved_status_id=s.resolved_status_id,
            create_case_only_on_handoff=s.create_case_only_on_handoff,
            verified_at=saved.verified_at,
        )

    def state(self) -> ConnectionState:
        return ConnectionState(
            configured=self._saved is not None,
            verified_at=self._saved.verified_at if self._saved else None,
            token=self._client.token_state if self._client else None,
        )

    async def test(
        self, data: ConnectionSettingsInput
    ) -> tuple[ConnectionTestReport, ConnectionSettings | None]:
        candidate = self._candidate(data)
        return await run_connection_test(
            candidate,
            self._http,
            allow_insecure_loopback=self._allow_insecure_loopback,
            max_concurrency=self._max_concurrency,
        )

    async def test_and_save(self, data: ConnectionSettingsInput) -> ConnectionTestReport:
        """Save only when every check passes (warnings allowed); the live client switches at once."""
        async with self._lock:
            report, normalised = await self.test(data)
            if not report.ok or normalised is None:
                return report
            self._activate(await self._store.save(normalised, verified=True))
            logger.info("creatio connection saved", extra={"instance_url": normalised.instance_url})
        await self._tell_listeners()
        return report.model_copy(update={"saved": True})

    async def follow_saved(self) -> bool:
        """Take up a connection saved by another process (its version changed): a new client, so a new
        token and fresh caches, and the listeners told. True when it did. Never raises: a database or
        decryption problem is logged and the connection in use stays."""
        try:
            version = await self._store.version()
            if version == self._version:
                return False
            async with self._lock:
                if version == self._version:  # another caller in this process took it up meanwhile
                    return False
                saved = await self._store.load()
                self._activate(saved)
        except Exception as exc:
            logger.warning(
                "could not read the saved creatio connection; keeping the one in use",
                extra={"error": type(exc).__name__},
            )
            return False
        logger.info(
            "creatio connection saved by another process taken up",
            extra={"instance_url": saved.settings.instance_url if saved else None},
        )
        await self._tell_listeners()
        return True

    async def _tell_listeners(self) -> None:
        for listener in self.saved_listeners:  # e.g. the field auto-fill refreshes its lookup GUIDs
            try:
                await listener()
            except Exception:
                logger.exception("a listener of the saved connection failed")

    async def seed(self, settings: ConnectionSettings, *, overwrite: bool) -> bool:
        """Store a connection from the environment without testing it; returns whether it was applied."""
        normalised, checks = normalise_urls(settings, allow_insecure_loopback=self._allow_insecure_loopback)
        if normalised is None:
            raise ConnectionInputError(f"CASEBRIDGE_CREATIO_{checks[-1].name.upper()}: {checks[-1].message}")
        async with self._lock:
            if overwrite:
                self._activate(await self._store.save(normalised, verified=False))
                return True
            if self._saved is not None:
                return False
            saved = await self._store.save_if_absent(normalised)
            if saved is None:  # another process saved one first (several starting at once, one seed)
                self._activate(await self._store.load())
                return False
            self._activate(saved)
            return True

    async def verify_saved(self) -> ConnectionTestReport | None:
        """Test the saved connection (e.g. one seeded from the environment) and mark it verified."""
        saved = self._saved
        if saved is None:
            return None
        report, normalised = await run_connection_test(
            saved.settings,
            self._http,
            allow_insecure_loopback=self._allow_insecure_loopback,
            max_concurrency=self._max_concurrency,
        )
        if report.ok and normalised is not None:
            async with self._lock:
                self._activate(await self._store.save(normalised, verified=True))
        return report

    async def saved_pick_lists(self) -> PickListsRead:
        """Owners, groups and statuses by name, through the saved connection."""
        if self._client is None:
            return PickListsRead(None, "no Creatio connection is saved yet")
        return await _read_pick_lists(self._client, "saved")

    async def entered_pick_lists(
        self,
        instance_url: str,
        identity_url: str | None,
        client_id: str,
        client_secret: str,
        platform: PlatformChoice = "auto",
    ) -> PickListsRead:
        """The same lists through the connection being typed in the settings form. With no secret typed,
        the saved one is used where Test & Save would reuse it, and nowhere else."""
        try:
            instance, identity = self._target(instance_url, identity_url)
        except InvalidCreatioUrl as exc:
            return PickListsRead(None, exc.message)
        secret = client_secret
        if not secret:
            try:
                secret = self._reusable_secret(instance_url, identity_url).get_secret_value()
            except ConnectionInputError:
                return PickListsRead(
                    None, "type the client secret to read them from this Creatio, or paste GUIDs"
                )
            saved = self._saved.settings if self._saved else None
            if (
                self._client is not None
                and saved
                and (saved.client_id, saved.platform) == (client_id, platform)
            ):
                return await _read_pick_lists(self._client, "saved")
        entered = CreatioClient(CreatioInstance(instance, client_id, secret, identity, platform), self._http)
        return await _read_pick_lists(entered, "entered")

    async def case_activities(
        self, case_id: UUID, columns: Sequence[str], limit: int
    ) -> list[dict[str, Any]]:
        """A case's activities, oldest first, read live through the saved connection (raises the ports'
        errors: NotConnected, TemporaryFailure, ...)."""
        client = self._client
        if client is None:
            raise NotConnected("No Creatio connection is saved.")
        async with translated_errors():
            return await client.list_case_activities(case_id, select=columns, limit=limit)

    async def self_test(self, options: SelfTestOptions, *, write: bool) -> SelfTestReport:
        """The live self-test of the saved connection (creates and deletes marked records only with
        `write`); raises NotConnected when none is saved."""
        saved = self._saved
        if saved is None:
            raise NotConnected("No Creatio connection is saved yet: Test & Save one first.")
        instance = to_creatio_instance(saved.settings)
        report = await run_self_test(
            instance, saved.settings, self._http, options, write=write, max_concurrency=self._max_concurrency
        )
        failed = [step.name for step in report.steps if step.status == "failed"]
        left = [f"{item.entity_set} {item.id}" for item in report.leftovers]
        logger.info(
            "creatio self-test run", extra={"write": write, "failed": failed, "left_in_creatio": left}
        )
        return report

    def _candidate(self, data: ConnectionSettingsInput) -> ConnectionSettings:
        secret = data.client_secret
        if secret is None or not secret.get_secret_value():
            secret = self._reusable_secret(data.instance_url, data.identity_url)
        return ConnectionSettings(
            instance_url=data.instance_url,
            identity_url=data.identity_url,
            client_id=data.client_id,
            client_secret=secret,
            default_owner_id=data.default_owner_id,
            default_group_id=data.default_group_id,
            resolved_status_id=data.resolved_status_id,
            create_case_only_on_handoff=data.create_case_only_on_handoff,
            platform=data.platform,
        )

    def _reusable_secret(self, instance_url: str, identity_url: str | None) -> SecretStr:
        """The saved secret, for a connection given without one (Test & Save, the pick lists). The one
        rule: it is never sent to a host it was not saved for, so only when the instance and identity
        URLs, normalised, are the saved ones."""
        saved = self._saved.settings if self._saved else None
        if saved is None:
            raise ConnectionInputError("client_secret is required: paste the Client Secret from Creatio.")
        try:
            same = self._target(instance_url, identity_url) == (saved.instance_url, saved.identity_url)
        except InvalidCreatioUrl:
            same = False
        if not same:
            raise ConnectionInputError(
                "client_secret is required again because the instance or identity URL changed."
            )
        return saved.client_secret

    def _target(self, instance_url: str, identity_url: str | None) -> tuple[str, str | None]:
        """The instance and identity URLs, normalised (raises InvalidCreatioUrl)."""
        loopback = self._allow_insecure_loopback
        instance = normalize_instance_url(instance_url, allow_insecure_loopback=loopback)
        if not identity_url:
            return instance, None
        return instance, normalize_identity_url(identity_url, allow_insecure_loopback=loopback)

    def _activate(self, saved: SavedConnection | None) -> None:
        self._saved = saved
        self._version = saved.version if saved else None
        if saved is None:
            self._client, self._crm = None, None
            return
        settings = saved.settings
        self._client = CreatioClient(
            to_creatio_instance(settings), self._http, max_concurrency=self._max_concurrency
        )
        self._crm = (
            CreatioCrm(self._client),
            SyncSettings(
                default_owner_id=settings.default_owner_id,
                default_group_id=settings.default_group_id,
                resolved_status_id=settings.resolved_status_id,
                create_case_only_on_handoff=settings.create_case_only_on_handoff,
                contact_match_on=self._contact_match_on,
                reopen_status_name=self._reopen_status_name,
            ),
        )


async def _read_pick_lists(client: CreatioClient, source: str) -> PickListsRead:
    try:
        return PickListsRead(await read_pick_lists(client), None, source)
    except CreatioError as exc:
        logger.info("could not read the pick lists from Creatio", extra={"problem": exc.message})
        return PickListsRead(None, exc.message, source)


def to_creatio_instance(settings: ConnectionSettings) -> CreatioInstance:
    return CreatioInstance(
        instance_url=settings.instance_url,
        client_id=settings.client_id,
        client_secret=settings.client_secret.get_secret_value(),
        identity_url=settings.identity_url,
        platform=settings.platform,
        odata_root=settings.odata_root,
        token_endpoint=settings.token_endpoint,
    )


async def run_connection_test(
    settings: ConnectionSettings,
    http: httpx.AsyncClient,
    *,
    allow_insecure_loopback: bool,
    max_concurrency: int = 8,
) -> tuple[ConnectionTestReport, ConnectionSettings | None]:
    """Test a candidate connection; returns the report and the normalised settings when URLs are valid,
    with the OData root and token endpoint it found (found afresh, whatever the settings held)."""
    normalised, checks = normalise_urls(settings, allow_insecure_loopback=allow_insecure_loopback)
    if normalised is None:
        return ConnectionTestReport.from_checks(checks, token_endpoint=None), None
    normalised = normalised.model_copy(update={"odata_root": None, "token_endpoint": None})
    client = CreatioClient(to_creatio_instance(normalised), http, max_concurrency=max_concurrency)
    ctx = CheckContext(client, normalised)
    for gate in (check_token_endpoint, check_authentication, check_odata_root, check_odata_access):
        result = await gate(ctx)
        checks.append(result)
        if result.status == "failed":
            endpoint = client.token_state.token_endpoint if gate is not check_token_endpoint else None
            return ConnectionTestReport.from_checks(checks, endpoint, client.odata_root), normalised
    for lookup_check in LOOKUP_CHECKS:
        checks.append(await lookup_check(ctx))
    endpoint = (await client.token_endpoint()).url
    found = normalised.model_copy(update={"odata_root": client.odata_root, "token_endpoint": endpoint})
    return ConnectionTestReport.from_checks(checks, endpoint, client.odata_root), found
