"""The tidy observations themselves, filtered and paged, with provenance and suppression."""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from app.catalog.snapshot import Catalog
from app.codes import format_dimensions, parse_dimensions, parse_period
from app.domain.params import check_lang, check_level, resolve_indicator
from app.errors import InvalidParameterError
from app.exports.download import Download
from app.exports.layout import Layout
from app.sources import citations, document_label
from app.stats.suppress import SuppressionPolicy, suppress_observations

MAX_LIMIT = 10000
DEFAULT_LIMIT = 1000
MAX_OFFSET = 1_000_000_000
COLUMNS = [
    "indicator",
    "place_type",
    "place_code",
    "period",
    "dimensions",
    "value",
    "status",
    "note",
    "dataset",
    "source_document",
    "source_table",
    "source_locator",
]


@dataclass(frozen=True)
class ObservationParams:
    indicator: str | None = None
    level: str | None = None
    place: str | None = None
    start: str | None = None
    end: str | None = None
    dimensions: dict[str, str] = field(default_factory=dict)
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    lang: str = "es"


PeriodKey = tuple[int, int, int]


def _period_keys(periods: pd.Series) -> list[PeriodKey]:
    return [parse_period(p).end_key for p in periods]


def sensitive_codes(catalog: Catalog) -> frozenset[str]:
    """The indicators the store declares sensitive (their small counts are withheld)."""
    flags = catalog.indicators["is_sensitive"].astype(bool)
    return frozenset(catalog.indicators.index[flags])


def find_observations(
    catalog: Catalog, params: ObservationParams, policy: SuppressionPolicy
) -> Download:
    lang = check_lang(params.lang)
    if not 1 <= params.limit <= MAX_LIMIT:
        raise InvalidParameterError(f"limit must be from 1 to {MAX_LIMIT}")
    if not 0 <= params.offset <= MAX_OFFSET:
        # Bounded: an offset beyond 64 bits made the JSON encoder fail (HTTP 500).
        raise InvalidParameterError(f"offset must be from 0 to {MAX_OFFSET}")
    obs = catalog.observations
    mask = pd.Series(True, index=obs.index)
    if params.indicator:
        indicator = resolve_indicator(catalog, params.indicator)
        mask &= obs["indicator"].isin(list(indicator.inputs))
    if params.level:
        mask &= obs["place_type"] == check_level(params.level)
    if params.place:
        mask &= obs["place_code"] == params.place
    if params.dimensions:
        wanted = params.dimensions
        mask &= obs["dimensions"].map(
            lambda d: all(parse_dimensions(d).get(k) == v for k, v in wanted.items())
        )
    rows = obs[mask]
    keys = _period_keys(rows["period"])
    bounds: tuple[tuple[str | None, str, Callable[[PeriodKey, PeriodKey], bool]], ...] = (
        (params.start, "from", operator.ge),
        (params.end, "to", operator.le),
    )
    for bound, name, keep in bounds:
        if bound:
            try:
                limit_key = parse_period(bound).end_key
            except ValueError as exc:
                raise InvalidParameterError(f"{name}: {exc}") from None
            selected = [keep(k, limit_key) for k in keys]
            # A boolean array, never a list: an empty list selects columns, not rows, and the
            # sort below then failed with KeyError 'indicator' (issue 13).
            rows = rows[np.array(selected, dtype=bool)]
            keys = [k for k, s in zip(keys, selected, strict=True) if s]
    rows = rows.assign(_key=keys).sort_values(
        ["indicator", "place_type", "place_code", "_key", "dimensions"]
    )
    total = len(rows)
    page = suppress_observations(
        rows.iloc[params.offset : params.offset + params.limit], sensitive_codes(catalog), policy
    )
    table = pd.DataFrame(
        {
            "indicator": page["indicator"],
            "place_type": page["place_type"],
            "place_code": page["place_code"],
            "period": page["period"],
            "dimensions": page["dimensions"],
            "value": page["value"],
            "status": page["status"],
            "note": page["note"].fillna(""),
            "dataset": page["dataset_title"],
            "source_document": page["source_document"].map(document_label),
            "source_table": page["source_table"],
            "source_locator": page["source_locator"],
        },
        columns=COLUMNS,
    ).reset_index(drop=True)
    records: list[dict[str, Any]] = [
        {
            **{
                k: (None if isinstance(v, float) and np.isnan(v) else v)
                for k, v in r.items()
                if k != "dimensions"
            },
            "dimensions": parse_dimensions(r["dimensions"]),
        }
        for r in table.to_dict("records")
    ]
    body = {
        "number_matched": total,
        "number_returned": len(records),
        "offset": params.offset,
        "limit": params.limit,
        "next_offset": params.offset + params.limit
        if params.offset + params.limit < total
        else None,
        "data_version": catalog.version,
        "observations": records,
    }
    name = "_".join(
        p
        for p in (
            params.indicator,
            params.level,
            params.place,
            format_dimensions(params.dimensions).replace(";", "_").replace("=", "-"),
        )
        if p
    )
    title = "Observaciones SIEP-Perú" if lang == "es" else "SIEP-Perú observations"
    return Download(
        title=title + (f": {params.indicator}" if params.indicator else ""),
        filename=f"siep_observations_{name}" if name else "siep_observations",
        table=table,
        json_body=body,
        lang=lang,
        sources=citations(page),
        layout=Layout(columns=tuple(COLUMNS)),
    )
