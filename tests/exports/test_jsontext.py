"""GeoJSON written from kept geometry text is byte for byte what json.dumps writes."""

from __future__ import annotations

import json
from typing import Any

from app.exports.jsontext import EncodedDict, dumps


def _body(properties: dict[str, Any]) -> dict[str, Any]:
    square = EncodedDict(
        {"type": "Polygon", "coordinates": [[[-77.1, -12.0], [-77.0, -12.0], [-77.0, -11.9]]]}
    )
    point = EncodedDict({"type": "Point", "coordinates": [-70.015, -15.84]})
    return {
        "type": "FeatureCollection",
        "legend": {"label": "Población — año", "count": 2},
        "features": [
            {"type": "Feature", "id": "15", "geometry": square, "properties": properties},
            {"type": "Feature", "id": "150101", "geometry": None, "properties": {}},
            {"type": "Feature", "id": "EP-PUNO", "geometry": point, "properties": {"v": 1.5}},
            {"type": "Feature", "id": "x", "geometry": {"type": "Point", "coordinates": [0, 1]}},
        ],
        "how_to_cite": "INPE (2024). Ñaña.",
    }


def test_same_text_as_json_dumps() -> None:
    body = _body({"name": "Lima", "value": 46136.0, "sources": [{"document": "Informe"}]})
    assert dumps(body) == json.dumps(body, ensure_ascii=False)
    assert dumps(body) == json.dumps(body, ensure_ascii=False)  # the kept text, reused


def test_a_value_that_looks_like_a_geometry_slot_falls_back_to_json_dumps() -> None:
    body = _body({"name": "\x001\x00", "note": "\x000\x00"})
    assert dumps(body) == json.dumps(body, ensure_ascii=False)


def test_bodies_without_features() -> None:
    for body in ({"points": [1, 2]}, [1, "ñ"], {"features": "none"}, {"features": []}):
        assert dumps(body) == json.dumps(body, ensure_ascii=False)
