"""Learning from the cycle: KPIs of plan against actual, exceptions with an owner role and
the "what changed" waterfall between two plans.

Pure domain code on pandas frames with documented columns (no store, no printing), so the
services can feed it from stored plan versions and actuals. See docs/learning.md.
"""
