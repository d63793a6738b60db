"""Agent-console control endpoints: list/read cases, reply as an agent, change a case's status or columns."""

from __future__ import annotations

from typing import Annotated, Any, Self
from uuid import UUID

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.params import FromPath, JSONBody, QueryParameter
from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.sandbox.agent import case_detail, case_summary, post_reply, set_fields, set_status
from app.sandbox.errors import ODataError
from app.sandbox.schema import ENTITY_SETS
from app.sandbox.serialize import row_to_json
from app.sandbox.store import SandboxStore


class ReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1)
    agent_contact_id: UUID | None = None


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status_id: UUID | None = None
    status_name: str | None = None
    agent_contact_id: UUID | None = None

    @model_validator(mode="after")
    def _one_status(self) -> Self:
        if (self.status_id is None) == (self.status_name is None):
            raise ValueError("give exactly one of status_id and status_name")
        return self


class FieldsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fields: dict[str, Any] = Field(min_length=1)
    agent_contact_id: UUID | None = None


def _translate(exc: Exception) -> HTTPException:
    if isinstance(exc, LookupError):
        return NotFoundException(detail=str(exc))
    if isinstance(exc, ODataError):
        return HTTPException(status_code=exc.status, detail=exc.detail)
    return ValidationException(detail=str(exc))


class CasesController(Controller):
    path = "/__sandbox/cases"
    include_in_schema = False

    @get("/")
    async def list_cases(
        self,
        sandbox: NamedDependency[SandboxStore],
        limit: Annotated[int | None, QueryParameter(ge=1, le=1000)] = None,
        offset: Annotated[int, QueryParameter(ge=0)] = 0,
    ) -> dict[str, Any]:
        """The cases, newest first, with status/owner/group/contact names: all of them, or a page
        (`limit`, `offset`); `total` counts them all."""
        cases = sorted(sandbox.rows("Case"), key=lambda c: c["CreatedOn"], reverse=True)
        shown = cases[offset : offset + limit if limit is not None else None]
        return {"cases": [case_summary(sandbox, case) for case in shown], "total": len(cases)}

    @get("/{case_id:uuid}")
    async def get_case(
        self, case_id: FromPath[UUID], sandbox: NamedDependency[SandboxStore]
    ) -> dict[str, Any]:
        try:
            return case_detail(sandbox, case_id)
        except LookupError as exc:
            raise _translate(exc) from None

    @post("/{case_id:uuid}/replies", status_code=201)
    async def reply(
        self, case_id: FromPath[UUID], data: JSONBody[ReplyIn], sandbox: NamedDependency[SandboxStore]
    ) -> dict[str, Any]:
        """The agent's reply as an Activity; the webhook gets `new_activity` in the background."""
        try:
            row = post_reply(sandbox, case_id, data.text, data.agent_contact_id)
        except (LookupError, ValueError, ODataError) as exc:
            raise _translate(exc) from None
        return row_to_json(ENTITY_SETS["Activity"], row)

    @post("/{case_id:uuid}/status", status_code=200)
    async def change_status(
        self, case_id: FromPath[UUID], data: JSONBody[StatusIn], sandbox: NamedDependency[SandboxStore]
    ) -> dict[str, Any]:
        """The case after the change; the webhook gets `case_updated` in the background."""
        try:
            row = set_status(
                sandbox,
                case_id,
                status_id=data.status_id,
                status_name=data.status_name,
                agent_contact_id=data.agent_contact_id,
            )
        except (LookupError, ValueError, ODataError) as exc:
            raise _translate(exc) from None
        return case_summary(sandbox, row)

    @post("/{case_id:uuid}/fields", status_code=200)
    async def change_fields(
        self, case_id: FromPath[UUID], data: JSONBody[FieldsIn], sandbox: NamedDependency[SandboxStore]
    ) -> dict[str, Any]:
        """The case after the change; the webhook gets `case_updated` in the background."""
        try:
            row = set_fields(sandbox, case_id, data.fields, data.agent_contact_id)
        except (LookupError, ValueError, ODataError) as exc:
            raise _translate(exc) from None
        return case_summary(sandbox, row)
