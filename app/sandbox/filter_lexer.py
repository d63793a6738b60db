"""Tokenizer for OData 4 `$filter` text: literals, names, punctuation; raises on bad input."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType

from app.sandbox.values import DATETIME_RE, GUID_RE


class Kind(Enum):
    """Token kinds; keywords (eq, and, true, null, ...) arrive as NAME and the parser reads them."""

    NAME = "name"
    STRING = "string"
    NUMBER = "number"
    GUID = "guid"
    DATETIME = "datetime"
    LPAREN = "("
    RPAREN = ")"
    COMMA = ","
    SLASH = "/"
    END = "end of input"


@dataclass(frozen=True)
class Token:
    kind: Kind
    text: str  # the literal's value for STRING (quotes removed, '' unescaped), else the source text
    pos: int


class FilterSyntaxError(ValueError):
    """Bad `$filter` text; the message names the position like ASP.NET OData does."""

    def __init__(self, message: str, pos: int, source: str) -> None:
        super().__init__(f"{message} at position {pos} in '{source}'.")
        self.pos = pos


class FilterLiteralError(ValueError):
    """A literal ODataLib's lexer refuses outright; its message names no position."""


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
_WORD = re.compile(r"[^\s(),/']+")
_BOUNDARY = re.compile(r"[A-Za-z0-9_.:\-]")
_PUNCT = MappingProxyType({"(": Kind.LPAREN, ")": Kind.RPAREN, ",": Kind.COMMA, "/": Kind.SLASH})


def tokenize(source: str) -> list[Token]:
    """All tokens of `source`, ending with an END token."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(source):
        char = source[pos]
        if char.isspace():
            pos += 1
        elif char in _PUNCT:
            tokens.append(Token(_PUNCT[char], char, pos))
            pos += 1
        elif char == "'":
            token, pos = _string(source, pos)
            tokens.append(token)
        else:
            token = _literal_or_name(source, pos)
            tokens.append(token)
            pos += len(token.text)
    tokens.append(Token(Kind.END, "", len(source)))
    return tokens


def _string(source: str, start: int) -> tuple[Token, int]:
    chars: list[str] = []
    pos = start + 1
    while pos < len(source):
        if source[pos] == "'":
            if source.startswith("''", pos):
                chars.append("'")
                pos += 2
                continue
            return Token(Kind.STRING, "".join(chars), start), pos + 1
        chars.append(source[pos])
        pos += 1
    raise FilterSyntaxError("Unterminated string literal", start, source)


def _literal_or_name(source: str, pos: int) -> Token:
    for kind, pattern in ((Kind.GUID, GUID_RE), (Kind.DATETIME, DATETIME_RE), (Kind.NUMBER, _NUMBER)):
        match = pattern.match(source, pos)
        if match and not _continues(source, match.end(), kind):
            return Token(kind, match.group(0), pos)
    match = _NAME.match(source, pos)
    if match:
        return Token(Kind.NAME, match.group(0), pos)
    word = _WORD.match(source, pos)
    if word and word.group(0)[0].isdigit():
        raise FilterSyntaxError(f"Syntax error: '{word.group(0)}' is not a valid literal", pos, source)
    raise FilterSyntaxError(f"Syntax error: character '{source[pos]}' is not valid", pos, source)


def _continues(source: str, end: int, kind: Kind) -> bool:
    """True when the match runs into more literal characters (e.g. a 'GUID' with extra hex)."""
    if end >= len(source):
        return False
    if kind is Kind.NUMBER:
        return source[end].isalpha() or source[end] in "_-:"
    return bool(_BOUNDARY.match(source[end]))
