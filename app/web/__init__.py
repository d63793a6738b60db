"""Inbound HTTP: the JSON API, the admin console and the demo pages, each handler given the narrow
services it names (services.py); every route is listed in routes.py."""
