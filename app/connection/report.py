"""The result of a connection test: one entry per check, each saying what to fix."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

CheckStatus = Literal["passed", "warning", "failed", "skipped"]


class ConnectionCheck(BaseModel):
    name: str
    status: CheckStatus
    message: str
    hint: str | None = None


class ConnectionTestReport(BaseModel):
    ok: bool
    saved: bool = False
    token_endpoint: str | None = None
    checks: list[ConnectionCheck]

    @classmethod
    def from_checks(cls, checks: list[ConnectionCheck], token_endpoint: str | None) -> ConnectionTestReport:
        return cls(
            ok=all(check.status != "failed" for check in checks),
            token_endpoint=token_endpoint,
            checks=checks,
        )

    def first_failure(self) -> ConnectionCheck | None:
        return next((check for check in self.checks if check.status == "failed"), None)
