"""Croston / SBA / TSB: hand-computed case and statsforecast reference."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from snop.forecasting.intermittent import fit_intermittent

Y = np.array([0.0, 3.0, 0.0, 0.0, 5.0, 0.0, 2.0, 0.0])
NO_BT = np.full((1, 1), -1)


def test_croston_hand_computed() -> None:
    # sizes 3, 5, 2 and intervals 2, 3, 2 (first counted from the start), SES alpha 0.1
    # z: 3 -> 3 + 0.1 (5 - 3) = 3.2 -> 3.2 + 0.1 (2 - 3.2) = 3.08
    # p: 2 -> 2 + 0.1 (3 - 2) = 2.1 -> 2.1 + 0.1 (2 - 2.1) = 2.09
    f = fit_intermittent("croston", Y[None, :], np.array([8]), 3, NO_BT, 1)
    np.testing.assert_allclose(f.point[0], [3.08 / 2.09] * 3)
    sba = fit_intermittent("sba", Y[None, :], np.array([8]), 1, NO_BT, 1)
    assert sba.point[0, 0] == pytest.approx(0.95 * 3.08 / 2.09)
    assert f.names[0] == "Croston" and sba.names[0] == "SBA"


@pytest.mark.parametrize("variant", ["croston", "sba", "tsb"])
def test_matches_statsforecast(variant: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from statsforecast.models import TSB, CrostonClassic, CrostonSBA

    ref = {"croston": CrostonClassic(), "sba": CrostonSBA(), "tsb": TSB(0.1, 0.1)}[variant]
    rng = np.random.default_rng(3)
    for _ in range(5):
        y = rng.poisson(0.4, 40) * rng.integers(1, 9, 40).astype(float)
        y[0] = 0.0
        if not y.any():
            continue
        mine = fit_intermittent(variant, y[None, :], np.array([40]), 2, np.array([[30]]), 1)
        theirs = ref.forecast(y, 2, fitted=True)
        np.testing.assert_allclose(mine.point[0], theirs["mean"], rtol=1e-10)
        np.testing.assert_allclose(mine.fitted[0, 1:], theirs["fitted"][1:], rtol=1e-10)
        # the backtest from origin 30 equals a fit on the first 30 points
        np.testing.assert_allclose(mine.backtest[0, 0, 0], ref.forecast(y[:30], 1)["mean"][0])
