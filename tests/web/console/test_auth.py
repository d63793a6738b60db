"""Console login: the admin token once, a signed HttpOnly SameSite=Strict cookie, CSRF on every POST."""

from __future__ import annotations

import pytest

from app.web.console.login import safe_next
from app.web.session import COOKIE_NAME, SessionSigner
from tests.support.casebridge import ADMIN_TOKEN, Client
from tests.support.console import csrf_of, form_token, login


async def test_pages_redirect_to_the_login_form_and_back(console: Client) -> None:
    response = await console.get("/console/conversations?q=ada", follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"] == "/console/login?next=%2Fconsole%2Fconversations%3Fq%3Dada"

    form = await console.get("/console/login?next=%2Fconsole%2Fconversations%3Fq%3Dada")
    assert 'name="next" value="/console/conversations?q=ada"' in form.text
    assert '<label for="admin_token">Admin token</label>' in form.text


async def test_login_sets_a_strict_http_only_cookie_and_never_shows_the_token(console: Client) -> None:
    response = await login(console)

    assert response.status_code == 303
    assert response.headers["location"] == "/console/health"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE_NAME}=")
    assert "HttpOnly" in cookie
    assert "samesite=strict" in cookie.lower()
    assert "Path=/" in cookie
    assert ADMIN_TOKEN not in cookie
    page = await console.get("/console/health")
    assert page.status_code == 200
    assert ADMIN_TOKEN not in page.text


async def test_a_wrong_token_is_refused_with_a_message(console: Client) -> None:
    response = await login(console, token="not-the-token")

    assert response.status_code == 401
    assert "That is not the admin token" in response.text
    assert (await console.get("/console/health", follow_redirects=False)).status_code == 302


async def test_posts_without_the_session_csrf_token_are_refused(admin: Client) -> None:
    for data in ({}, {"csrf_token": "forged"}):
        response = await admin.post(
            "/console/settings/creatio/webhook/rotate", data=data, follow_redirects=False
        )
        assert response.status_code == 403
    token = await form_token(admin)
    response = await admin.post(
        "/console/settings/creatio/webhook/rotate", data={"csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303


async def test_the_login_form_itself_needs_its_csrf_token(console: Client) -> None:
    await console.get("/console/login")
    response = await console.post("/console/login", data={"admin_token": ADMIN_TOKEN}, follow_redirects=False)
    assert response.status_code == 403


async def test_logout_ends_the_session_even_if_the_cookie_is_replayed(admin: Client) -> None:
    stolen = admin.cookies[COOKIE_NAME]
    response = await admin.post(
        "/console/logout", data={"csrf_token": await form_token(admin)}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/console/login?done=logged-out"

    admin.cookies.set(COOKIE_NAME, stolen)
    assert (await admin.get("/console/health", follow_redirects=False)).status_code == 302


async def test_forged_and_foreign_cookies_are_ignored(console: Client) -> None:
    foreign = SessionSigner("another-admin-token")
    console.cookies.set(COOKIE_NAME, foreign.encode(foreign.new(admin=True)))
    assert (await console.get("/console/health", follow_redirects=False)).status_code == 302

    ours = SessionSigner(ADMIN_TOKEN)
    anonymous = ours.encode(ours.new(admin=False))
    console.cookies.set(COOKIE_NAME, anonymous)
    assert (await console.get("/console/health", follow_redirects=False)).status_code == 302
    body, _, signature = ours.encode(ours.new(admin=True)).rpartition(".")
    console.cookies.set(COOKIE_NAME, f"{body}.{signature[:-2]}xx")
    assert (await console.get("/console/health", follow_redirects=False)).status_code == 302


async def test_the_session_does_not_open_the_json_admin_api(admin: Client) -> None:
    response = await admin.get("/api/v1/admin/connection")
    assert response.status_code == 401
    response = await admin.get("/api/v1/admin/health", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert response.status_code == 200


async def test_pages_carry_security_headers(admin: Client) -> None:
    response = await admin.get("/console/settings/creatio")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-frame-options"] == "DENY"
    assert csrf_of(response.text)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/console/health", "/console/health"),
        ("//evil.example/x", "/console/conversations"),
        ("https://evil.example/", "/console/conversations"),
        ("/\\evil.example", "/console/conversations"),
        (None, "/console/conversations"),
    ],
)
def test_only_local_paths_are_followed_after_login(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


def test_sessions_expire() -> None:
    signer = SessionSigner(ADMIN_TOKEN)
    session = signer.new(admin=True, now=1000)
    cookie = signer.encode(session)
    assert signer.decode(cookie, now=1001) == session
    assert signer.decode(cookie, now=session.expires_at + 1) is None


async def test_repeated_wrong_tokens_lock_the_address_out_for_a_while(console: Client) -> None:
    for _ in range(10):
        assert (await login(console, token="guess")).status_code == 401

    locked = await login(console)  # even the right token: guessing must teach nothing

    assert locked.status_code == 429
    assert "Too many wrong admin tokens" in locked.text
    assert 1 <= int(locked.headers["retry-after"]) <= 300
    assert (await console.get("/console/health", follow_redirects=False)).status_code == 302


async def test_unknown_console_urls_get_the_consoles_404_with_a_way_back(admin: Client) -> None:
    for path in ("/console/nope", "/console/conversations/abc", "/demo/nope", "/console/settings/nope"):
        page = await admin.get(path)
        assert page.status_code == 404, path
        assert page.headers["content-type"].startswith("text/html"), path
        assert "<h1>Not found</h1>" in page.text
        assert '<a href="/console/">Back to the console</a>' in page.text
        assert 'aria-label="Console"' in page.text  # the navigation of a logged-in admin
        assert page.headers["content-security-policy"].startswith("default-src 'self'")
    api = await admin.get("/api/v1/nope")
    assert (api.status_code, api.json()["status_code"]) == (404, 404)


async def test_the_settings_breadcrumb_items_are_links(admin: Client) -> None:
    page = await admin.get("/console/settings/creatio")
    crumbs = page.text.split('class="breadcrumb">')[1].split("</nav>")[0]
    assert '<a href="/console/settings">Settings</a>' in crumbs
    assert '<a href="/console/settings#ticketing">Ticketing</a>' in crumbs
    assert '<a href="/console/settings/creatio" aria-current="page">Creatio</a>' in crumbs
    index = await admin.get("/console/settings")
    assert index.status_code == 200
    assert '<h2 id="ticketing">Ticketing</h2>' in index.text
    assert '<a href="/console/settings/creatio">Creatio</a>' in index.text
