"""The one way console pages are rendered, and the session of the request."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.response import Template

from app.web.console.session import ConsoleSession
from app.web.services import services_of

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


def current_session(request: Request[Any, Any, Any]) -> ConsoleSession | None:
    session: ConsoleSession | None = request.state.get("console_session")
    return session


def page(request: Request[Any, Any, Any], template: str, status_code: int = 200, **context: Any) -> Template:
    """Render a console page with what every page needs: CSRF token, navigation, notices. Error handlers
    render pages too, and get no injected services: this reads them from the app."""
    services = services_of(request.app.state)
    session = current_session(request)
    signer = services.console_signer
    done = request.query_params.get("done")
    base = {
        "csrf_token": signer.csrf_token(session) if session else "",
        "logged_in": bool(session and session.admin),
        "demo_enabled": services.settings.sandbox_url is not None,
        "path": request.url.path,
        "notice": NOTICES.get(done) if done else None,
    }
    return Template(template, context=base | context, status_code=status_code)
