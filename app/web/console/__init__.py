"""The admin console: server-rendered pages behind an admin login (routed in app/web/routes.py)."""
