"""How a computed value reads in a table cell, a tooltip or a legend (Spanish or English)."""

from __future__ import annotations

import math

from app.stats.classify import format_number
from app.stats.indicators import Indicator

MISSING_TEXT = {"es": "Sin datos", "en": "No data"}
SUPPRESSED_TEXT = {"es": "Suprimido ({range} casos)", "en": "Suppressed ({range} cases)"}
YES_NO = {"es": ("No", "Sí"), "en": ("No", "Yes")}


def decimals_for(indicator: Indicator) -> int:
    if indicator.aggregation in ("ratio", "excess_ratio") or indicator.unit == "%":
        return 1
    return 0


def display_value(
    indicator: Indicator, value: float | None, status: str, suppressed_range: str, lang: str
) -> str:
    if status == "suppressed":
        if indicator.is_stored:
            return suppressed_range
        return SUPPRESSED_TEXT[lang].format(range=suppressed_range)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING_TEXT[lang]
    if indicator.aggregation == "excess_flag":
        return YES_NO[lang][int(value)]
    text = format_number(value, decimals_for(indicator))
    return f"{text} %" if indicator.unit == "%" else text
