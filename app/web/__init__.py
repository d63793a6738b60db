"""Inbound HTTP: health, metrics, admin API (and later events, webhooks, console pages)."""
