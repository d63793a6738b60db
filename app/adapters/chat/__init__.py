"""The chat platform adapter: signatures on events in and deliveries out."""
