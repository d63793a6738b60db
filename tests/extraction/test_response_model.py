"""The response model built from the mapping: typed values, quoted evidence, patterns, ranges."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from app.extraction.mapping import FieldMapping
from app.extraction.mapping_loader import load_mapping
from app.extraction.normalise import normalise
from app.extraction.response_model import build_response_model, to_values

TRANSCRIPT = normalise("My invoice is wrong!\nIt\u2019s order AB-123456 \u2014 please fix it before Friday.")


def answer(value: Any = None, confidence: float = 0.0, evidence: str | None = None) -> dict[str, Any]:
    return {"value": value, "confidence": confidence, "evidence": evidence}


def payload(**fields: dict[str, Any]) -> dict[str, Any]:
    return {name: fields.get(name, answer()) for name in ("priority", "category", "order_number", "product")}


@pytest.fixture(scope="module")
def model(mapping: FieldMapping) -> type[BaseModel]:
    return build_response_model(mapping)


def validate(model: type[BaseModel], data: dict[str, Any]) -> BaseModel:
    return model.model_validate(data, context={"transcript": TRANSCRIPT})


def test_schema_has_literal_values_and_every_field_required(model: type[BaseModel]) -> None:
    schema = model.model_json_schema()
    assert schema["title"] == "CaseFields"
    assert schema["required"] == ["priority", "category", "order_number", "product"]
    priority = schema["$defs"]["PriorityAnswer"]["properties"]["value"]["anyOf"][0]
    assert priority["enum"] == ["Critical", "High", "Medium", "Low"]
    order = schema["$defs"]["OrderNumberAnswer"]["properties"]["value"]["anyOf"][0]
    assert (order["pattern"], order["maxLength"]) == (r"^[A-Z]{2}-\d{6}$", 9)


def test_valid_answers_with_typographic_quotes_normalised(
    model: type[BaseModel], mapping: FieldMapping
) -> None:
    parsed = validate(
        model,
        payload(
            priority=answer("High", 0.8, '"please fix it before Friday"'),
            order_number=answer("AB-123456", 0.9, "It's order AB-123456"),
        ),
    )
    values = to_values(parsed, mapping)
    assert (values["priority"].value, values["priority"].confidence) == ("High", 0.8)
    assert values["order_number"].value == "AB-123456"
    assert values["category"].value is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"priority": answer("Urgent", 0.9, "invoice is wrong")}, "Input should be 'Critical', 'High'"),
        ({"priority": answer("High", 0.9, "the customer is angry")}, "does not occur in it"),
        ({"priority": answer("High", 0.9, None)}, "evidence is required when value is set"),
        ({"priority": answer("High", 1.5, "invoice is wrong")}, "less than or equal to 1"),
        ({"order_number": answer("AB-12345", 0.9, "AB-123456")}, "String should match pattern"),
        ({"order_number": answer("ab-123456", 0.9, "AB-123456")}, "String should match pattern"),
        ({"product": answer("Billing", 0.9, "invoice")}, "Input should be 'Billing portal'"),
    ],
)
def test_invalid_answers_are_rejected_with_a_fixable_message(
    model: type[BaseModel], fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        validate(model, payload(**fields))


def test_extra_keys_and_missing_fields_are_rejected(model: type[BaseModel]) -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        validate(model, payload() | {"status": answer()})
    with pytest.raises(ValidationError, match="Field required"):
        validate(model, {"priority": answer()})


def test_evidence_cannot_be_checked_without_the_transcript(model: type[BaseModel]) -> None:
    with pytest.raises(ValidationError, match="no conversation to check the evidence against"):
        model.model_validate(payload(priority=answer("High", 0.9, "invoice")))


def test_number_boolean_and_date_fields(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(
        "version: 1\nfields:\n"
        "  seats: {column: UsrSeats, type: number, description: Seats., min: 1, max: 500}\n"
        "  vip: {column: UsrVip, type: boolean, description: VIP customer.}\n"
        "  due: {column: UsrDue, type: date, description: Due date.}\n"
    )
    mapping = load_mapping(tmp_path)
    model = build_response_model(mapping)
    context = {"transcript": normalise("We need 40 seats by 2026-12-01, we are VIP")}
    ok = model.model_validate(
        {
            "seats": answer(40, 0.9, "40 seats"),
            "vip": answer(True, 0.7, "we are VIP"),
            "due": answer("2026-12-01", 0.8, "by 2026-12-01"),
        },
        context=context,
    )
    assert [v.value for v in to_values(ok, mapping).values()] == [40.0, True, date(2026, 12, 1)]
    with pytest.raises(ValidationError, match="less than or equal to 500"):
        model.model_validate(
            {"seats": answer(900, 0.9, "40 seats"), "vip": answer(), "due": answer()}, context=context
        )
