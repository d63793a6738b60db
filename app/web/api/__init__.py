"""The JSON HTTP API: chat events, the Creatio webhook, health, and the admin API behind the admin token."""
