"""Statistical forecasting engine: automatic per-series model choice, intervals, hierarchy.

Public API::

    from snop.forecasting import forecast_panel, ForecastResult
    result = forecast_panel(sales, horizon=18, method="auto", levels=(80, 95))

See docs/forecasting.md for the methods, the treatments of bad input and the benchmark.
"""

from snop.forecasting.engine import METHODS, ForecastResult, forecast_panel
from snop.forecasting.reconciliation import RECONCILE_METHODS

__all__ = ["METHODS", "RECONCILE_METHODS", "ForecastResult", "forecast_panel"]
