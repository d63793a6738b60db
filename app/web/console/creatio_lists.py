"""Reads the owner/group/status pick lists through the saved connection or the one being entered."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from app.adapters.creatio import (
    CreatioClient,
    CreatioError,
    CreatioInstance,
    InvalidCreatioUrl,
    normalize_identity_url,
    normalize_instance_url,
)
from app.adapters.creatio.lookups import PickLists, read_pick_lists
from app.web.console.settings_form import SettingsForm
from app.web.services import Services

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ListsResult:
    lists: PickLists | None
    problem: str | None = None  # why there are none, written for the admin
    source: str = ""  # "saved" | "entered"


async def saved_lists(services: Services) -> ListsResult:
    client = services.connection.client
    if client is None:
        return ListsResult(None, "no Creatio connection is saved yet")
    return await _read(client, "saved")


async def lists_for_form(services: Services, form: SettingsForm) -> ListsResult:
    """The saved client when the form targets the saved connection; else the entered credentials.

    The saved secret is never sent anywhere but the instance and identity URL it was saved for.
    """
    dev = services.settings.is_development
    try:
        instance = normalize_instance_url(form.instance_url, allow_insecure_loopback=dev)
        identity = (
            normalize_identity_url(form.identity_url, allow_insecure_loopback=dev)
            if form.identity_url
            else None
        )
    except InvalidCreatioUrl as exc:
        return ListsResult(None, exc.message)
    saved = services.connection.saved
    client = services.connection.client
    if not form.client_secret:
        same = saved is not None and (
            saved.settings.instance_url,
            saved.settings.identity_url,
            saved.settings.client_id,
        ) == (instance, identity, form.client_id)
        if same and client is not None:
            return await _read(client, "saved")
        return ListsResult(None, "type the client secret to read them from this Creatio, or paste GUIDs")
    http = services.runtime.creatio_http
    if http is None:
        return ListsResult(None, "no HTTP client towards Creatio")
    entered = CreatioClient(CreatioInstance(instance, form.client_id, form.client_secret, identity), http)
    return await _read(entered, "entered")


async def _read(client: CreatioClient, source: str) -> ListsResult:
    try:
        return ListsResult(await read_pick_lists(client), None, source)
    except CreatioError as exc:
        logger.info("could not read the pick lists from Creatio", extra={"problem": exc.message})
        return ListsResult(None, exc.message, source)
