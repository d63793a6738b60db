"""The CRM port on Creatio: a write refused for a missing lookup record names the lookup."""

from __future__ import annotations

import re
from collections.abc import Callable
from uuid import UUID, uuid4

import httpx
import pytest

from app.adapters.creatio import CreatioClient
from app.adapters.creatio.crm import CreatioCrm
from app.domain.case import CaseDraft
from app.domain.creatio_ids import RoleIds
from app.ports.errors import MissingReference
from tests.support.fake_creatio import FakeCreatio, creatio_error, json_response

CASE_ID = UUID("5f3ad5cc-1b0e-4c53-9e5e-6a3c2f0d9b11")
CUSTOMER = UUID("5b0c0001-0000-4000-8000-000000000101")
OWNER = UUID("5b0c0001-0000-4000-8000-00000000000b")
PG_FOREIGN_KEY = (
    '23503: insert or update on table "Case" violates foreign key constraint "FK4m3sBl8lwNm9PSZAcOpd"'
)


def draft(**fields: object) -> CaseDraft:
    return CaseDraft(
        id=CASE_ID,
        subject="Printer on fire",
        symptoms="It smokes.",
        contact_id=CUSTOMER,
        owner_id=OWNER,
        group_id=RoleIds.FIRST_LINE,
        fields=fields,
    )


def creatio_without(
    missing: set[UUID], *, probes_fail: bool = False
) -> Callable[[httpx.Request], httpx.Response]:
    """An OData handler: POST Case is a foreign-key 500; `Id eq` lookups find every id but `missing`."""

    def handle(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return creatio_error(
                500, internal=PG_FOREIGN_KEY, inner="An error occurred while saving the entity."
            )
        if probes_fail:
            return creatio_error(503)
        wanted = re.findall(r"Id eq ([0-9a-f-]{36})", request.url.params["$filter"])
        return json_response(200, {"value": [{"Id": i} for i in wanted if UUID(i) not in missing]})

    return handle


async def create(
    fake: FakeCreatio, client: CreatioClient, missing: set[UUID], **fields: object
) -> MissingReference:
    fake.odata = creatio_without(missing)
    with pytest.raises(MissingReference) as info:
        await CreatioCrm(client).create_case(draft(**fields), [], new_contact=None, verify_existing=False)
    return info.value


async def test_the_missing_owner_is_found_among_the_lookups_sent(
    fake: FakeCreatio, client: CreatioClient
) -> None:
    error = await create(fake, client, {OWNER})

    assert (error.reference, error.column, error.value) == ("owner", "Case.OwnerId", str(OWNER))
    assert error.message == (
        f"Creatio has no record {OWNER} that Case.OwnerId may point at (deleted in Creatio?); "
        "the write was refused."
    )
    probed = [(r.url.path.rsplit("/", 1)[1], r.url.params["$filter"]) for r in fake.odata_requests[1:]]
    assert probed == [
        ("CaseOrigin", "Id eq 019259af-ec9c-4c87-9565-3c00700c7875"),
        ("Contact", f"Id eq {CUSTOMER} or Id eq {OWNER}"),
    ]  # one read per entity set, until the missing record is found


async def test_an_auto_filled_lookup_is_blamed_when_every_known_one_exists(
    fake: FakeCreatio, client: CreatioClient
) -> None:
    region = uuid4()

    error = await create(fake, client, {region}, UsrRegionId=str(region), UsrOrderNumber="AB-123456")

    assert (error.reference, error.column, error.value) == ("field", "Case.UsrRegionId", str(region))


async def test_without_a_culprit_the_refusal_stays_permanent_with_creatios_words(
    fake: FakeCreatio, client: CreatioClient
) -> None:
    ambiguous = await create(fake, client, set(), UsrRegionId=str(uuid4()), UsrAreaId=str(uuid4()))
    fake.odata = creatio_without({OWNER}, probes_fail=True)
    with pytest.raises(MissingReference) as unreadable:
        await CreatioCrm(client).create_case(draft(), [], new_contact=None, verify_existing=False)

    for error in (ambiguous, unreadable.value):
        assert (error.reference, error.column, error.value) == (None, None, None)
        assert error.message == (
            "Creatio refused POST Case: a lookup value in it points at a record that does not exist in "
            f"Creatio (a foreign-key violation; retrying cannot help). Creatio says: {PG_FOREIGN_KEY}"
        )
