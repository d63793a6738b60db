"""Creatio to chat: re-read a case, store what the chat must hear, deliver it; the reconciliation."""
