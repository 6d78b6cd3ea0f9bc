"""Scenarios: named sets of changes (deltas) on a plan's inputs, run and compared with the
base (docs/scenarios.md). Pure domain code."""
