"""Test & Save for a Chatwoot connector: the URL, the API access token (a cheap authorised read of the
token's profile), the account, the inbox filter and the webhook secret; each result says what to fix."""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

import httpx

from app.adapters.chatwoot.api import SETTINGS_PAGE, ChatwootApi
from app.adapters.chatwoot.config import ChatwootSettings
from app.ports.chat_platforms import CheckResult

_UNREACHABLE = "Check the URL for typos and that this server can reach Chatwoot (DNS, firewall, proxy)."


def check_base_url(raw: str, *, allow_insecure_loopback: bool) -> CheckResult:
    parts = urlsplit(raw.strip())
    host = parts.hostname or ""
    problem = None
    if parts.scheme not in ("http", "https") or not host:
        problem = "is not an http(s) URL"
    elif parts.username or parts.password or parts.query or parts.fragment:
        problem = "may not hold credentials, a query or a fragment"
    elif parts.scheme == "http" and not (allow_insecure_loopback and _is_loopback(host)):
        problem = "must use https (http only to this machine in development)"
    elif host == "169.254.169.254" or host.startswith("169.254.") or host == "metadata.google.internal":
        problem = "points at a link-local or cloud-metadata address"
    if problem:
        return CheckResult(
            "base_url", "failed", f"The Chatwoot URL {problem}.", "e.g. https://chatwoot.example.com"
        )
    return CheckResult("base_url", "passed", f"Chatwoot at {parts.scheme}://{parts.netloc}")


async def run_checks(api: ChatwootApi, settings: ChatwootSettings) -> list[CheckResult]:
    checks = [_secret_check(settings)]
    token = await _token_check(api, settings)
    checks.append(token)
    if token.state == "failed":
        return [*checks, _skipped("account"), _skipped("inbox")]
    inboxes = await _inboxes(api, settings)
    if isinstance(inboxes, CheckResult):
        return [*checks, inboxes, _skipped("inbox")]
    checks.append(
        CheckResult("account", "passed", f"Account {settings.account_id}: {len(inboxes)} inbox(es)")
    )
    checks.append(_inbox_check(settings, inboxes))
    return checks


def _secret_check(settings: ChatwootSettings) -> CheckResult:
    if settings.webhook_secrets:
        return CheckResult("webhook_secret", "passed", "Webhook secret set: deliveries are verified with it.")
    return CheckResult(
        "webhook_secret",
        "failed",
        "No webhook secret: Casebridge accepts only signed Chatwoot webhooks.",
        "In Chatwoot, Settings > Integrations > Webhooks: add the webhook URL below, then copy its "
        "secret here.",
    )


async def _token_check(api: ChatwootApi, settings: ChatwootSettings) -> CheckResult:
    if not settings.api_access_token:
        return CheckResult(
            "api_access_token",
            "failed",
            "No API access token (a saved one is kept only for the same base URL).",
            "Copy the access token from the agent's Profile settings in Chatwoot.",
        )
    try:
        response = await api.request(settings, "GET", "/api/v1/profile", account_scoped=False)
    except httpx.HTTPError as exc:
        return CheckResult(
            "api_access_token", "failed", f"Chatwoot could not be reached: {type(exc).__name__}", _UNREACHABLE
        )
    if response.status_code == 401:
        return CheckResult(
            "api_access_token",
            "failed",
            "Chatwoot refused the API access token (401).",
            "Copy the access token from Profile settings in Chatwoot (an agent or administrator of the "
            "account).",
        )
    profile = _json(response)
    if response.status_code != 200 or not isinstance(profile, dict):
        return CheckResult(
            "api_access_token",
            "failed",
            f"GET /api/v1/profile answered {response.status_code}, not a Chatwoot profile.",
            "Check that the base URL is Chatwoot's (the address agents open in the browser).",
        )
    accounts = [a.get("id") for a in profile.get("accounts", []) if isinstance(a, dict)]
    if accounts and settings.account_id not in accounts:
        return CheckResult(
            "api_access_token",
            "failed",
            f"The token's user is not a member of account {settings.account_id} "
            f"(its accounts: {', '.join(str(a) for a in accounts)}).",
            "Use the account id from the Chatwoot URL (/app/accounts/<id>/...) or a token of that "
            "account's agent.",
        )
    return CheckResult("api_access_token", "passed", f"Token of {profile.get('name') or 'a Chatwoot user'}")


async def _inboxes(api: ChatwootApi, settings: ChatwootSettings) -> list[dict[str, Any]] | CheckResult:
    try:
        response = await api.request(settings, "GET", "/inboxes")
    except httpx.HTTPError as exc:
        return CheckResult(
            "account", "failed", f"Chatwoot could not be reached: {type(exc).__name__}", _UNREACHABLE
        )
    body = _json(response)
    payload = body.get("payload") if isinstance(body, dict) else None
    if response.status_code != 200 or not isinstance(payload, list):
        return CheckResult(
            "account",
            "failed",
            f"Account {settings.account_id} answered {response.status_code} to GET its inboxes.",
            f"Check the account id in {SETTINGS_PAGE} (the number after /app/accounts/ in Chatwoot's URL).",
        )
    return [i for i in payload if isinstance(i, dict)]


def _inbox_check(settings: ChatwootSettings, inboxes: list[dict[str, Any]]) -> CheckResult:
    names = {i.get("id"): i.get("name") for i in inboxes}
    if settings.inbox_id is None:
        return CheckResult("inbox", "passed", "No inbox filter: conversations of every inbox of the account.")
    if settings.inbox_id in names:
        return CheckResult("inbox", "passed", f"Only inbox {settings.inbox_id} ({names[settings.inbox_id]})")
    known = ", ".join(f"{i} ({n})" for i, n in names.items()) or "none"
    return CheckResult(
        "inbox",
        "failed",
        f"Account {settings.account_id} has no inbox {settings.inbox_id}.",
        f"Pick one of its inboxes: {known}; or leave the filter empty.",
    )


def _skipped(name: str) -> CheckResult:
    return CheckResult(name, "skipped", "Not checked: fix the check above first.")


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
