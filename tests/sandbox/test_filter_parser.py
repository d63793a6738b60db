"""The `$filter` tokenizer and recursive-descent parser (pure units, no HTTP)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest

from app.sandbox.filter_ast import Call, Compare, Literal, Logical, Not, Path
from app.sandbox.filter_lexer import FilterSyntaxError, Kind, tokenize
from app.sandbox.filter_parser import parse_filter
from app.sandbox.values import Edm

GUID = "ae5f2f10-f46b-1410-fd9a-0050ba5d6c38"


def test_tokenizer_kinds() -> None:
    tokens = tokenize(
        f"Status/Id eq {GUID} and CreatedOn gt 2024-01-31T09:30:00Z or Name eq 'O''Hara' and X le -1.5"
    )

    kinds = [t.kind.name for t in tokens]
    assert kinds == [
        "NAME", "SLASH", "NAME", "NAME", "GUID", "NAME", "NAME", "NAME", "DATETIME",
        "NAME", "NAME", "NAME", "STRING", "NAME", "NAME", "NAME", "NUMBER", "END",
    ]  # fmt: skip
    assert tokens[12].text == "O'Hara"
    assert tokens[16].text == "-1.5"


def test_guid_starting_with_letters_or_digits_is_one_token() -> None:
    tokens = tokenize("debf4124-f46b-1410-3592-0050ba5d6c38 019259af-ec9c-4c87-9565-3c00700c7875")

    assert [t.kind for t in tokens[:2]] == [Kind.GUID, Kind.GUID]


def test_string_escaping() -> None:
    node = parse_filter("Name eq 'It''s ''quoted'''")

    assert node == Compare("eq", Path(("Name",)), Literal("It's 'quoted'", Edm.STRING))


def test_literals() -> None:
    cases = {
        "X eq null": Literal(None, None),
        "X eq true": Literal(True, Edm.BOOLEAN),
        "X eq false": Literal(False, Edm.BOOLEAN),
        "X eq 42": Literal(42, Edm.INT32),
        "X eq 4.5": Literal(4.5, Edm.DECIMAL),
        f"X eq {GUID}": Literal(UUID(GUID), Edm.GUID),
        "X eq 2024-01-31T09:30:00Z": Literal(datetime(2024, 1, 31, 9, 30, tzinfo=UTC), Edm.DATETIME),
        "X eq 2024-01-31T10:30:00+01:00": Literal(datetime(2024, 1, 31, 9, 30, tzinfo=UTC), Edm.DATETIME),
        "X eq 2024-01-31": Literal(datetime(2024, 1, 31, tzinfo=UTC), Edm.DATETIME),
    }
    for text, literal in cases.items():
        node = parse_filter(text)
        assert isinstance(node, Compare)
        assert node.right == literal, text


def test_precedence_and_binds_tighter_than_or() -> None:
    node = parse_filter("A eq 1 or B eq 2 and C eq 3")

    assert node == Logical(
        "or",
        Compare("eq", Path(("A",)), Literal(1, Edm.INT32)),
        Logical(
            "and",
            Compare("eq", Path(("B",)), Literal(2, Edm.INT32)),
            Compare("eq", Path(("C",)), Literal(3, Edm.INT32)),
        ),
    )


def test_parentheses_override_precedence() -> None:
    node = parse_filter("(A eq 1 or B eq 2) and C eq 3")

    assert isinstance(node, Logical)
    assert node.op == "and"
    assert isinstance(node.left, Logical)
    assert node.left.op == "or"


def test_not_binds_tighter_than_comparison_like_aspnet_odata() -> None:
    assert parse_filter("not contains(Name,'x')") == Not(
        Call("contains", (Path(("Name",)), Literal("x", Edm.STRING)))
    )
    assert parse_filter("not IsFinal eq true") == Compare(
        "eq", Not(Path(("IsFinal",))), Literal(True, Edm.BOOLEAN)
    )
    assert parse_filter("not (A eq 1)") == Not(Compare("eq", Path(("A",)), Literal(1, Edm.INT32)))


def test_navigation_paths_and_functions() -> None:
    node = parse_filter("startswith(Case/Status/Name, 'Res') and endswith(tolower(Subject),'x')")

    assert isinstance(node, Logical)
    assert node.left == Call("startswith", (Path(("Case", "Status", "Name")), Literal("Res", Edm.STRING)))
    assert node.right == Call("endswith", (Call("tolower", (Path(("Subject",)),)), Literal("x", Edm.STRING)))


def test_left_associative_chains() -> None:
    node = parse_filter("A eq 1 and B eq 2 and C eq 3")

    assert isinstance(node, Logical)
    assert isinstance(node.left, Logical)
    assert node.right == Compare("eq", Path(("C",)), Literal(3, Edm.INT32))


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("", 0),
        ("Name eq", 7),
        ("Name eq 'open", 8),
        ("Name eq 'a' and", 15),
        ("(Name eq 'a'", 12),
        ("Name eq 'a')", 11),
        ("Name eq 'a' eq 'b'", 12),
        ("Name # 'a'", 5),
        ("Id eq guid'ae5f2f10-f46b-1410-fd9a-0050ba5d6c38'", 10),
        ("Status/ eq 1", 8),
        ("contains(Name,'a'", 17),
        ("Name eq and", 8),
        ("X eq 12abc", 5),
    ],
)
def test_syntax_errors_name_the_position(text: str, position: int) -> None:
    with pytest.raises(FilterSyntaxError) as info:
        parse_filter(text)

    assert info.value.pos == position
    assert f"at position {position} in '{text}'" in str(info.value)
