"""Query and path parameters for admin lists and rows, bounded so every accepted value fits the database's
integers (a larger one would reach the driver and end in a 500), and how a conversation is named in a
URL."""

from __future__ import annotations

from typing import Annotated

from litestar.params import Parameter, QueryParameter

from app.db.tables import MAX_DATABASE_INTEGER

Limit = Annotated[int, QueryParameter(ge=1, le=200)]
Offset = Annotated[int, QueryParameter(ge=0, le=MAX_DATABASE_INTEGER)]
JobId = Annotated[int, Parameter(ge=1, le=MAX_DATABASE_INTEGER)]

# `{conversation:path}`: a chat platform's conversation id may hold a slash.
ConversationRef = Annotated[
    str,
    Parameter(
        description="Casebridge's conversation id, or the chat platform's (`external_id`). A UUID that is a "
        "conversation's Casebridge id names that conversation; any other value is the chat platform's id, "
        "exactly as written (percent-encoded in the URL)."
    ),
]


def conversation_reference(path_value: str) -> str:
    """A `{conversation:path}` parameter without the leading slash Litestar keeps on it."""
    return path_value[1:] if path_value.startswith("/") else path_value


def no_such_conversation(reference: str) -> str:
    shown = reference if len(reference) <= 100 else reference[:100] + "..."
    return (
        f"No conversation has {shown!r} as its Casebridge id or as the chat platform's conversation id "
        "(the conversation list's search finds part of an id)."
    )
