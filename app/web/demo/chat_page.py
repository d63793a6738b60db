"""Demo chat widget: you play the customer; events go through the real signed intake, server-side."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from app.db.admin import AdminQueries, DeliveryAdmin
from app.db.tables import ConversationRow
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
from app.web.services import Services, services_from_state

MAX_TEXT = 4000


class DemoChatController(Controller):
    path = "/demo/chat"
    include_in_schema = False

    @get("/")
    async def start_page(self, request: Request[Any, Any, Any]) -> Template:
        services = services_from_state(request.app.state)
        recent = await _recent(services)
        return page(request, "demo_chat_start.html", recent=recent, error=None)

    @post("/", status_code=303)
    async def start(self, request: Request[Any, Any, Any]) -> Response[Any]:
        services = services_from_state(request.app.state)
        form = await request.form()
        text = _text(form, "text")
        if not text:
            recent = await _recent(services)
            return page(request, "demo_chat_start.html", 422, recent=recent, error="Write a first message.")
        conversation = new_conversation_id()
        url = f"{base_url(services.settings)}/demo/chat/{conversation}"
        block = conversation_block(conversation, _text(form, "name")[:200], _text(form, "email")[:200], url)
        await _customer_says(request, services, block, text, [text])
        return Redirect(f"/demo/chat/{conversation}", status_code=303)

    @get("/{conversation:str}")
    async def widget(self, request: Request[Any, Any, Any], conversation: FromPath[str]) -> Template:
        services = services_from_state(request.app.state)
        view = await _chat_view(services, await _conversation(services, conversation))
        return page(request, "demo_chat.html", view=view, c=view.conversation)

    @get("/{conversation:str}/transcript")
    async def transcript(
        self, request: Request[Any, Any, Any], conversation: FromPath[str]
    ) -> dict[str, Any]:
        """Polled by the widget every second or two: agent replies appear without a reload."""
        services = services_from_state(request.app.state)
        view = await _chat_view(services, await _conversation(services, conversation))
        return view.to_json()

    @post("/{conversation:str}/messages", status_code=303)
    async def say(self, request: Request[Any, Any, Any], conversation: FromPath[str]) -> Response[Any]:
        """`text` as the customer; `action=handoff` asks for a human; `action=resolve` ends the chat."""
        services = services_from_state(request.app.state)
        row = await _conversation(services, conversation)
        form = await request.form()
        action, text, block = _text(form, "action"), _text(form, "text"), block_of(row)
        view = await _chat_view(services, row)
        said = [b.text for b in view.bubbles if b.kind == "customer"]
        if action == "resolve":
            await post_event(request.app, _secret(services), resolved_event(block))
        elif action == "handoff":
            await _hand_off(request, services, block, said)
        elif text:
            await _customer_says(request, services, block, text, [*said, text], row.status)
        if request.headers.get("accept", "").startswith("application/json"):
            fresh = await _chat_view(services, await _conversation(services, conversation))
            return Response(fresh.to_json(), status_code=200)
        return Redirect(f"/demo/chat/{conversation}", status_code=303)


async def _customer_says(
    request: Request[Any, Any, Any],
    services: Services,
    block: dict[str, Any],
    text: str,
    said: list[str],
    status: str = "open",
) -> None:
    secret = _secret(services)
    await post_event(request.app, secret, message_event(block, "customer", text))
    if canned.wants_human(text):
        await _hand_off(request, services, block, said)
    elif status != "handed_off":  # after a handoff the AI stays quiet: a human is on it
        await post_event(request.app, secret, message_event(block, "ai", canned.ai_reply(text)))


async def _hand_off(
    request: Request[Any, Any, Any], services: Services, block: dict[str, Any], said: list[str]
) -> None:
    secret = _secret(services)
    await post_event(request.app, secret, message_event(block, "ai", canned.HANDOFF_REPLY))
    summary = canned.handoff_summary(said)
    await post_event(request.app, secret, handoff_event(block, summary, "customer asked for a human"))


async def _recent(services: Services) -> list[ConversationRow]:
    return await AdminQueries(services.sessions).recent_with_prefix(DEMO_PREFIX, limit=10)


async def _chat_view(services: Services, row: ConversationRow) -> ChatView:
    return await chat_view(AdminQueries(services.sessions), DeliveryAdmin(services.sessions), row)


async def _conversation(services: Services, external_id: str) -> ConversationRow:
    row = await AdminQueries(services.sessions).by_external_id(external_id)
    if row is None:
        raise NotFoundException(detail=f"No conversation {external_id!r}.")
    return row


def _secret(services: Services) -> str:
    return services.chat_signing_secrets[0]


def _text(form: Any, name: str) -> str:
    value = form.get(name)
    return value.strip()[:MAX_TEXT] if isinstance(value, str) else ""


__all__ = ["DemoChatController", "DemoEventRefused"]
