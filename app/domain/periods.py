"""The periods with data of a published layer (layers/*.yaml), and its default period.

An establishment layer holds one kind (E.P. or E.M.L.), while the figures at the
establishment level cover both: its periods are those in which an establishment of its own
kind has a value. Every front (WMS TIME, OGC API extents, feature tables, tiles) asks here.
"""

from __future__ import annotations

from app.catalog.snapshot import Catalog
from app.layers import LayerDefinition
from app.stats.aggregate import compute, periods_at_level, registry_for
from app.stats.snapshot_cache import per_snapshot


def _members_have_value(
    catalog: Catalog, layer: LayerDefinition, indicator_code: str, period: str
) -> bool:
    """Whether some establishment of the layer's kind has a value (periods_at_level counts
    every establishment, of both kinds)."""
    indicator = registry_for(catalog)[indicator_code]
    frame = compute(catalog, indicator, layer.level, period).frame
    kinds = catalog.establishments["kind"]
    members = kinds[kinds == layer.kind].index
    return bool(frame["value"].reindex(members).notna().any())


def layer_periods(catalog: Catalog, layer: LayerDefinition, indicator_code: str) -> tuple[str, ...]:
    """Sorted periods in which at least one feature of the layer has a value of the indicator."""

    def build() -> tuple[str, ...]:
        indicator = registry_for(catalog)[indicator_code]
        periods = periods_at_level(catalog, indicator, layer.level)
        if layer.kind is None or not periods:
            return periods
        # Establishments of the layer's kind must report the indicator's first input (one
        # vectorised look-up); the latest period is then checked exactly, as it is the default.
        kinds = catalog.establishments["kind"]
        members = set(kinds[kinds == layer.kind].index)
        obs = catalog.observations
        reported = set(
            obs.loc[
                (obs["indicator"] == indicator.inputs[0])
                & (obs["place_type"] == "establishment")
                & obs["place_code"].isin(members)
                & obs["value"].notna(),
                "period",
            ]
        )
        candidates = [p for p in periods if p in reported]
        while candidates and not _members_have_value(
            catalog, layer, indicator_code, candidates[-1]
        ):
            candidates.pop()
        return tuple(candidates)

    return per_snapshot(catalog, ("ogc_layer_periods", layer.id, indicator_code), build)


def layer_default_period(
    catalog: Catalog, layer: LayerDefinition, indicator_code: str
) -> str | None:
    """The latest period in which a feature of the layer has a value (what a request without
    a period shows), or None when it has none."""
    periods = layer_periods(catalog, layer, indicator_code)
    return periods[-1] if periods else None
