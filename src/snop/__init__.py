"""snop: Sales & Operations Planning.

The monthly S&OP cycle (forecast, demand review, supply review, finance, executive pack) on a
planning workbook, stored in SQLite or PostgreSQL, behind one set of services used by the CLI.
"""

__version__ = "0.1.0"
