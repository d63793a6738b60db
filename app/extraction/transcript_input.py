"""Transcripts typed by people (preview, eval): `Customer: ...` lines, or a list of {author, text}."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, uuid5

from app.domain.transcript import Transcript, TranscriptMessage

AUTHORS = {
    "customer": "customer",
    "user": "customer",
    "client": "customer",
    "ai": "ai",
    "ai assistant": "ai",
    "assistant": "ai",
    "bot": "ai",
    "handoff": "handoff",
    "handoff summary": "handoff",
    "summary": "handoff",
}
_SPEAKER = re.compile(r"^\s*([A-Za-z][A-Za-z ]{0,20}?)\s*(?:\([^)]*\))?\s*:\s?(.*)$")
T0 = datetime(2026, 1, 1, tzinfo=UTC)


class TranscriptInputError(ValueError):
    """The input is not a transcript; the message says what shape is expected."""


def from_pairs(pairs: Iterable[tuple[str, str]], conversation_id: str = "preview") -> Transcript:
    messages = []
    for index, (author, text) in enumerate(pairs):
        kind = AUTHORS.get(author.strip().lower())
        if kind is None:
            raise TranscriptInputError(
                f"message {index + 1}: author {author!r} is not customer, ai or handoff"
            )
        message_id = uuid5(NAMESPACE_URL, f"casebridge:{conversation_id}:{index}")
        messages.append(TranscriptMessage(message_id, kind, text, T0 + timedelta(seconds=index)))
    return Transcript(conversation_id, None, tuple(messages))


def from_text(text: str, conversation_id: str = "preview") -> Transcript:
    """`Customer: ...` / `AI: ...` / `Summary: ...` lines; other lines continue the message above."""
    pairs: list[list[str]] = []
    for line in text.splitlines():
        match = _SPEAKER.match(line)
        if match and match.group(1).strip().lower() in AUTHORS:
            pairs.append([match.group(1), match.group(2)])
        elif pairs:
            pairs[-1][1] += "\n" + line
        elif line.strip():
            pairs.append(["customer", line])
    if not pairs:
        raise TranscriptInputError(
            "the transcript is empty: write lines like 'Customer: my invoice is wrong'"
        )
    return from_pairs(((a, t.strip()) for a, t in pairs), conversation_id)


def from_messages(items: Any, conversation_id: str = "preview") -> Transcript:
    """A JSON list of {"author", "text"} objects."""
    if not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items):
        raise TranscriptInputError('expected a list of {"author": "customer"|"ai"|"handoff", "text": "..."}')
    try:
        return from_pairs(((str(i["author"]), str(i["text"])) for i in items), conversation_id)
    except KeyError as exc:
        raise TranscriptInputError(f"every message needs {exc.args[0]!r}") from None


def from_file_text(text: str, conversation_id: str = "preview") -> Transcript:
    """A file's content: JSON (a message list, or an object with `messages`) or plain `Speaker:` lines."""
    stripped = text.strip()
    if stripped.startswith(("[", "{")):
        try:
            data = json.loads(stripped)
        except ValueError as exc:
            raise TranscriptInputError(f"looks like JSON but is not valid: {exc}") from None
        if isinstance(data, dict):
            data = data.get("messages")
        return from_messages(data, conversation_id)
    return from_text(text, conversation_id)
