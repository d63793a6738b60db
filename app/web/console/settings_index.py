"""Settings: the list of what can be set up, by section (the breadcrumbs of the settings pages lead here)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.response import Template

from app.crm_connection.service import ConnectionService
from app.db.stores.chat_connectors import ChatConnectorStore
from app.web.console.context import page


@get("/console/settings", include_in_schema=False)
async def settings_index(
    request: Request[Any, Any, Any],
    connection: NamedDependency[ConnectionService],
    chat_connectors: NamedDependency[ChatConnectorStore | None],
) -> Template:
    connectors = await chat_connectors.all() if chat_connectors else []
    chatwoot = [c for c in connectors if c.platform == "chatwoot"]
    return page(request, "settings_index.html", saved=connection.saved, chatwoot=chatwoot)
