"""The chat platform adapter: signed deliveries out (the signature scheme is app/domain/signature.py)."""
