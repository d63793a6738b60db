"""Recursive-descent parser for `$filter` (precedence like ASP.NET OData: not > comparison > and > or)."""

from __future__ import annotations

from types import MappingProxyType

from app.sandbox.filter_ast import COMPARISONS, Call, Compare, Literal, Logical, Node, Not, Path
from app.sandbox.filter_lexer import FilterLiteralError, FilterSyntaxError, Kind, Token, tokenize
from app.sandbox.values import Edm, has_time_zone, parse_datetime, parse_guid

_KEYWORD_LITERALS = MappingProxyType(
    {"true": Literal(True, Edm.BOOLEAN), "false": Literal(False, Edm.BOOLEAN)}
)
_RESERVED = frozenset({"and", "or", "not", "null", *COMPARISONS, *_KEYWORD_LITERALS})


def parse_filter(source: str) -> Node:
    """The syntax tree of `source`; FilterSyntaxError on any syntax error."""
    return _Parser(source).parse()


class _Parser:
    def __init__(self, source: str) -> None:
        self._source = source
        self._tokens = tokenize(source)
        self._index = 0

    def parse(self) -> Node:
        if self._peek().kind is Kind.END:
            raise self._error("Expression expected")
        node = self._or()
        if self._peek().kind is not Kind.END:
            raise self._error(f"Syntax error: unexpected '{self._peek().text}'")
        return node

    def _or(self) -> Node:
        node = self._and()
        while self._keyword("or"):
            node = Logical("or", node, self._and())
        return node

    def _and(self) -> Node:
        node = self._comparison()
        while self._keyword("and"):
            node = Logical("and", node, self._comparison())
        return node

    def _comparison(self) -> Node:
        node = self._unary()
        token = self._peek()
        if token.kind is Kind.NAME and token.text in COMPARISONS:
            self._index += 1
            node = Compare(token.text, node, self._unary())
        return node

    def _unary(self) -> Node:
        if self._keyword("not"):
            return Not(self._unary())
        return self._primary()

    def _primary(self) -> Node:
        token = self._advance()
        if token.kind is Kind.LPAREN:
            node = self._or()
            self._expect(Kind.RPAREN)
            return node
        if token.kind is Kind.NAME:
            return self._name(token)
        return self._literal(token)

    def _name(self, token: Token) -> Node:
        if token.text in _KEYWORD_LITERALS:
            return _KEYWORD_LITERALS[token.text]
        if token.text == "null":
            return Literal(None, None)
        if token.text in _RESERVED:
            raise self._error(f"Syntax error: '{token.text}' is not expected here", token)
        if self._peek().kind is Kind.LPAREN:
            return self._call(token.text)
        segments = [token.text]
        while self._peek().kind is Kind.SLASH:
            self._index += 1
            segment = self._expect(Kind.NAME)
            if segment.text in _RESERVED:
                raise self._error("Syntax error: property name expected", segment)
            segments.append(segment.text)
        return Path(tuple(segments))

    def _call(self, name: str) -> Call:
        self._expect(Kind.LPAREN)
        args: list[Node] = []
        if self._peek().kind is not Kind.RPAREN:
            args.append(self._or())
            while self._peek().kind is Kind.COMMA:
                self._index += 1
                args.append(self._or())
        self._expect(Kind.RPAREN)
        return Call(name, tuple(args))

    def _literal(self, token: Token) -> Literal:
        if token.kind is Kind.STRING:
            return Literal(token.text, Edm.STRING)
        if token.kind is Kind.GUID:
            return Literal(parse_guid(token.text), Edm.GUID)
        if token.kind is Kind.DATETIME:
            if "T" in token.text.upper() and not has_time_zone(token.text):  # ExpressionLexer, UriUtils
                raise FilterLiteralError(
                    f"The DateTimeOffset text '{token.text}' should be in format "
                    "'yyyy-mm-ddThh:mm:ss('.'s+)?(zzzzzz)?' and each field value is within valid range."
                )
            return Literal(parse_datetime(token.text), Edm.DATETIME)
        if token.kind is Kind.NUMBER:
            is_int = token.text.lstrip("-").isdigit()
            return Literal(int(token.text), Edm.INT32) if is_int else Literal(float(token.text), Edm.DECIMAL)
        raise self._error("Expression expected", token)

    def _keyword(self, word: str) -> bool:
        token = self._peek()
        if token.kind is Kind.NAME and token.text == word:
            self._index += 1
            return True
        return False

    def _expect(self, kind: Kind) -> Token:
        token = self._advance()
        if token.kind is not kind:
            raise self._error(f"Syntax error: '{kind.value}' expected", token)
        return token

    def _peek(self) -> Token:
        return self._tokens[self._index]

    def _advance(self) -> Token:
        token = self._tokens[self._index]
        if token.kind is not Kind.END:
            self._index += 1
        return token

    def _error(self, message: str, token: Token | None = None) -> FilterSyntaxError:
        return FilterSyntaxError(message, (token or self._peek()).pos, self._source)
