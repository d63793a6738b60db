"""The Chatwoot connector: signed webhooks translated into conversation events, agent replies and status
changes through Chatwoot's API, and Test & Save's checks (the seam: app/ports/chat_platforms.py)."""

from app.adapters.chatwoot.platform import ChatwootPlatform

__all__ = ["ChatwootPlatform"]
