"""Indicators, aggregation and classification: pure functions over catalog frames, no DB, no HTTP."""
