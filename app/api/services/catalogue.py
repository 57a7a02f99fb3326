"""The indicator catalogue: what each indicator is and where and when it has data."""

from __future__ import annotations

from typing import Any

from app.catalog.snapshot import Catalog
from app.codes import LEVELS
from app.stats.aggregate import AGGREGATE_LEVELS, registry_for
from app.stats.indicators import Indicator


def _levels(catalog: Catalog, indicator: Indicator) -> list[str]:
    obs = catalog.observations
    inputs = list(indicator.inputs)
    place_types = set(obs.loc[obs["indicator"].isin(inputs) & obs["value"].notna(), "place_type"])
    if "establishment" in place_types and indicator.aggregation != "none":
        place_types |= set(AGGREGATE_LEVELS)
    order = LEVELS
    return [level for level in order if level in place_types]


def _sources(catalog: Catalog, indicator: Indicator) -> list[dict[str, str]]:
    obs = catalog.observations
    ids = sorted(set(obs.loc[obs["indicator"].isin(list(indicator.inputs)), "dataset_id"]))
    datasets = catalog.datasets.loc[[i for i in ids if i in catalog.datasets.index]]
    return [
        {
            "dataset": str(d.title),
            "document": str(d.source_document),
            "table": str(d.source_table or ""),
        }
        for d in datasets.itertuples()
    ]


def describe_indicator(catalog: Catalog, indicator: Indicator, lang: str) -> dict[str, Any]:
    code = indicator.code if indicator.is_stored else (indicator.numerator or "")
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
        "levels": _levels(catalog, indicator),
        "periods": list(catalog.periods.get(code, ())),
        "sources": _sources(catalog, indicator),
    }


def list_indicators(catalog: Catalog, lang: str) -> list[dict[str, Any]]:
    return [describe_indicator(catalog, i, lang) for i in registry_for(catalog)]
