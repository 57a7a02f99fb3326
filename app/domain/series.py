"""Time series of one indicator at one place: one granularity, with the missing periods."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from app.catalog.snapshot import Catalog
from app.codes import NATIONAL_CODE, UNIT_LEVELS, parse_period, period_sort_key
from app.domain.display import display_value
from app.domain.params import check_lang, resolve_indicator
from app.errors import InvalidParameterError, NotFoundError
from app.exports.download import Download, sources_text
from app.stats.aggregate import level_rows, place_names
from app.stats.engine import Scope
from app.stats.indicators import Indicator
from app.stats.suppress import SuppressionPolicy, apply_suppression
from app.stats.timeline import GRANULARITIES, default_granularity, missing_periods, period_range


@dataclass(frozen=True)
class SeriesParams:
    indicator: str
    place: str = NATIONAL_CODE
    start: str | None = None
    end: str | None = None
    granularity: str | None = None
    lang: str = "es"


def level_of(place: str) -> str:
    """The level a place code belongs to (PE, OR-*, EP-*/EML-*, or a UBIGEO)."""
    if place == NATIONAL_CODE:
        return "national"
    if place.startswith("OR-"):
        return "oficina_regional"
    if place.startswith(("EP-", "EML-")):
        return "establishment"
    for level, digits in UNIT_LEVELS.items():
        if place.isdigit() and len(place) == digits:
            return level
    raise InvalidParameterError(
        f"unknown place '{place}'; use PE, an OR- code, an EP-/EML- code or a UBIGEO (2, 4 or 6 digits)"
    )


def _bound(text: str | None, name: str) -> tuple[int, int, int] | None:
    if not text:
        return None
    try:
        return parse_period(text).end_key
    except ValueError as exc:
        raise InvalidParameterError(f"{name}: {exc}") from None


def series_frame(
    catalog: Catalog, indicator: Indicator, place: str, policy: SuppressionPolicy
) -> pd.DataFrame:
    """Every period where `place` has a value of `indicator` (suppression applied), oldest
    first: one query over all periods (app/stats/engine.py), never one per period."""
    level = level_of(place)
    if indicator.aggregation == "none":
        return pd.DataFrame(columns=["period"])
    rows = level_rows(catalog, indicator, Scope(level, "", place=place))
    rows = rows[rows["value"].notna() & (rows["place"] == place)].copy()
    rows["status"] = "ok"
    rows = apply_suppression(rows, indicator, level, policy)
    rows["key"] = rows["period"].map(period_sort_key)
    return rows.sort_values("key").reset_index(drop=True)


def build_series(
    catalog: Catalog, params: SeriesParams, policy: SuppressionPolicy, with_table: bool = True
) -> Download:
    """The series as a Download. `with_table=False` (a JSON answer, made from the body alone)
    leaves the download table empty."""
    lang = check_lang(params.lang)
    indicator = resolve_indicator(catalog, params.indicator)
    level = level_of(params.place)
    names = place_names(catalog, level)
    if params.place not in names.index:
        raise NotFoundError(f"no {level} with code '{params.place}'")
    if params.granularity and params.granularity not in GRANULARITIES:
        raise InvalidParameterError(
            f"unknown granularity '{params.granularity}'; valid: {', '.join(GRANULARITIES)}"
        )
    start, end = _bound(params.start, "from"), _bound(params.end, "to")
    frame = series_frame(catalog, indicator, params.place, policy)
    periods = [
        p
        for p in map(parse_period, frame["period"])
        if (not start or p.end_key >= start) and (not end or p.end_key <= end)
    ]
    granularity = params.granularity or default_granularity(p.code for p in periods)
    shown = {p.code for p in periods if p.granularity == granularity}
    frame = frame[frame["period"].isin(shown).to_numpy(dtype=bool)]
    rows = (
        [
            _point(indicator, dict(zip(POINT_COLUMNS, values, strict=True)), lang)
            for values in zip(*(frame[c].tolist() for c in POINT_COLUMNS), strict=True)
        ]
        if len(frame)
        else []
    )
    place_name = str(names.loc[params.place])
    title = f"{indicator.label(lang)} — {place_name}"
    body = {
        "indicator": {
            "code": indicator.code,
            "label": indicator.label(lang),
            "unit": indicator.unit,
        },
        "place": {"code": params.place, "name": place_name, "level": level},
        "data_version": catalog.version,
        "granularity": granularity,
        "missing_periods": missing_periods([r["period"] for r in rows]),
        "points": rows,
    }
    table = pd.DataFrame(
        [{**r, "sources": sources_text(r["sources"])} for r in rows] if with_table else [],
        columns=list(TABLE_COLUMNS),
    )
    documents = sorted({s["document"] for r in rows for s in r["sources"] if s.get("document")})

    def image(fmt: str) -> bytes:
        return draw_chart(title, indicator.unit, rows, fmt, documents)

    return Download(
        title=title,
        filename=f"siep_{indicator.code}_{params.place}_series",
        table=table,
        json_body=body,
        lang=lang,
        sources=tuple(documents),
        image=image,
    )


TABLE_COLUMNS = (
    "period",
    "value",
    "numerator",
    "denominator",
    "denominator_period",
    "status",
    "display",
    "method",
    "n_establishments",
    "sources",
)
# The columns of a `series_frame` a point is made of.
POINT_COLUMNS = (
    "period",
    "value",
    "numerator",
    "denominator",
    "denominator_period",
    "status",
    "suppressed_range",
    "method",
    "n_establishments",
    "sources",
)


def _number(value: Any) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return None if pd.isna(value) else float(value)


def _point(indicator: Indicator, row: dict[str, Any], lang: str) -> dict[str, Any]:
    return {
        "period": row["period"],
        "value": _number(row["value"]),
        "numerator": _number(row["numerator"]),
        "denominator": _number(row["denominator"]),
        "denominator_period": row["denominator_period"],
        "status": row["status"],
        "display": display_value(
            indicator, row["value"], row["status"], row["suppressed_range"], lang
        ),
        "method": row["method"],
        "n_establishments": None
        if (count := _number(row["n_establishments"])) is None
        else int(count),
        "sources": row["sources"],
    }


def draw_chart(
    title: str, unit: str, rows: list[dict[str, Any]], fmt: str, sources: list[str]
) -> bytes:
    """A line chart of the series (matplotlib, Agg backend; imported on first use because it
    costs half a second of every server start)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    figure, axes = plt.subplots(figsize=(9, 4.5), dpi=100)
    try:
        # Missing periods stay on the axis as gaps (NaN breaks the line).
        values = {r["period"]: r["value"] for r in rows if r["value"] is not None}
        axis = period_range(rows[0]["period"], rows[-1]["period"]) if rows else []
        axes.plot(axis, [values.get(p, math.nan) for p in axis], marker="o", color="#bd0026")
        axes.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(16))
        axes.set_title(title, fontsize=12)
        axes.set_ylabel(unit)
        axes.grid(alpha=0.3)
        axes.tick_params(axis="x", labelrotation=45, labelsize=8)
        axes.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
        figure.text(0.01, 0.01, "Fuente: " + "; ".join(sources), fontsize=7, color="#555555")
        figure.tight_layout(rect=(0, 0.04, 1, 1))
        buffer = io.BytesIO()
        figure.savefig(buffer, format="jpeg" if fmt == "jpeg" else "png")
        return buffer.getvalue()
    finally:
        plt.close(figure)
