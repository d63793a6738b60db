"""POST /api/v1/events: verify the signature, validate, store the event and its job, answer 202."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Controller, Request, Response, post
from litestar.datastructures import State
from pydantic import ValidationError

from app.adapters.chat.signature import SIGNATURE_HEADER, SignatureError, verify
from app.domain.events import CHAT_EVENT
from app.web.services import services_from_state

logger = logging.getLogger(__name__)
MAX_EVENT_BYTES = 256 * 1024


class EventsController(Controller):
    path = "/api/v1/events"
    tags = ["chat platform"]

    @post(
        "/",
        request_max_body_size=MAX_EVENT_BYTES,
        summary="Receive one signed conversation event from the chat platform.",
        responses=None,
    )
    async def receive(self, request: Request[Any, Any, Any], state: State) -> Response[dict[str, Any]]:
        services = services_from_state(state)
        body = await request.body()
        try:
            verify(request.headers.get(SIGNATURE_HEADER), body, services.chat_signing_secrets)
        except SignatureError as exc:
            return Response({"status_code": 401, "detail": str(exc)}, status_code=401)
        try:
            event = CHAT_EVENT.validate_json(body)
        except ValidationError as exc:
            return Response(_validation_body(exc), status_code=400)
        outcome = await services.runtime.intake.record(event, body)
        if outcome == "duplicate":
            return Response({"status": "duplicate", "id": event.id}, status_code=200)
        services.wake_workers(after=services.runtime.intake.sync_delay_for(event).total_seconds())
        return Response({"status": "accepted", "id": event.id}, status_code=202)


def _validation_body(exc: ValidationError) -> dict[str, Any]:
    errors = []
    for error in exc.errors(include_url=False, include_input=False):
        location = list(error["loc"])
        if location and isinstance(location[0], str) and "." in location[0]:
            location = location[1:]  # drop the event-type tag pydantic puts first for tagged unions
        errors.append(
            {"field": ".".join(str(part) for part in location) or "(body)", "message": error["msg"]}
        )
    return {"status_code": 400, "detail": "The event is not valid; fix the fields listed.", "errors": errors}
