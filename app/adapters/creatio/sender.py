"""Sends authorised OData requests: the OData root (detected at the first request when not known yet),
concurrency limit, Bearer token, one forced refresh on 401."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from urllib.parse import urlsplit

import httpx

from app.adapters.creatio.errors import CreatioAuthError, error_for_transport, is_html, unauthorized_error
from app.adapters.creatio.http import odata_headers, query_string
from app.adapters.creatio.instance import CreatioInstance
from app.adapters.creatio.odata_root import ODataRootFound, detect_odata_root
from app.adapters.creatio.token import TokenCache

logger = logging.getLogger(__name__)


class ODataSender:
    """Every OData call goes through `send`, which never retries except once after a 401."""

    def __init__(
        self,
        instance: CreatioInstance,
        http: httpx.AsyncClient,
        tokens: TokenCache,
        *,
        max_concurrency: int,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        self._instance = instance
        self._root = instance.odata_root
        self._detecting = asyncio.Lock()
        self._host = urlsplit(instance.instance_url).netloc
        self._http = http
        self._tokens = tokens
        self._slots = asyncio.Semaphore(max_concurrency)

    def __repr__(self) -> str:
        return f"ODataSender(root={self._root!r})"

    @property
    def root(self) -> str | None:
        """The OData root in use; None until the first request detects it."""
        return self._root

    async def resolve_root(self) -> str:
        if self._root is None:
            async with self._detecting:
                if self._root is None:
                    return (await self.detect_root()).root
        return self._root

    async def detect_root(self) -> ODataRootFound:
        """Try the instance's candidate roots (only the chosen one when the platform is set) and use the
        first that answers."""
        found = await detect_odata_root(self._instance, self._probe)
        if found.root != self._root:
            logger.info("Creatio OData root: %s", found.root)
        self._root = found.root
        return found

    async def _probe(self, url: str) -> httpx.Response:
        """An authorised GET of `url`, once more with a fresh token after a 401; redirects not followed."""
        token = await self._tokens.get()
        response = await self._send_once("GET", url, token, None, None, "GET (OData root check)")
        if response.status_code != 401:
            return response
        token = await self._tokens.refresh(stale=token)
        return await self._send_once("GET", url, token, None, None, "GET (OData root check)")

    async def send(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str] | None = None,
        body: bytes | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """The response to `method <root>/<path>?<query>`; any status except 401 is the caller's to read.

        Raises CreatioRetryableError on network failures and CreatioAuthError when a fresh token is
        still refused (401, or an HTML page instead of JSON).
        """
        root = await self.resolve_root()
        url = f"{root}/{path}" + (f"?{query_string(query)}" if query else "")
        what = f"{method} {path}"
        async with self._slots:
            token = await self._tokens.get()
            response = await self._send_once(method, url, token, body, extra_headers, what)
            if not _token_refused(response):
                return response
            logger.info(
                "Creatio refused the token for %s (%d); fetching a new one", what, response.status_code
            )
            token = await self._tokens.refresh(stale=token)
            response = await self._send_once(method, url, token, body, extra_headers, what)
        if _token_refused(response):
            raise _refused_error(response, what, root)
        return response

    async def _send_once(
        self,
        method: str,
        url: str,
        token: str,
        body: bytes | None,
        extra_headers: Mapping[str, str] | None,
        what: str,
    ) -> httpx.Response:
        headers = odata_headers(token, has_body=body is not None)
        headers.update(extra_headers or {})
        started = time.perf_counter()
        try:
            response = await self._http.request(
                method, url, content=body, headers=headers, follow_redirects=False
            )
        except httpx.TransportError as exc:
            error = error_for_transport(exc, self._host, what)
            logger.warning("Creatio request failed: %s", error.message)
            raise error from exc
        elapsed_ms = (time.perf_counter() - started) * 1000
        logger.debug("Creatio %s -> %d (%.0f ms)", what, response.status_code, elapsed_ms)
        return response


def _token_refused(response: httpx.Response) -> bool:
    """401, or a 2xx HTML page (a login page) where OData JSON was expected."""
    if response.status_code == 401:
        return True
    return 200 <= response.status_code < 300 and bool(response.content) and is_html(response)


def _refused_error(response: httpx.Response, what: str, root: str) -> CreatioAuthError:
    if response.status_code == 401:
        return unauthorized_error(what)
    return CreatioAuthError(
        f"Creatio answered {what} with an HTML page instead of OData JSON, even with a fresh token. Check "
        f"the instance URL (OData root {root}) and that the OAuth app is Active.",
        reason="invalid_response",
        status=response.status_code,
    )
