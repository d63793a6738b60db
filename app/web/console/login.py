"""Console login and logout: the admin token once, then a signed HttpOnly SameSite=Strict cookie."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.response import Redirect, Template

from app.settings import Settings
from app.web.auth_throttle import AdminTokenThrottle
from app.web.console.context import current_session, page
from app.web.console.guard import session_cookie
from app.web.services import client_address
from app.web.session import ANONYMOUS_SECONDS, SESSION_SECONDS, SessionSigner

HOME = "/console/conversations"


def safe_next(target: str | None) -> str:
    """Only a path on this console: never another host (`//evil`, `https://...`, backslashes)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return HOME
    return target


class LoginController(Controller):
    path = "/console"
    include_in_schema = False

    @get("/login")
    async def login_form(
        self,
        request: Request[Any, Any, Any],
        console_signer: NamedDependency[SessionSigner],
        settings: NamedDependency[Settings],
    ) -> Template:
        session = current_session(request)
        if session is None:  # a pre-login session whose CSRF token protects this form
            session = console_signer.new(admin=False)
            request.state.console_session = session
        response = page(request, "login.html", next=safe_next(request.query_params.get("next")), error=None)
        response.cookies.append(
            session_cookie(
                console_signer.encode(session), secure=_secure(settings), max_age=ANONYMOUS_SECONDS
            )
        )
        return response

    @post("/login", status_code=303)
    async def login(
        self,
        request: Request[Any, Any, Any],
        console_signer: NamedDependency[SessionSigner],
        admin_token_throttle: NamedDependency[AdminTokenThrottle],
        settings: NamedDependency[Settings],
    ) -> Response[Any]:
        form = await request.form()
        signer, throttle = console_signer, admin_token_throttle
        target = safe_next(_text(form.get("next")))
        client = client_address(request.scope.get("client"))
        wait = throttle.wait_seconds(client)
        if wait:
            response = page(request, "login.html", status_code=429, next=target, error=throttle.refusal(wait))
            response.headers["Retry-After"] = str(wait)
            return response
        if not signer.token_matches(_text(form.get("admin_token"))):
            throttle.failed(client)
            error = "That is not the admin token: it is printed at start (or set as CASEBRIDGE_ADMIN_TOKEN)."
            return page(request, "login.html", status_code=401, next=target, error=error)
        throttle.succeeded(client)
        session = signer.new(admin=True)  # a fresh nonce: no session fixation
        redirect = Redirect(target, status_code=303)
        redirect.cookies.append(
            session_cookie(signer.encode(session), secure=_secure(settings), max_age=SESSION_SECONDS)
        )
        return redirect

    @post("/logout", status_code=303)
    async def logout(
        self,
        request: Request[Any, Any, Any],
        console_signer: NamedDependency[SessionSigner],
        settings: NamedDependency[Settings],
    ) -> Redirect:
        session = current_session(request)
        if session is not None:
            console_signer.revoke(session)
        redirect = Redirect("/console/login?done=logged-out", status_code=303)
        redirect.cookies.append(session_cookie("", secure=_secure(settings), max_age=0))
        return redirect

    @get("/")
    async def home(self) -> Redirect:
        return Redirect(HOME)


def _secure(settings: Settings) -> bool:
    """Secure cookies outside development (the dev console is served over plain http on loopback)."""
    return not settings.is_development


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
