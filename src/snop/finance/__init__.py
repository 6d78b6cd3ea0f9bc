"""The plan in money: prices, the costing rule, the financial plan and the gap to budget.

Pure domain code: frames in, frames out; no store, no printing (docs/finance.md).
"""
