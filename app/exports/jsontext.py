"""GeoJSON text written once per geometry: a place's geometry is encoded the first time an
answer writes it, and every later answer reuses the text (encoding the full geometries with
`json.dumps` was most of the time of a GeoJSON choropleth answer: 0.1-0.3 s at provincia)."""

from __future__ import annotations

import json
import re
from functools import cached_property
from typing import Any


class EncodedDict(dict[str, Any]):
    """A JSON object that keeps its own `json.dumps(..., ensure_ascii=False)` text once
    written (shared between answers: never mutate it)."""

    @cached_property
    def text(self) -> str:
        return json.dumps(self, ensure_ascii=False)


# Where a feature's geometry goes: a string no JSON value of ours can equal by accident, and
# `dumps` checks that every slot was found once and in order before using the texts.
_SLOT = re.compile(r'"\\u0000(\d+)\\u0000"')


def dumps(body: Any) -> str:
    """Exactly `json.dumps(body, ensure_ascii=False)`, with the `EncodedDict` geometries of
    `body["features"]` written from their kept text."""
    features = body.get("features") if isinstance(body, dict) else None
    if not isinstance(features, list):
        return json.dumps(body, ensure_ascii=False)
    texts: list[str] = []
    slotted = []
    for feature in features:
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if isinstance(geometry, EncodedDict):
            slotted.append({**feature, "geometry": f"\x00{len(texts)}\x00"})
            texts.append(geometry.text)
        else:
            slotted.append(feature)
    if not texts:
        return json.dumps(body, ensure_ascii=False)
    parts = _SLOT.split(json.dumps({**body, "features": slotted}, ensure_ascii=False))
    if parts[1::2] != [str(i) for i in range(len(texts))]:
        return json.dumps(body, ensure_ascii=False)
    parts[1::2] = texts
    return "".join(parts)
