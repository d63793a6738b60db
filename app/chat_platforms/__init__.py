"""The saved chat connectors as an admin sets them up: Test & Save, and what the console and API show."""
