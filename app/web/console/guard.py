"""Console request hooks: session required (else to the login page), CSRF on every POST, safe headers."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.datastructures import Cookie
from litestar.response import Redirect

from app.web.services import services_of
from app.web.session import COOKIE_NAME, ConsoleSession

LOGIN_PATH = "/console/login"
PUBLIC_PATHS = frozenset({LOGIN_PATH})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def session_cookie(value: str, *, secure: bool, max_age: int | None) -> Cookie:
    return Cookie(
        key=COOKIE_NAME,
        value=value,
        path="/",
        httponly=True,
        samesite="strict",
        secure=secure,
        max_age=max_age,
    )


async def require_console_session(request: Request[Any, Any, Any]) -> Response[Any] | None:
    """before_request: find the session; redirect or refuse without one; check CSRF on POST."""
    signer = services_of(request.app.state).console_signer
    session = signer.decode(request.cookies.get(COOKIE_NAME))
    request.state.console_session = session
    public = request.url.path in PUBLIC_PATHS
    if not public and (session is None or not session.admin):
        if request.method == "GET":
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return Redirect(f"{LOGIN_PATH}?next={quote(target, safe='')}")
        return Response({"status_code": 401, "detail": "Log in to the console first."}, status_code=401)
    if request.method == "POST" and not await _csrf_ok(request, session):
        return Response(
            {"status_code": 403, "detail": "The form expired or did not come from this console: reload it."},
            status_code=403,
        )
    return None


async def _csrf_ok(request: Request[Any, Any, Any], session: ConsoleSession | None) -> bool:
    if session is None:
        return False
    signer = services_of(request.app.state).console_signer
    presented = request.headers.get(CSRF_HEADER)
    if presented is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        presented = value if isinstance(value, str) else None
    return signer.csrf_matches(session, presented)


async def add_security_headers(response: Response[Any]) -> Response[Any]:
    """after_request: no framing, no inline script, nothing cached (pages show the webhook URL)."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
