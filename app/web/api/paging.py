"""Query and path parameters for admin lists and rows, bounded so every accepted value fits the database's
integers (a larger one used to reach the driver and end in a 500)."""

from __future__ import annotations

from typing import Annotated

from litestar.params import Parameter, QueryParameter

from app.db.tables import MAX_DATABASE_INTEGER

Limit = Annotated[int, QueryParameter(ge=1, le=200)]
Offset = Annotated[int, QueryParameter(ge=0, le=MAX_DATABASE_INTEGER)]
JobId = Annotated[int, Parameter(ge=1, le=MAX_DATABASE_INTEGER)]
