"""Per-app console state (the session signer) and the one way pages are rendered."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.response import Template

from app.web.console.session import ConsoleSession, SessionSigner
from app.web.services import Services, services_from_state

NOTICES = {  # fixed texts for `?done=` after a redirect (never echo text from the URL)
    "saved": "Saved.",
    "job-retried": "The job was queued again.",
    "delivery-retried": "The delivery was queued again.",
    "rotated": "A new webhook token was generated: update the URL in Creatio's business process.",
    "sandbox-webhook": "The sandbox's business process now calls this Casebridge webhook URL.",
    "logged-out": "You are logged out.",
    "replied": "Reply added to the case.",
    "status": "Case status changed.",
}


@dataclass
class ConsoleState:
    signer: SessionSigner


def console_state(state: State) -> ConsoleState:
    if "console" not in state:
        state["console"] = ConsoleState(SessionSigner(services_from_state(state).admin_token))
    console: ConsoleState = state["console"]
    return console


def current_session(request: Request[Any, Any, Any]) -> ConsoleSession | None:
    session: ConsoleSession | None = request.state.get("console_session")
    return session


def demo_enabled(services: Services) -> bool:
    return services.settings.sandbox_url is not None


def page(request: Request[Any, Any, Any], template: str, status_code: int = 200, **context: Any) -> Template:
    """Render a console page with what every page needs: CSRF token, navigation, notices."""
    services = services_from_state(request.app.state)
    session = current_session(request)
    signer = console_state(request.app.state).signer
    done = request.query_params.get("done")
    base = {
        "csrf_token": signer.csrf_token(session) if session else "",
        "logged_in": bool(session and session.admin),
        "demo_enabled": demo_enabled(services),
        "path": request.url.path,
        "notice": NOTICES.get(done) if done else None,
    }
    return Template(template, context=base | context, status_code=status_code)
