"""Admin API for chat connectors: read a Chatwoot connector (secrets never returned), test it, Test & Save."""

from __future__ import annotations

from litestar import Controller, get, post, put
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, JSONBody

from app.chat_platforms.service import (
    ChatPlatformService,
    ChatwootForm,
    ConnectorId,
    ConnectorReport,
    ConnectorView,
)
from app.web.admin_auth import require_admin


class ChatPlatformsController(Controller):
    path = "/api/v1/admin/chat-platforms/chatwoot/{connector_id:str}"
    guards = [require_admin]
    tags = ["admin: chat platforms"]

    @get("/", summary="A saved Chatwoot connector, its webhook URL and the events to tick; never a secret.")
    async def read(
        self, chat_platform_service: NamedDependency[ChatPlatformService], connector_id: FromPath[ConnectorId]
    ) -> ConnectorView:
        view = await chat_platform_service.view("chatwoot", connector_id)
        if view is None:
            raise NotFoundException(
                detail=f"No Chatwoot connector {connector_id!r} is saved: PUT one to Test & Save it."
            )
        return view

    @put("/", status_code=200, summary="Test & Save: saved only when every check passes.")
    async def test_and_save(
        self,
        chat_platform_service: NamedDependency[ChatPlatformService],
        connector_id: FromPath[ConnectorId],
        data: JSONBody[ChatwootForm],
    ) -> ConnectorReport:
        return await chat_platform_service.test(data.config(connector_id), save=True)

    @post("/test", status_code=200, summary="Run the Test & Save checks without saving.")
    async def test(
        self,
        chat_platform_service: NamedDependency[ChatPlatformService],
        connector_id: FromPath[ConnectorId],
        data: JSONBody[ChatwootForm],
    ) -> ConnectorReport:
        return await chat_platform_service.test(data.config(connector_id), save=False)
