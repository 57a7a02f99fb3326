"""The indicator catalogue: what each indicator is and where and when it has data.

Where and when (levels, periods by level, sources) depends on the catalog alone, so it is
computed once per snapshot; only the labels depend on the request.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from app.catalog.snapshot import Catalog
from app.definitions import definition_fields
from app.domain.params import check_lang
from app.exports.download import Download
from app.sources import describe
from app.stats.aggregate import periods_by_level, periods_with_data, registry_for
from app.stats.indicators import Indicator
from app.stats.snapshot_cache import per_snapshot


def datasets_of(catalog: Catalog, codes: Iterable[str]) -> pd.DataFrame:
    """The datasets (rows of `catalog.datasets`, by id) holding figures of the stored
    indicators `codes`: the sources of an indicator, or of a layer's indicators."""
    obs = catalog.observations
    ids = sorted(set(obs.loc[obs["indicator"].isin(list(codes)), "dataset_id"]))
    return catalog.datasets.loc[[i for i in ids if i in catalog.datasets.index]]


def _sources(catalog: Catalog, indicator: Indicator) -> list[dict[str, str]]:
    datasets = datasets_of(catalog, indicator.inputs)
    return [describe(d.title, d.source_document, d.source_table, "") for d in datasets.itertuples()]


def _coverage(catalog: Catalog, indicator: Indicator) -> dict[str, Any]:
    """Levels, periods (all, and by level with their latest) and sources of an indicator.

    `periods` lists every period with a figure of the indicator (of its numerator when
    derived), at any level and under any dimensions; `periods_by_level` only those where
    at least one place of the level has a value of the total (what a map can show).
    """
    by_level = periods_by_level(catalog, indicator)
    return {
        "levels": list(by_level),
        "periods": list(periods_with_data(catalog, indicator)),
        "periods_by_level": {level: list(periods) for level, periods in by_level.items()},
        "default_period_by_level": {level: periods[-1] for level, periods in by_level.items()},
        "sources": _sources(catalog, indicator),
    }


def indicator_coverage(catalog: Catalog, indicator: Indicator) -> dict[str, Any]:
    """`_coverage`, once per snapshot and indicator (shared: do not mutate)."""
    return per_snapshot(
        catalog, ("indicator_coverage", indicator.code), lambda: _coverage(catalog, indicator)
    )


def describe_indicator(catalog: Catalog, indicator: Indicator, lang: str) -> dict[str, Any]:
    return {
        "code": indicator.code,
        "label": indicator.label(lang),
        "label_es": indicator.label_es,
        "label_en": indicator.label_en,
        "unit": indicator.unit,
        "aggregation": indicator.aggregation,
        "numerator": indicator.numerator,
        "denominator": indicator.denominator,
        "is_sensitive": indicator.is_sensitive,
        "group": indicator.group,
        "description": indicator.description,
        **definition_fields(indicator, lang),
        **indicator_coverage(catalog, indicator),
    }


def list_indicators(catalog: Catalog, lang: str) -> list[dict[str, Any]]:
    return [describe_indicator(catalog, i, lang) for i in registry_for(catalog)]


def indicator_catalogue(catalog: Catalog, lang: str) -> Download:
    """The catalogue as a Download: one row per indicator, lists joined as text."""
    items = list_indicators(catalog, check_lang(lang))
    table = pd.DataFrame(
        [
            {
                **i,
                "levels": ", ".join(i["levels"]),
                "periods": ", ".join(i["periods"]),
                "periods_by_level": "; ".join(
                    f"{level}: {', '.join(periods)}"
                    for level, periods in i["periods_by_level"].items()
                ),
                "default_period_by_level": "; ".join(
                    f"{level}: {period}" for level, period in i["default_period_by_level"].items()
                ),
                "sources": len(i["sources"]),
            }
            for i in items
        ]
    )
    return Download(
        title="Indicadores SIEP-Perú" if lang == "es" else "SIEP-Perú indicators",
        filename="siep_indicators",
        table=table,
        json_body={"data_version": catalog.version, "indicators": items},
        lang=lang,
    )
