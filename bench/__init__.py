"""Benchmarks for Casebridge: intake throughput, end-to-end sync against the sandbox, peak memory."""
