"""Feature properties as MVT tags, prepared once per feature table: the layer's keys table is
its fields (in the table's order) and each value carries the protobuf field it is written to.
Missing values (None) are left out: MVT has no null."""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.features import FeatureTable

ValueKey = tuple[str, object]  # (protobuf Value field, value): True and 1 stay distinct


def _value_key(value: object) -> ValueKey:
    if isinstance(value, bool):
        return ("bool_value", value)
    if isinstance(value, int):
        return ("uint_value", value) if value >= 0 else ("sint_value", value)
    if isinstance(value, float):
        return ("double_value", value)
    return ("string_value", str(value))


@dataclass(frozen=True)
class LayerProperties:
    keys: tuple[str, ...]
    rows: tuple[tuple[tuple[int, ValueKey], ...], ...]  # per feature: (key index, value)


def layer_properties(table: FeatureTable) -> LayerProperties:
    keys = tuple(dict.fromkeys(key for props in table.properties for key in props))
    index = {key: i for i, key in enumerate(keys)}
    rows = tuple(
        tuple((index[k], _value_key(v)) for k, v in props.items() if v is not None)
        for props in table.properties
    )
    return LayerProperties(keys, rows)
