"""Cross-cutting observability: JSON logging and Prometheus metrics (any layer may use them)."""
