"""Published layers: the declarative files in layers/*.yaml, validated into typed definitions.

pygeoapi's configuration, the WMS/WFS capabilities and the viewer's menu all derive from these
definitions; nothing else lists the layers. This module reads files only; it knows no HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.settings import PROJECT_ROOT
from app.stats.indicators import CORE_REGISTRY

LAYERS_DIR = PROJECT_ROOT / "layers"


class LayerStyle(BaseModel):
    """Default choropleth style: classification method, number of classes and palette."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    palette: str = "YlOrRd"
    method: Literal["quantiles", "jenks", "equal_interval"] = "quantiles"
    classes: int = Field(default=5, ge=2, le=9)


class LayerDefinition(BaseModel):
    """One layer file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    title_en: str
    description: str
    keywords: tuple[str, ...] = ()
    source: Literal["establishments", "units", "regions"]
    kind: Literal["ep", "eml"] | None = None
    level: Literal["establishment", "oficina_regional", "departamento", "provincia", "distrito"]
    geometry: Literal["point", "polygon"]
    indicators: tuple[str, ...]
    default_indicator: str
    style: LayerStyle = LayerStyle()

    @model_validator(mode="after")
    def _check(self) -> LayerDefinition:
        unknown = [code for code in self.indicators if code not in CORE_REGISTRY]
        if unknown:
            raise ValueError(f"unknown indicators {unknown}; valid: {CORE_REGISTRY.codes()}")
        if self.default_indicator not in self.indicators:
            raise ValueError("default_indicator must be one of indicators")
        if (self.source == "establishments") != (self.kind is not None):
            raise ValueError("kind is required for establishments and only for them")
        if self.source == "establishments" and self.level != "establishment":
            raise ValueError("establishment layers have level 'establishment'")
        return self

    @property
    def is_choropleth(self) -> bool:
        return self.geometry == "polygon"


@dataclass(frozen=True)
class LayerSet:
    """All published layers, in file-name order."""

    layers: tuple[LayerDefinition, ...]

    def __iter__(self) -> Iterator[LayerDefinition]:
        return iter(self.layers)

    def __len__(self) -> int:
        return len(self.layers)

    def get(self, layer_id: str) -> LayerDefinition | None:
        return next((layer for layer in self.layers if layer.id == layer_id), None)

    def ids(self) -> list[str]:
        return [layer.id for layer in self.layers]


def read_layer(path: Path) -> LayerDefinition:
    """Validate one layer file; raises pydantic.ValidationError naming the field."""
    with path.open(encoding="utf-8") as handle:
        return LayerDefinition.model_validate(yaml.safe_load(handle))


def load_layers(directory: Path = LAYERS_DIR) -> LayerSet:
    """Every layers/*.yaml, validated; ids must be unique and match the file name."""
    layers = []
    for path in sorted(directory.glob("*.yaml")):
        layer = read_layer(path)
        if layer.id != path.stem:
            raise ValueError(f"{path.name}: id '{layer.id}' must equal the file name")
        layers.append(layer)
    return LayerSet(tuple(layers))


@lru_cache(maxsize=1)
def default_layers() -> LayerSet:
    """The shipped layers (read once per process)."""
    return load_layers(LAYERS_DIR)
