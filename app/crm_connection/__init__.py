"""The saved Creatio connection: Test & Save checks, and the live CRM built from what was saved."""
