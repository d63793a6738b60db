"""The Creatio connection: saved settings, Test & Save checks, and the live client built from them."""
