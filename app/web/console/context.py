"""The one way console pages are rendered (error pages included), and the session of the request."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotFoundException
from litestar.response import Template

from app.web.console.guard import SECURITY_HEADERS
from app.web.services import services_of
from app.web.session import COOKIE_NAME, ConsoleSession

logger = logging.getLogger(__name__)

PAGE_PREFIXES = ("/console", "/demo")  # URLs under these are pages: their errors are pages too
TOO_LARGE = (
    "The form was too large to read, so nothing was done. Go back (the browser keeps what you typed there) "
    "and shorten it."
)
NOTICES = {  # fixed texts for `?done=` after a redirect (never echo text from the URL)
    "saved": "Saved.",
    "job-retried": "The job was queued to run now.",
    "delivery-retried": "The delivery was queued again.",
    "rotated": "A new webhook token was generated and the old URL no longer works: paste the new URL below "
    "into Creatio's business process.",
    "rotated-grace": "A new webhook token was generated: paste the new URL below into Creatio's business "
    "process before the old one stops working (the time is shown below).",
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
        "done": done if done in NOTICES else None,
    }
    return Template(template, context=base | context, status_code=status_code)


def console_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if isinstance(exc, HTTPException):
        status, detail = exc.status_code, TOO_LARGE if exc.status_code == 413 else exc.detail
    else:
        logger.exception("console page failed", extra={"path": request.url.path})
        status, detail = 500, "Something went wrong on this page; the server log has the details."
    if request.headers.get("accept", "").startswith("application/json"):
        return Response({"status_code": status, "detail": detail}, status_code=status)
    return page(request, "error.html", status_code=status, status=status, detail=detail)


def not_found(request: Request[Any, Any, Any], exc: NotFoundException) -> Response[Any]:
    """Every 404 (this app-wide handler outranks the console router's for it). A console or demo URL gets
    the console's page with a way back; one that names no page is read without any route's hooks, so the
    session is read here. Any other URL gets the API's JSON."""
    path = request.url.path
    if not any(path == prefix or path.startswith(f"{prefix}/") for prefix in PAGE_PREFIXES):
        return Response({"status_code": 404, "detail": exc.detail}, status_code=404)
    if request.scope.get("route_handler") is not None:  # a page's own 404, e.g. no such conversation
        response = console_error(request, exc)
    else:
        signer = services_of(request.app.state).console_signer
        request.state.console_session = signer.decode(request.cookies.get(COOKIE_NAME))
        response = console_error(
            request, NotFoundException(detail="There is no console page at this address.")
        )
    response.headers.update(SECURITY_HEADERS)
    return response
