"""Small-cell suppression of sensitive health figures (TB, HIV), applied to computed values.

A sensitive count from 1 to threshold-1 at a configured level is published as the range
'1-(threshold-1)', never as a number; a rate whose numerator is such a count is suppressed too.
Zero is published (it identifies nobody). Every output (JSON, CSV, maps) takes its computed
values from `apply_suppression` and its stored rows from `suppress_observations`, so
suppression is the same everywhere. Known limit: a suppressed place's
count can sometimes be recovered by subtracting the published places from a published total
(no complementary suppression).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd

from app.stats.indicators import Indicator


@dataclass(frozen=True)
class SuppressionPolicy:
    """Counts in [1, threshold) are suppressed at `levels`; threshold <= 1 disables it."""

    threshold: int = 5
    levels: frozenset[str] = frozenset()

    @classmethod
    def from_text(cls, threshold: int, levels: str) -> SuppressionPolicy:
        names = frozenset(part.strip() for part in levels.split(",") if part.strip())
        return cls(threshold, names)

    def applies(self, indicator: Indicator, level: str) -> bool:
        return indicator.is_sensitive and self.threshold > 1 and level in self.levels

    @property
    def range_text(self) -> str:
        return "1" if self.threshold == 2 else f"1-{self.threshold - 1}"


NO_SUPPRESSION = SuppressionPolicy(0, frozenset())


def small_count_mask(counts: pd.Series, threshold: int) -> pd.Series:
    """True where a count is from 1 to threshold-1."""
    values = counts.astype(float)
    return (values >= 1) & (values < threshold)


def apply_suppression(
    frame: pd.DataFrame, indicator: Indicator, level: str, policy: SuppressionPolicy
) -> pd.DataFrame:
    """A copy of a `compute` frame with small sensitive counts hidden.

    Suppressed rows get status 'suppressed', value/numerator None and `suppressed_range`
    (e.g. '1-4': the range of the hidden count). Other rows get an empty range.
    """
    out = frame.copy()
    out["suppressed_range"] = ""
    if not policy.applies(indicator, level) or out.empty:
        return out
    count = out["value"] if indicator.is_stored else out["numerator"]
    mask = small_count_mask(count, policy.threshold).to_numpy()
    if not mask.any():
        return out
    out.loc[mask, "value"] = np.nan
    out.loc[mask, "numerator"] = np.nan
    out.loc[mask, "status"] = "suppressed"
    out.loc[mask, "suppressed_range"] = policy.range_text
    return out


def suppress_observations(
    frame: pd.DataFrame, sensitive: Collection[str], policy: SuppressionPolicy
) -> pd.DataFrame:
    """A copy of stored observation rows (columns indicator, place_type, value, note) with
    small counts of the `sensitive` indicators hidden at the policy's levels.

    Every row gets a status ('ok', 'missing' or 'suppressed'); a suppressed row's value
    becomes None and its note the range of the hidden count.
    """
    out = frame.copy()
    out["status"] = np.where(out["value"].isna(), "missing", "ok")
    if policy.threshold <= 1:
        return out
    is_target = frame["indicator"].isin(list(sensitive)) & frame["place_type"].isin(policy.levels)
    mask = (is_target & small_count_mask(frame["value"], policy.threshold)).to_numpy()
    out.loc[mask, "status"] = "suppressed"
    out.loc[mask, "note"] = policy.range_text
    out.loc[mask, "value"] = np.nan
    return out
