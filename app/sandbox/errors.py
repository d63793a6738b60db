"""Creatio's OData error body (creatio-api.md §8.6) and the exception that carries it."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from app.sandbox.schema import EntityDef

_SUMMARIES = MappingProxyType(
    {
        400: "The request is invalid.",
        404: "The requested resource was not found.",
        405: "The requested HTTP method is not supported.",
        429: "Too many requests.",
    }
)


class ODataError(Exception):
    """An OData failure with its HTTP status; `detail` becomes the internalexception message."""

    def __init__(self, status: int, detail: str, summary: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.summary = summary or _SUMMARIES.get(status, "An error has occurred.")

    def body(self) -> dict[str, Any]:
        return error_body(self.summary, self.detail)


def error_body(summary: str, detail: str) -> dict[str, Any]:
    """`{"error": {"code": "", "message": ..., "innererror": {..., "internalexception": {...}}}}`."""
    internal = {"message": detail, "type": "", "stacktrace": ""}
    inner = {"message": summary, "type": "", "stacktrace": "", "internalexception": internal}
    return {"error": {"code": "", "message": "An error has occurred.", "innererror": inner}}


def bad_request(detail: str) -> ODataError:
    return ODataError(400, detail)


def query_error(detail: str) -> ODataError:
    """A 400 for an invalid query option, worded like ASP.NET OData."""
    return ODataError(400, detail, "The query specified in the URI is not valid.")


def not_found(detail: str) -> ODataError:
    return ODataError(404, detail)


def server_error(detail: str) -> ODataError:
    return ODataError(500, detail)


def unknown_property(entity: EntityDef, name: str) -> ODataError:
    return bad_request(
        f"The property '{name}' does not exist on type '{entity.type_name}'. Make sure to only use "
        "property names that are defined by the type."
    )


def incompatible_types(left: str, right: str, operator: str) -> ODataError:
    return query_error(
        "A binary operator with incompatible types was detected. Found incompatible types "
        f"{left} and {right} for operator kind '{operator}'."
    )
