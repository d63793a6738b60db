"""Admin API for deliveries to the chat platform: their state, and retrying failed ones."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import FromPath, QueryParameter
from pydantic import BaseModel

from app.db.admin import DeliveryAdmin
from app.db.tables import DeliveryRow
from app.web.admin_auth import require_admin
from app.web.api.paging import Limit, Offset
from app.web.services import WakeWorkers

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
        delivery_admin: NamedDependency[DeliveryAdmin],
        delivery_state: Annotated[DeliveryState | None, QueryParameter(name="state")] = None,
        conversation_id: Annotated[UUID | None, QueryParameter()] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> list[DeliveryView]:
        rows = await delivery_admin.recent(
            state=delivery_state, conversation_id=conversation_id, limit=limit, offset=offset
        )
        return [DeliveryView.of(row) for row in rows]

    @get("/{delivery_id:uuid}", summary="One delivery with its state and last error.")
    async def delivery(
        self, delivery_admin: NamedDependency[DeliveryAdmin], delivery_id: FromPath[UUID]
    ) -> DeliveryView:
        row = await delivery_admin.get(delivery_id)
        if row is None:
            raise NotFoundException(detail=f"No delivery with id {delivery_id}.")
        return DeliveryView.of(row)

    @post("/{delivery_id:uuid}/retry", status_code=202, summary="Send a failed delivery again.")
    async def retry(
        self,
        delivery_admin: NamedDependency[DeliveryAdmin],
        wake_workers: NamedDependency[WakeWorkers],
        delivery_id: FromPath[UUID],
    ) -> dict[str, Any]:
        if not await delivery_admin.retry(delivery_id):
            raise ClientException(
                status_code=409, detail=f"Delivery {delivery_id} does not exist or has not failed."
            )
        wake_workers(0)
        return {"id": str(delivery_id), "state": "queued"}
