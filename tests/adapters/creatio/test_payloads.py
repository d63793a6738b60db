"""Bodies Casebridge sends: only the columns a change sets, numbers as Creatio reads them."""

import json
from decimal import Decimal
from uuid import UUID

import pytest

from app.adapters.creatio.http import encode_json
from app.adapters.creatio.payloads import SUBJECT_LIMIT, case_body, case_changes_body, odata_number
from app.domain.case import CaseChanges, CaseDraft

OWNER = UUID("5a1e0000-0000-4000-8000-000000000001")


def test_subject_and_symptoms_are_sent_only_when_set() -> None:
    assert case_changes_body(CaseChanges(owner_id=OWNER)) == {"OwnerId": str(OWNER)}
    assert case_changes_body(CaseChanges(subject="Printer on fire")) == {"Subject": "Printer on fire"}
    assert case_changes_body(CaseChanges(symptoms="")) == {"Symptoms": ""}  # empty is a value
    assert case_changes_body(CaseChanges(subject="x" * 300))["Subject"] == "x" * SUBJECT_LIMIT


def test_changes_of_subject_or_symptoms_alone_are_not_empty() -> None:
    assert CaseChanges().is_empty()
    assert not CaseChanges(subject="Printer on fire").is_empty()
    assert not CaseChanges(symptoms="").is_empty()


@pytest.mark.parametrize(
    ("value", "sent"),
    [
        (12, "12"),
        (12.0, "12"),  # an Edm.Int32 column takes no ".0"
        (12.5, "12.5"),
        (-0.25, "-0.25"),
        (1e-7, "0.0000001"),  # no exponent: .NET's decimal parser refuses one
        (1e20, "100000000000000000000"),
        (Decimal("1E+2"), "100"),
        (Decimal("12.500"), "12.5"),
    ],
)
def test_numbers_are_sent_as_fixed_point_strings(value: float | Decimal, sent: str) -> None:
    assert odata_number(value) == sent
    assert case_changes_body(CaseChanges(fields={"UsrRefundAmount": value})) == {"UsrRefundAmount": sent}


def test_auto_filled_values_that_are_not_numbers_are_sent_as_they_are() -> None:
    fields = {"UsrOrderNumber": "AB-123456", "UsrVip": True, "PriorityId": str(OWNER), "UsrDue": None}
    draft = CaseDraft(
        id=OWNER, subject="s", symptoms="y", contact_id=None, owner_id=None, group_id=None, fields=fields
    )

    body = case_body(draft)

    assert {name: body[name] for name in fields} == fields
    assert json.loads(encode_json(body))["UsrVip"] is True


@pytest.mark.parametrize("value", [float("nan"), float("inf"), Decimal("NaN")])
def test_a_number_creatio_cannot_store_is_refused_before_sending(value: float | Decimal) -> None:
    with pytest.raises(ValueError, match="only finite numbers"):
        odata_number(value)


def test_a_decimal_anywhere_in_a_body_is_encoded_fixed_point() -> None:
    assert encode_json({"Amount": Decimal("1E-3")}) == b'{"Amount":"0.001"}'
