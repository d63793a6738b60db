"""Filter literal helpers, name validation, query-string and JSON body encoding."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from uuid import UUID

import pytest

from app.adapters.creatio import ids_filter, odata_bool, odata_datetime, odata_guid, odata_string
from app.adapters.creatio.http import encode_json, query_string
from app.adapters.creatio.odata import check_entity_set, orderby_keys, select_clause, stable_orderby

GUID = UUID("ae7f411e-f46b-1410-009b-0050ba5d6c38")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Resolved", "'Resolved'"),
        ("O'Hara", "'O''Hara'"),
        ("''", "''''''"),
        ("", "''"),
        ("a ' or 1 eq 1 or Name eq '", "'a '' or 1 eq 1 or Name eq '''"),
        ("Ünïcode & co", "'Ünïcode & co'"),
    ],
)
def test_odata_string_doubles_single_quotes(value: str, expected: str) -> None:
    assert odata_string(value) == expected


def test_odata_guid_is_bare_and_canonical() -> None:
    assert odata_guid(GUID) == "ae7f411e-f46b-1410-009b-0050ba5d6c38"
    assert odata_guid(" AE7F411E-F46B-1410-009B-0050BA5D6C38 ") == "ae7f411e-f46b-1410-009b-0050ba5d6c38"
    with pytest.raises(ValueError):
        odata_guid("ae7f411e' or 1 eq 1")


def test_odata_datetime_is_unquoted_utc_with_z() -> None:
    berlin = timezone(timedelta(hours=2))
    assert odata_datetime(datetime(2024, 1, 31, 11, 30, tzinfo=berlin)) == "2024-01-31T09:30:00Z"
    assert (
        odata_datetime(datetime(2024, 1, 31, 9, 30, 0, 120000, tzinfo=UTC)) == "2024-01-31T09:30:00.120000Z"
    )
    with pytest.raises(ValueError, match="timezone-aware"):
        odata_datetime(datetime(2024, 1, 31, 9, 30))


def test_bool_and_ids_filter() -> None:
    other = UUID("3e7f420c-f46b-1410-fc9a-0050ba5d6c38")
    assert odata_bool(True) == "true"
    assert odata_bool(False) == "false"
    assert ids_filter([GUID, other]) == f"Id eq {GUID} or Id eq {other}"
    assert ids_filter([GUID], field="Case/Id") == f"Case/Id eq {GUID}"
    with pytest.raises(ValueError):
        ids_filter([])


@pytest.mark.parametrize("name", ["Case", "SysAdminUnit", "Usr_Custom1"])
def test_valid_entity_sets(name: str) -> None:
    assert check_entity_set(name) == name


@pytest.mark.parametrize("name", ["", "Case?$top=1", "Case(1)", "../Case", "Case/Id", "1Case", "Ca se"])
def test_invalid_entity_sets(name: str) -> None:
    with pytest.raises(ValueError, match="entity set"):
        check_entity_set(name)


def test_select_and_orderby_validation() -> None:
    assert select_clause(["Id", "Name", "Status/Name", "Id"]) == "Id,Name,Status/Name"
    with pytest.raises(TypeError):
        select_clause("Id,Name")
    with pytest.raises(ValueError):
        select_clause(["Id&$top=9"])
    assert orderby_keys("CreatedOn  desc , Id") == ["CreatedOn desc", "Id"]
    with pytest.raises(ValueError):
        orderby_keys("Name; drop")
    assert stable_orderby("CreatedOn desc") == "CreatedOn desc,Id"
    assert stable_orderby("Id desc") == "Id desc"


def test_query_string_keeps_odata_punctuation_and_encodes_the_rest() -> None:
    query = query_string({"$filter": "Name eq 'a+b&c=d#e' and Case/Id eq 1", "$top": "10"})
    assert query == "$filter=Name%20eq%20'a%2Bb%26c%3Dd%23e'%20and%20Case/Id%20eq%201&$top=10"


def test_encode_json_handles_uuid_datetime_decimal() -> None:
    body = {
        "Id": GUID,
        "StartDate": datetime(2024, 1, 31, 9, 30, tzinfo=UTC),
        "Day": date(2024, 1, 31),
        "Amount": Decimal("12.50"),
        "Title": "Über",
    }
    assert json.loads(encode_json(body)) == {
        "Id": str(GUID),
        "StartDate": "2024-01-31T09:30:00Z",
        "Day": "2024-01-31",
        "Amount": "12.5",  # fixed-point, as Creatio reads it (payloads.odata_number)
        "Title": "Über",
    }
    with pytest.raises(ValueError, match="timezone-aware"):
        encode_json({"StartDate": datetime(2024, 1, 31)})
    with pytest.raises(ValueError):
        encode_json({"x": float("nan")})
    with pytest.raises(TypeError):
        encode_json({"x": object()})
