"""pygeoapi feature provider over a layer's precomputed FeatureTable (no database access).

Its OGC context and the base URL of the answer come in the provider definition
(app.ogc.pygeoapi_app builds one per app and base URL), never from module state.
"""

from __future__ import annotations

from typing import Any

from pygeoapi.provider.base import (
    BaseProvider,
    ProviderInvalidQueryError,
    ProviderItemNotFoundError,
)
from pygeoapi.util import crs_transform

from app.domain.features import BBox, FeatureTable, layer_fields
from app.errors import AppError
from app.ogc.context import OgcContext
from app.ogc.query import FeatureQuery, SortKey, check_sort_keys, compile_filter, run_query

JSON_TYPES = {"string": "string", "number": "number", "integer": "integer"}


def _bbox_2d(bbox: list[float] | None) -> BBox | None:
    """OGC API Features 1.0 allows a 3D bbox (minx, miny, minz, maxx, maxy, maxz): drop z.

    Passing its six numbers on made run_query fail to unpack them (HTTP 500).
    """
    if not bbox:
        return None
    if len(bbox) == 6:
        return (bbox[0], bbox[1], bbox[3], bbox[4])
    minx, miny, maxx, maxy = bbox
    return (minx, miny, maxx, maxy)


class CatalogFeatureProvider(BaseProvider):  # type: ignore[misc]
    """Features of the layer named by the provider's `data` key."""

    def __init__(self, provider_def: dict[str, Any]) -> None:
        super().__init__(provider_def)
        self.layer_id = str(provider_def["data"])
        self.context: OgcContext = provider_def["context"]
        self.base_url = str(provider_def["base_url"])
        layer = self.context.layers.get(self.layer_id)
        if layer is None:
            raise RuntimeError(f"no layer '{self.layer_id}'")
        self.layer = layer
        self.get_fields()

    def get_fields(self) -> dict[str, dict[str, str]]:
        fields: dict[str, dict[str, str]] = {
            name: {"type": JSON_TYPES[kind]} for name, kind in layer_fields(self.layer).items()
        }
        self._fields = fields
        return fields

    def _table(self) -> FeatureTable:
        return self.context.table(self.layer_id)

    @crs_transform  # type: ignore[untyped-decorator]
    def query(
        self,
        offset: int = 0,
        limit: int = 10,
        resulttype: str = "results",
        bbox: list[float] | None = None,
        datetime_: str | None = None,
        properties: list[tuple[str, str]] | None = None,
        sortby: list[dict[str, str]] | None = None,
        select_properties: list[str] | None = None,
        skip_geometry: bool = False,
        q: str | None = None,
        filterq: Any = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        table = self._table()
        try:
            query = FeatureQuery(
                bbox_4326=_bbox_2d(bbox),
                equals=tuple(properties or ()),
                predicate=(
                    compile_filter(filterq, table.fields, {"geometry", "geom"})
                    if filterq is not None
                    else None
                ),
                sortby=check_sort_keys(
                    tuple(SortKey(s["property"], s["order"] != "-") for s in sortby or ()),
                    table.fields,
                ),
                offset=offset,
                limit=0 if resulttype == "hits" else limit,
            )
            result = run_query(table, query)
        except AppError as exc:
            raise ProviderInvalidQueryError(user_msg=exc.message) from None
        select = list(select_properties or ()) or None
        features = []
        for position in result.positions:
            feature = table.geojson_feature(position, self.base_url, select)
            if skip_geometry:
                feature["geometry"] = None
            features.append(feature)
        return {
            "type": "FeatureCollection",
            "features": features,
            "numberMatched": result.number_matched,
            "numberReturned": len(features),
        }

    @crs_transform  # type: ignore[untyped-decorator]
    def get(self, identifier: str, **kwargs: Any) -> dict[str, Any]:
        table = self._table()
        position = table.position(str(identifier))
        if position is None:
            raise ProviderItemNotFoundError(user_msg=f"no feature '{identifier}'")
        return table.geojson_feature(position, self.base_url)
