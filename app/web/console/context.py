"""The one way console pages are rendered (error pages included), and the session of the request."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException
from litestar.response import Template

from app.web.services import services_of
from app.web.session import ConsoleSession

logger = logging.getLogger(__name__)

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


def console_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if isinstance(exc, HTTPException):
        status, detail = exc.status_code, exc.detail
    else:
        logger.exception("console page failed", extra={"path": request.url.path})
        status, detail = 500, "Something went wrong on this page; the server log has the details."
    if request.headers.get("accept", "").startswith("application/json"):
        return Response({"status_code": status, "detail": detail}, status_code=status)
    return page(request, "error.html", status_code=status, status=status, detail=detail)
