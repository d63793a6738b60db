"""Admin API for deliveries to the chat platform: their state, and retrying failed ones."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from litestar import Controller, get, post
from litestar.datastructures import State
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import FromPath, QueryParameter
from pydantic import BaseModel

from app.db.admin import DeliveryAdmin
from app.db.tables import DeliveryRow
from app.web.admin_auth import require_admin
from app.web.api.paging import Limit, Offset
from app.web.services import services_from_state

DeliveryState = Literal["queued", "retrying", "delivered", "failed"]


class DeliveryView(BaseModel):
    id: UUID  # also the Idempotency-Key and the payload's "id"
    conversation_id: UUID
    kind: str
    state: str
    activity_id: UUID | None
    text: str | None
    author_name: str | None
    occurred_at: datetime
    case_id: UUID
    case_number: str | None
    status_name: str | None
    attempts: int
    last_status: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: DeliveryRow) -> DeliveryView:
        return cls.model_validate(row, from_attributes=True)


class DeliveriesController(Controller):
    path = "/api/v1/admin/deliveries"
    guards = [require_admin]
    tags = ["admin: operations"]

    @get(
        "/", summary="Deliveries to the chat platform, newest first; state: queued/retrying/delivered/failed."
    )
    async def deliveries(
        self,
        state: State,
        delivery_state: Annotated[DeliveryState | None, QueryParameter(name="state")] = None,
        conversation_id: Annotated[UUID | None, QueryParameter()] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> list[DeliveryView]:
        admin = DeliveryAdmin(services_from_state(state).sessions)
        rows = await admin.recent(
            state=delivery_state, conversation_id=conversation_id, limit=limit, offset=offset
        )
        return [DeliveryView.of(row) for row in rows]

    @get("/{delivery_id:uuid}", summary="One delivery with its state and last error.")
    async def delivery(self, state: State, delivery_id: FromPath[UUID]) -> DeliveryView:
        row = await DeliveryAdmin(services_from_state(state).sessions).get(delivery_id)
        if row is None:
            raise NotFoundException(detail=f"No delivery with id {delivery_id}.")
        return DeliveryView.of(row)

    @post("/{delivery_id:uuid}/retry", status_code=202, summary="Send a failed delivery again.")
    async def retry(self, state: State, delivery_id: FromPath[UUID]) -> dict[str, Any]:
        services = services_from_state(state)
        if not await DeliveryAdmin(services.sessions).retry(delivery_id):
            raise ClientException(
                status_code=409, detail=f"Delivery {delivery_id} does not exist or has not failed."
            )
        services.wake_workers()
        return {"id": str(delivery_id), "state": "queued"}
