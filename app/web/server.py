"""How uvicorn serves Casebridge (`casebridge serve`, `casebridge dev`): a bound on each request's head, read
before the app sees the request, and whose forwarded headers are believed."""

from __future__ import annotations

import logging
import os
from typing import Any

import httptools
import uvicorn
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from app.settings import Settings

logger = logging.getLogger("casebridge.http")


class HeadTooLarge(Exception):
    """Raised in a parser callback to stop parsing: the request's head broke a limit."""


class HeadLimitedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, with the request head (request line and header fields) bounded: over
    `max_head_bytes` bytes or `max_headers` fields, the request is answered 431 and the connection closed.
    httptools alone keeps an unfinished header of any size in memory, and copies it as it grows."""

    max_head_bytes = 16_384
    max_headers = 100

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._reading_head = False
        self._received = 0  # bytes received while the current head was unfinished
        self._parsed = 0  # bytes of the URL and the header fields parsed so far
        self._fields = 0

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._reading_head = True
        self._received = self._parsed = self._fields = 0

    def on_url(self, url: bytes) -> None:
        self._parsed += len(url)
        if self._parsed > self.max_head_bytes:
            raise HeadTooLarge(f"the request line is over {self.max_head_bytes} bytes")
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._fields += 1
        self._parsed += len(name) + len(value) + 4  # ": " and CRLF
        if self._fields > self.max_headers:
            raise HeadTooLarge(f"more than {self.max_headers} header fields")
        if self._parsed > self.max_head_bytes:
            raise HeadTooLarge(f"the header fields are over {self.max_head_bytes} bytes")
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._reading_head = False
        super().on_headers_complete()

    def data_received(self, data: bytes) -> None:
        """uvicorn's, with the limits: a head that arrives in pieces is counted as it arrives."""
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return
        except httptools.HttpParserError as exc:
            if isinstance(exc.__context__, HeadTooLarge):
                self._refuse(str(exc.__context__))
            else:
                msg = "Invalid HTTP request received."
                self.logger.warning(msg)
                self.send_400_response(msg)
            return
        if self._reading_head:
            # The parser keeps an unfinished header whole: counting reads bounds it to the limit plus one
            # read. A read that also ended the previous request (pipelining) counts whole: refused early.
            self._received += len(data)
            if self._received > self.max_head_bytes:
                self._refuse(f"the request head is over {self.max_head_bytes} bytes")

    def _refuse(self, reason: str) -> None:
        logger.info(
            "request refused: head too large",
            extra={"reason": reason, "client": self.client[0] if self.client else "unknown"},
        )
        body = (
            f"Request header fields too large: {reason}. At most {self.max_head_bytes} bytes "
            f"(request line and header fields) in {self.max_headers} header fields.\n"
        ).encode()
        content = [STATUS_LINE[431]]
        for name, value in self.server_state.default_headers:
            content.extend([name, b": ", value, b"\r\n"])
        content.extend(
            [
                b"content-type: text/plain; charset=utf-8\r\n",
                b"content-length: " + str(len(body)).encode("ascii") + b"\r\n",
                b"connection: close\r\n",
                b"\r\n",
                body,
            ]
        )
        self.transport.write(b"".join(content))
        self.transport.close()


def head_limited_protocol(max_head_bytes: int, max_headers: int) -> type[HeadLimitedProtocol]:
    class Limited(HeadLimitedProtocol):
        pass

    Limited.max_head_bytes = max_head_bytes
    Limited.max_headers = max_headers
    return Limited


def server_config(app: Any, settings: Settings) -> uvicorn.Config:
    """Forwarded headers (X-Forwarded-For, -Proto) count only from CASEBRIDGE_TRUSTED_PROXIES: uvicorn's
    own default trusts 127.0.0.1, which lets any local client pick its address (the admin-token throttle
    counts per address)."""
    if os.environ.get("FORWARDED_ALLOW_IPS") and not settings.trusted_proxies:
        logger.warning(
            "FORWARDED_ALLOW_IPS is not read: set CASEBRIDGE_TRUSTED_PROXIES to the reverse proxy's address"
        )
    trusted = settings.trusted_proxy_list
    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        http=head_limited_protocol(settings.max_header_bytes, settings.max_headers),
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted or None,
        log_config=None,
        access_log=False,
    )
