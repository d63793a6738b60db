"""Creatio's two runtimes as facts of the CRM: where each serves OData 4 (Academy "OData basics": `/0/odata`
on .NET Framework, `/odata` on .NET Core, .NET 6 and .NET 8), and the admin's choice of platform for a
connection. The Creatio adapter builds its OData URLs from them and the sandbox serves them."""

from __future__ import annotations

from typing import Literal

CreatioPlatform = Literal["netframework", "netcore"]
PlatformChoice = Literal["auto", "netframework", "netcore"]  # "auto": detected at Test & Save

PLATFORM_CHOICES: tuple[PlatformChoice, ...] = ("auto", "netframework", "netcore")
ODATA_PATHS: dict[CreatioPlatform, str] = {"netframework": "/0/odata", "netcore": "/odata"}
PLATFORM_NAMES: dict[CreatioPlatform, str] = {
    "netframework": ".NET Framework",
    "netcore": ".NET Core / .NET 8",
}


def as_platform_choice(value: object) -> PlatformChoice:
    """`value` as a platform choice; "auto" for anything else (a stored or typed value from before)."""
    return next((choice for choice in PLATFORM_CHOICES if choice == value), "auto")
