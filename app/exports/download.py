"""The neutral object every endpoint hands to a writer, and the writer registry."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd

from app.errors import InvalidParameterError
from app.exports.layout import Layout, people_table


@dataclass(frozen=True)
class Download:
    """Everything a report or a GIS file can be made from.

    `table` holds the rows as published (suppressed cells already hidden); `geo` the same rows
    with geometry (EPSG:4326) when the resource is a map; `image(fmt)` draws the resource's
    picture (a map or a chart) as 'png' or 'jpeg' bytes; `json_body` is the JSON form;
    `layout` how the table reads for people in CSV, XLSX and reports (None: as it is).
    """

    title: str
    filename: str
    table: pd.DataFrame
    json_body: Any
    lang: str = "es"
    sources: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    attribution: str = ""
    geo: gpd.GeoDataFrame | None = None
    legend: dict[str, Any] | None = None
    image: Callable[[str], bytes] | None = None
    layout: Layout | None = None

    @property
    def people_table(self) -> pd.DataFrame:
        """`table` as CSV, XLSX and reports show it (see app/exports/layout.py)."""
        return people_table(self.table, self.layout, self.lang)


Writer = Callable[[Download], bytes]


@dataclass(frozen=True)
class ExportFormat:
    """A download format: `f=` name, media type, file extension and its writer."""

    name: str
    media_type: str
    extension: str
    write: Writer
    is_attachment: bool = True


@dataclass(frozen=True)
class ExportRegistry:
    """Immutable name -> ExportFormat mapping; `register` returns a new registry."""

    _items: Mapping[str, ExportFormat] = field(default_factory=dict)

    def register(self, *formats: ExportFormat) -> ExportRegistry:
        items = dict(self._items)
        items.update({f.name: f for f in formats})
        return ExportRegistry(items)

    def __iter__(self) -> Iterator[ExportFormat]:
        return iter(self._items.values())

    def names(self) -> list[str]:
        return list(self._items)

    def get(self, name: str, allowed: tuple[str, ...]) -> ExportFormat:
        if name not in allowed or name not in self._items:
            raise InvalidParameterError(
                f"unknown format f='{name}'; valid here: {', '.join(allowed)}"
            )
        return self._items[name]


def sources_text(sources: list[dict[str, str]] | Any) -> str:
    """Provenance of a row as one line: 'document, table, locator' joined by ' | '."""
    if not isinstance(sources, list):
        return ""
    parts = []
    for s in sources:
        bits = [s.get("document", ""), s.get("table", ""), s.get("locator", "")]
        parts.append(", ".join(b for b in bits if b and b != "None"))
    return " | ".join(dict.fromkeys(parts))
