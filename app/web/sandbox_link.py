"""Client of the Creatio sandbox's control API (`/__sandbox/...`), in development only (`casebridge dev`
sets CASEBRIDGE_SANDBOX_URL): the demo pages drive the sandbox with it, and the console's settings page
points the sandbox's business process at this Casebridge's webhook."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import httpx

TIMEOUT_SECONDS = 10.0


class SandboxUnavailable(Exception):
    """The sandbox did not answer as expected; the message says what happened."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class SandboxControl:
    def __init__(self, http: httpx.AsyncClient, base_url: str) -> None:
        self._http = http
        self._base = base_url.rstrip("/") + "/__sandbox"

    async def cases(self, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        """A page of the sandbox's cases, newest first, and how many there are in all."""
        found = await self._call("GET", f"/cases?limit={limit}&offset={offset}")
        cases: list[dict[str, Any]] = found["cases"]
        return cases, int(found["total"])

    async def case(self, case_id: UUID) -> dict[str, Any] | None:
        """`{"case": {...}, "activities": [...]}`, or None when there is no such case."""
        try:
            return await self._call("GET", f"/cases/{case_id}")
        except SandboxUnavailable as exc:
            if exc.status == 404:
                return None
            raise

    async def agents(self) -> list[dict[str, Any]]:
        agents: list[dict[str, Any]] = (await self._call("GET", "/agents"))["agents"]
        return agents

    async def reply(self, case_id: UUID, text: str, agent_contact_id: UUID | None) -> None:
        body: dict[str, Any] = {"text": text}
        if agent_contact_id is not None:
            body["agent_contact_id"] = str(agent_contact_id)
        await self._call("POST", f"/cases/{case_id}/replies", body)

    async def set_status(self, case_id: UUID, status_name: str, agent_contact_id: UUID | None) -> None:
        body: dict[str, Any] = {"status_name": status_name}
        if agent_contact_id is not None:
            body["agent_contact_id"] = str(agent_contact_id)
        await self._call("POST", f"/cases/{case_id}/status", body)

    async def set_fields(self, case_id: UUID, fields: dict[str, Any], agent_contact_id: UUID | None) -> None:
        body: dict[str, Any] = {"fields": fields}
        if agent_contact_id is not None:
            body["agent_contact_id"] = str(agent_contact_id)
        await self._call("POST", f"/cases/{case_id}/fields", body)

    async def webhook(self) -> dict[str, Any]:
        return await self._call("GET", "/webhook")

    async def set_webhook(self, url: str) -> None:
        """The token travels in the URL, so no Authorization header is kept."""
        await self._call("PUT", "/webhook", {"url": url, "headers": {}})

    async def last_webhook_call(self) -> dict[str, Any] | None:
        calls: list[dict[str, Any]] = (await self._call("GET", "/webhook/calls"))["calls"]
        return calls[-1] if calls else None

    async def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        try:
            response = await self._http.request(method, self._base + path, json=body, timeout=TIMEOUT_SECONDS)
        except httpx.HTTPError as exc:
            raise SandboxUnavailable(
                f"the sandbox at {self._base} is not reachable ({type(exc).__name__})"
            ) from None
        if response.status_code >= 400:
            detail = _detail(response)
            raise SandboxUnavailable(
                f"the sandbox answered {response.status_code}: {detail}", response.status_code
            )
        data: dict[str, Any] = response.json()
        return data


def _detail(response: httpx.Response) -> str:
    try:
        return str(response.json().get("detail", ""))[:300]
    except ValueError:
        return response.text[:300]
