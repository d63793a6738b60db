"""Demo chat widget: you play the customer; events go through the real signed intake, server-side."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Litestar, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from app.db.admin import AdminQueries, DeliveryAdmin
from app.db.tables import ConversationRow
from app.settings import Settings
from app.web.api.creatio_webhook import base_url
from app.web.console.context import page
from app.web.demo import canned
from app.web.demo.chat_events import (
    DEMO_PREFIX,
    DemoEventRefused,
    block_of,
    conversation_block,
    handoff_event,
    message_event,
    new_conversation_id,
    post_event,
    resolved_event,
)
from app.web.demo.chat_transcript import ChatView, chat_view

MAX_TEXT = 4000


class DemoChat:
    """The customer's side of a demo conversation; a dependency of the pages (`chat: DemoChat`)."""

    def __init__(
        self,
        admin_queries: NamedDependency[AdminQueries],
        delivery_admin: NamedDependency[DeliveryAdmin],
        chat_signing_secrets: NamedDependency[tuple[str, ...]],
    ) -> None:
        self._queries = admin_queries
        self._deliveries = delivery_admin
        self._secret = chat_signing_secrets[0]  # the current one, as the chat platform would sign

    async def recent(self) -> list[ConversationRow]:
        return await self._queries.recent_with_prefix(DEMO_PREFIX, limit=10)

    async def conversation(self, external_id: str) -> ConversationRow:
        row = await self._queries.by_external_id(external_id)
        if row is None:
            raise NotFoundException(detail=f"No conversation {external_id!r}.")
        return row

    async def view(self, row: ConversationRow) -> ChatView:
        return await chat_view(self._queries, self._deliveries, row)

    async def customer_says(
        self, app: Litestar, block: dict[str, Any], text: str, said: list[str], status: str = "open"
    ) -> None:
        await post_event(app, self._secret, message_event(block, "customer", text))
        if canned.wants_human(text):
            await self.hand_off(app, block, said)
        elif status != "handed_off":  # after a handoff the AI stays quiet: a human is on it
            await post_event(app, self._secret, message_event(block, "ai", canned.ai_reply(text)))

    async def hand_off(self, app: Litestar, block: dict[str, Any], said: list[str]) -> None:
        await post_event(app, self._secret, message_event(block, "ai", canned.HANDOFF_REPLY))
        summary = canned.handoff_summary(said)
        await post_event(app, self._secret, handoff_event(block, summary, "customer asked for a human"))

    async def resolve(self, app: Litestar, block: dict[str, Any]) -> None:
        await post_event(app, self._secret, resolved_event(block))


class DemoChatController(Controller):
    path = "/demo/chat"
    include_in_schema = False
    dependencies = {"chat": Provide(DemoChat, sync_to_thread=False)}

    @get("/")
    async def start_page(self, request: Request[Any, Any, Any], chat: NamedDependency[DemoChat]) -> Template:
        return page(request, "demo_chat_start.html", recent=await chat.recent(), error=None)

    @post("/", status_code=303)
    async def start(
        self,
        request: Request[Any, Any, Any],
        chat: NamedDependency[DemoChat],
        settings: NamedDependency[Settings],
    ) -> Response[Any]:
        form = await request.form()
        text = _text(form, "text")
        if not text:
            recent = await chat.recent()
            return page(request, "demo_chat_start.html", 422, recent=recent, error="Write a first message.")
        conversation = new_conversation_id()
        url = f"{base_url(settings)}/demo/chat/{conversation}"
        block = conversation_block(conversation, _text(form, "name")[:200], _text(form, "email")[:200], url)
        await chat.customer_says(request.app, block, text, [text])
        return Redirect(f"/demo/chat/{conversation}", status_code=303)

    @get("/{conversation:str}")
    async def widget(
        self, request: Request[Any, Any, Any], chat: NamedDependency[DemoChat], conversation: FromPath[str]
    ) -> Template:
        view = await chat.view(await chat.conversation(conversation))
        return page(request, "demo_chat.html", view=view, c=view.conversation)

    @get("/{conversation:str}/transcript")
    async def transcript(
        self, chat: NamedDependency[DemoChat], conversation: FromPath[str]
    ) -> dict[str, Any]:
        """Polled by the widget every second or two: agent replies appear without a reload."""
        view = await chat.view(await chat.conversation(conversation))
        return view.to_json()

    @post("/{conversation:str}/messages", status_code=303)
    async def say(
        self, request: Request[Any, Any, Any], chat: NamedDependency[DemoChat], conversation: FromPath[str]
    ) -> Response[Any]:
        """`text` as the customer; `action=handoff` asks for a human; `action=resolve` ends the chat."""
        row = await chat.conversation(conversation)
        form = await request.form()
        action, text, block = _text(form, "action"), _text(form, "text"), block_of(row)
        view = await chat.view(row)
        said = [b.text for b in view.bubbles if b.kind == "customer"]
        if action == "resolve":
            await chat.resolve(request.app, block)
        elif action == "handoff":
            await chat.hand_off(request.app, block, said)
        elif text:
            await chat.customer_says(request.app, block, text, [*said, text], row.status)
        if request.headers.get("accept", "").startswith("application/json"):
            fresh = await chat.view(await chat.conversation(conversation))
            return Response(fresh.to_json(), status_code=200)
        return Redirect(f"/demo/chat/{conversation}", status_code=303)


def _text(form: Any, name: str) -> str:
    value = form.get(name)
    return value.strip()[:MAX_TEXT] if isinstance(value, str) else ""


__all__ = ["DemoChatController", "DemoEventRefused"]
