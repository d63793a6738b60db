"""Chatwoot's application API (`api_access_token` header): posting agent replies, setting a
conversation's status, and the cheap authorised reads Test & Save makes; outcomes classified."""

from __future__ import annotations

from typing import Any

import httpx

from app.adapters.chatwoot.config import ChatwootSettings
from app.adapters.http_answers import TRANSIENT_4XX, parse_retry_after
from app.domain.crm_updates import ChatNotice, DeliveryOutcome

TOKEN_HEADER = "api_access_token"  # noqa: S105 (the header's name)
ERROR_SNIPPET = 200
SETTINGS_PAGE = "Settings > Chat platforms > Chatwoot"


class ChatwootApi:
    def __init__(self, http: httpx.AsyncClient, *, timeout_seconds: float) -> None:
        self._http = http
        self._timeout = timeout_seconds

    async def request(
        self,
        settings: ChatwootSettings,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        account_scoped: bool = True,
    ) -> httpx.Response:
        """`path` under the account's API (else under the base URL). Raises httpx.HTTPError when Chatwoot
        cannot be reached; redirects are not followed."""
        url = settings.api(path) if account_scoped else settings.base_url + path
        headers = {TOKEN_HEADER: settings.api_access_token, "User-Agent": "Casebridge"}
        return await self._http.request(
            method,
            url,
            json=body,
            headers=headers,
            timeout=self._timeout,
            follow_redirects=False,
        )

    async def deliver(
        self, settings: ChatwootSettings, notice: ChatNotice, display_id: int
    ) -> DeliveryOutcome:
        """An agent reply becomes an outgoing message; resolved / reopened set the conversation's status."""
        path = f"/conversations/{display_id}"
        if notice.kind == "agent.replied":
            path, body = (
                f"{path}/messages",
                {"content": notice.text or "", "message_type": "outgoing", "private": False},
            )
        else:
            status = "resolved" if notice.kind == "conversation.resolved" else "open"
            path, body = f"{path}/toggle_status", {"status": status}
        host = httpx.URL(settings.base_url).host
        try:
            response = await self.request(settings, "POST", path, body)
        except httpx.TimeoutException:
            return DeliveryOutcome(False, True, error=f"Chatwoot ({host}) did not answer in time")
        except httpx.HTTPError as exc:
            return DeliveryOutcome(
                False, True, error=f"could not reach Chatwoot ({host}): {type(exc).__name__}"
            )
        return classify(response, settings, display_id)


def classify(response: httpx.Response, settings: ChatwootSettings, display_id: int) -> DeliveryOutcome:
    """2xx delivered (with the posted message's id); 408/425/429/5xx retried; 401/404 and the rest failed
    with what to fix."""
    status = response.status_code
    if 200 <= status < 300:
        return DeliveryOutcome(True, False, status=status, platform_message_id=_message_id(response))
    snippet = " ".join(response.text[:ERROR_SNIPPET].split())
    error = f"Chatwoot answered {status}" + (f": {snippet}" if snippet else "")
    if status in TRANSIENT_4XX or status >= 500:
        return DeliveryOutcome(
            False, True, status, error, parse_retry_after(response.headers.get("Retry-After"))
        )
    if status == 401:
        error = (
            "Chatwoot refused the API access token (401): copy a valid token from the agent's Profile "
            f"settings in Chatwoot into {SETTINGS_PAGE}, then retry this delivery"
        )
    elif status == 404:
        error = (
            f"Chatwoot has no conversation {display_id} in account {settings.account_id} (404), or the "
            f"token's user cannot see its inbox: check the account id in {SETTINGS_PAGE} and the agent's "
            "inbox access, then retry this delivery"
        )
    elif 300 <= status < 400:
        error += f" (a redirect: set the base URL in {SETTINGS_PAGE} to the final address)"
    return DeliveryOutcome(False, False, status, error)


def _message_id(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    identifier = body.get("id") if isinstance(body, dict) else None
    return str(identifier) if isinstance(identifier, int) and not isinstance(identifier, bool) else None
