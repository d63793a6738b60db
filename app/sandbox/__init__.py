"""Creatio sandbox: an in-repo emulator of Creatio's identity service, OData 4 API and process callbacks."""

from app.sandbox.app import create_sandbox_app
from app.sandbox.config import FaultProfile, SandboxConfig
from app.sandbox.store import SandboxStore

__all__ = ["FaultProfile", "SandboxConfig", "SandboxStore", "create_sandbox_app"]
