"""Layer files: every layers/*.yaml validates, and bad ones are rejected with the field named."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from app.domain.features import layer_fields
from app.layers import LAYERS_DIR, load_layers, read_layer


def test_shipped_layers_validate() -> None:
    layers = load_layers(LAYERS_DIR)
    assert set(layers.ids()) == {
        "establecimientos_penitenciarios",
        "establecimientos_medio_libre",
        "departamentos",
        "provincias",
        "distritos",
        "oficinas_regionales",
    }
    for layer in layers:
        fields = layer_fields(layer)
        assert "code" in fields and "series_url" in fields
        assert all(code in fields for code in layer.indicators)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ("default_indicator: nope", "default_indicator"),
        ("indicators: [population, nonsense]", "indicators"),
        ("geometry: line", "geometry"),
        ("colour: red", "colour"),
    ],
)
def test_invalid_layer_file_is_rejected(tmp_path: Path, change: str, field: str) -> None:
    text = (LAYERS_DIR / "departamentos.yaml").read_text(encoding="utf-8")
    key = change.split(":")[0]
    lines = [line for line in text.splitlines() if not line.startswith(f"{key}:")]
    path = tmp_path / "departamentos.yaml"
    path.write_text("\n".join([*lines, change]) + "\n", encoding="utf-8")
    with pytest.raises(ValidationError) as info:
        read_layer(path)
    assert field in str(info.value) or "indicator" in str(info.value)


def test_layer_id_must_match_file_name(tmp_path: Path) -> None:
    text = (LAYERS_DIR / "provincias.yaml").read_text(encoding="utf-8")
    (tmp_path / "other.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="file name"):
        load_layers(tmp_path)
