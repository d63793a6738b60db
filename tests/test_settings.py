"""Settings validated at start: a value Casebridge would misread is refused with what to give instead."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.settings import Settings


@pytest.mark.parametrize(
    ("value", "kept"),
    [("", ""), (" 10.0.0.5 , 10.1.0.0/16,::1", "10.0.0.5,10.1.0.0/16,::1"), ("10.0.0.5,*", "*")],
)
def test_trusted_proxies_are_addresses_or_networks(value: str, kept: str) -> None:
    assert Settings(trusted_proxies=value).trusted_proxies == kept


@pytest.mark.parametrize("value", ["proxy.internal", "10.0.0.5/24", "10.0.0.300"])
def test_anything_else_is_refused_at_start(value: str) -> None:
    with pytest.raises(ValidationError, match="not an IP address or network"):
        Settings(trusted_proxies=value)
