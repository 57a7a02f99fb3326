from __future__ import annotations

import numpy as np
import pandas as pd

from app.stats.indicators import CORE_REGISTRY
from app.stats.suppress import SuppressionPolicy, apply_suppression, suppress_observations

POLICY = SuppressionPolicy.from_text(5, "departamento, establishment")


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "value": [0.0, 3.0, 4.0, 5.0, np.nan],
            "numerator": [0.0, 3.0, 4.0, 5.0, np.nan],
            "denominator": [100.0] * 5,
            "status": ["ok", "ok", "ok", "ok", "missing"],
        },
        index=["a", "b", "c", "d", "e"],
    )


def test_counts_from_one_to_threshold_minus_one_become_a_range() -> None:
    out = apply_suppression(_frame(), CORE_REGISTRY["tb_cases"], "departamento", POLICY)
    assert list(out["status"]) == ["ok", "suppressed", "suppressed", "ok", "missing"]
    assert out.loc["b", "suppressed_range"] == "1-4" and np.isnan(out.loc["b", "value"])
    assert out.loc["a", "value"] == 0.0 and out.loc["d", "value"] == 5.0


def test_rates_follow_their_numerator() -> None:
    frame = _frame()
    frame["value"] = frame["numerator"] / frame["denominator"] * 100000
    out = apply_suppression(frame, CORE_REGISTRY["tb_rate"], "establishment", POLICY)
    assert out.loc["c", "status"] == "suppressed" and np.isnan(out.loc["c", "numerator"])


def test_levels_not_configured_and_non_sensitive_indicators_are_untouched() -> None:
    assert (
        apply_suppression(_frame(), CORE_REGISTRY["tb_cases"], "oficina_regional", POLICY)["status"]
        != "suppressed"
    ).all()
    assert (
        apply_suppression(_frame(), CORE_REGISTRY["population"], "departamento", POLICY)["status"]
        != "suppressed"
    ).all()
    off = SuppressionPolicy.from_text(0, "departamento")
    assert (
        apply_suppression(_frame(), CORE_REGISTRY["tb_cases"], "departamento", off)["status"]
        != "suppressed"
    ).all()


def test_stored_rows_of_sensitive_indicators_show_the_range_at_configured_levels() -> None:
    rows = pd.DataFrame(
        {
            "indicator": ["tb_cases", "tb_cases", "tb_cases", "population"],
            "place_type": ["departamento", "departamento", "national", "departamento"],
            "value": [3.0, 7.0, 2.0, 3.0],
            "note": ["", "", "", ""],
        }
    )
    out = suppress_observations(rows, {"tb_cases"}, POLICY)
    assert list(out["status"]) == ["suppressed", "ok", "ok", "ok"]
    assert out.at[0, "note"] == "1-4" and np.isnan(out.at[0, "value"])
    off = suppress_observations(rows, {"tb_cases"}, SuppressionPolicy.from_text(1, "departamento"))
    assert (off["status"] == "ok").all()
