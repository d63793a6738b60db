"""The database's constraint messages as Creatio passes them on in its OData 500s, for SQL Server and
PostgreSQL (`SandboxConfig.database`), with constraint names generated the way Creatio's look.

Creatio wraps the provider's exception (Terrasoft.Common.DbOperationException around a SqlException or an
Npgsql PostgresException, whose message is `<SQLSTATE>: <text>` in Npgsql 3.2.7, the version a public
8.1 installation ships). Its constraint names are hashes (`FKcz7zFBD4sHNstTVOPawt3vXRHw`), so a message
names neither the column nor, on PostgreSQL, the referenced table: a client must find the column itself.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Literal

from app.sandbox.errors import ODataError

Database = Literal["mssql", "postgresql"]
SAVE_FAILED = "An error occurred while saving the entity."
_TERMINATED = "\r\nThe statement has been terminated."


def constraint_name(prefix: str, table: str, column: str) -> str:
    """A stable Creatio-style name: the prefix and 26 letters and digits."""
    digest = base64.b64encode(hashlib.sha256(f"{table}.{column}".encode()).digest()).decode()
    return prefix + "".join(c for c in digest if c.isalnum())[:26]


def foreign_key_violation(
    database: Database, verb: Literal["INSERT", "UPDATE"], table: str, column: str, target: str
) -> ODataError:
    """A write whose lookup `table.column` points at no `target` row."""
    name = constraint_name("FK", table, column)
    if database == "postgresql":
        detail = f'23503: insert or update on table "{table}" violates foreign key constraint "{name}"'
    else:
        detail = (
            f'The {verb} statement conflicted with the FOREIGN KEY constraint "{name}". The conflict '
            f'occurred in database "creatio", table "dbo.{target}", column \'Id\'.{_TERMINATED}'
        )
    return ODataError(500, detail, SAVE_FAILED)


def reference_violation(database: Database, table: str, referencing: str, column: str) -> ODataError:
    """A delete of a `table` row that `referencing.column` still points at."""
    name = constraint_name("FK", referencing, column)
    if database == "postgresql":
        detail = (
            f'23503: update or delete on table "{table}" violates foreign key constraint "{name}" '
            f'on table "{referencing}"'
        )
    else:
        detail = (
            f'The DELETE statement conflicted with the REFERENCE constraint "{name}". The conflict occurred '
            f'in database "creatio", table "dbo.{referencing}", column \'{column}\'.{_TERMINATED}'
        )
    return ODataError(500, detail, SAVE_FAILED)


def duplicate_key(database: Database, table: str, key: object) -> ODataError:
    """An insert whose Id exists already (primary-key names are not hashed here: not seen in a source)."""
    name = f"PK{table}"
    if database == "postgresql":
        detail = f'23505: duplicate key value violates unique constraint "{name}"'
    else:
        detail = (
            f"Violation of PRIMARY KEY constraint '{name}'. Cannot insert duplicate key in object "
            f"'dbo.{table}'. The duplicate key value is ({key}).{_TERMINATED}"
        )
    return ODataError(500, detail, SAVE_FAILED)
