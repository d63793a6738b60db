"""The core's contracts: what the pipeline needs (external systems, stores, jobs), the errors they raise."""
