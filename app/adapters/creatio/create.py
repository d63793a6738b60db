"""Idempotent create: read by Id after an ambiguous failure, and treat a duplicate Id as success."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from uuid import UUID

from app.adapters.creatio.errors import (
    CreatioPermanentError,
    CreatioRetryableError,
    error_for_response,
    is_duplicate_key,
    read_json,
)
from app.adapters.creatio.http import encode_json
from app.adapters.creatio.odata import Entity, entity_id_of, read_entity
from app.adapters.creatio.sender import ODataSender

logger = logging.getLogger(__name__)

MAX_REMEMBERED = 10_000
Reader = Callable[[str, UUID], Awaitable[Entity | None]]


class IdempotentCreator:
    """Posts new entities; remembers ambiguous failures so the next attempt reads before posting."""

    def __init__(self, session: ODataSender, read: Reader) -> None:
        self._session = session
        self._read = read
        self._ambiguous: OrderedDict[tuple[str, UUID], None] = OrderedDict()

    def __repr__(self) -> str:
        return f"IdempotentCreator(remembered={len(self._ambiguous)})"

    def may_exist(self, entity_set: str, entity_id: UUID) -> bool:
        """True when an earlier attempt to create this entity failed ambiguously."""
        return (entity_set, entity_id) in self._ambiguous

    async def create(self, entity_set: str, body: Mapping[str, Any], *, check_existing: bool) -> Entity:
        """The created (or already existing) entity."""
        entity_id = entity_id_of(body)
        key = (entity_set, entity_id)
        if check_existing or key in self._ambiguous:
            existing = await self._read(entity_set, entity_id)
            if existing is not None:
                logger.info("Creatio %s %s already exists; not posting it again", entity_set, entity_id)
                self._ambiguous.pop(key, None)
                return existing
        try:
            entity = await self._post(entity_set, entity_id, {**body, "Id": str(entity_id)})
        except CreatioRetryableError as exc:
            if exc.ambiguous:
                self._remember(key)
            raise
        except Exception:
            self._ambiguous.pop(key, None)
            raise
        self._ambiguous.pop(key, None)
        return entity

    async def _post(self, entity_set: str, entity_id: UUID, body: Mapping[str, Any]) -> Entity:
        what = f"POST {entity_set}"
        response = await self._session.send("POST", entity_set, body=encode_json(body))
        if response.status_code in (200, 201) and response.content:
            return read_entity(response, what)
        if 200 <= response.status_code < 300:
            return await self._read_back(entity_set, entity_id, what)
        payload = read_json(response)
        if not is_duplicate_key(payload):
            raise error_for_response(response, what)
        existing = await self._read(entity_set, entity_id)
        if existing is None:
            error = error_for_response(response, what)
            raise CreatioPermanentError(
                f"{error.message} (A unique value in this record already exists on another record.)",
                status=response.status_code,
                creatio_message=getattr(error, "creatio_message", None),
            )
        logger.info(
            "Creatio %s %s existed already (duplicate Id); treating it as created", entity_set, entity_id
        )
        return existing

    async def _read_back(self, entity_set: str, entity_id: UUID, what: str) -> Entity:
        existing = await self._read(entity_set, entity_id)
        if existing is None:
            raise CreatioRetryableError(f"Creatio accepted {what} but the new record could not be read back.")
        return existing

    def _remember(self, key: tuple[str, UUID]) -> None:
        self._ambiguous[key] = None
        self._ambiguous.move_to_end(key)
        while len(self._ambiguous) > MAX_REMEMBERED:
            self._ambiguous.popitem(last=False)
