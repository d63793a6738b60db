"""When this process last accepted (or refused) a Creatio webhook call, for the health page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from litestar.datastructures import State

from app.db.tables import utcnow


@dataclass
class WebhookSightings:
    last_accepted_at: datetime | None = None
    last_refused_at: datetime | None = None
    last_refused_status: int | None = None


def webhook_sightings(state: State) -> WebhookSightings:
    if "webhook_sightings" not in state:
        state["webhook_sightings"] = WebhookSightings()
    sightings: WebhookSightings = state["webhook_sightings"]
    return sightings


def note_webhook_call(state: State, status: int) -> None:
    seen = webhook_sightings(state)
    if 200 <= status < 300:
        seen.last_accepted_at = utcnow()
    else:
        seen.last_refused_at, seen.last_refused_status = utcnow(), status
