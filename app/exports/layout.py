"""How a download's table reads for people (issue 14): headers in the download's language,
rows sorted by value, figures rounded as the viewer shows them, technical columns left out.

`Download.table` stays the machine table (the Data Package and the GIS files keep it); the
CSV, XLSX, DOCX and PDF writers read `people_table(download)`. `raw=true` keeps full
precision, `columns=all` keeps every column (still with translated headers).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from app.errors import InvalidParameterError

HEADERS: dict[str, dict[str, str]] = {
    "name": {"es": "Lugar", "en": "Place"},
    "code": {"es": "Código", "en": "Code"},
    "value": {"es": "Valor", "en": "Value"},
    "numerator": {"es": "Numerador", "en": "Numerator"},
    "denominator": {"es": "Denominador", "en": "Denominator"},
    "period": {"es": "Periodo", "en": "Period"},
    "status": {"es": "Estado", "en": "Status"},
    "display": {"es": "Valor mostrado", "en": "Value as shown"},
    "method": {"es": "Método", "en": "Method"},
    "n_establishments": {"es": "Establecimientos sumados", "en": "Establishments summed"},
    "sources": {"es": "Fuente", "en": "Source"},
    "class": {"es": "Clase", "en": "Class"},
    "color": {"es": "Color", "en": "Colour"},
    "indicator": {"es": "Indicador", "en": "Indicator"},
    "place_type": {"es": "Tipo de lugar", "en": "Place type"},
    "place_code": {"es": "Código del lugar", "en": "Place code"},
    "dimensions": {"es": "Desagregación", "en": "Breakdown"},
    "note": {"es": "Nota", "en": "Note"},
    "dataset": {"es": "Conjunto de datos", "en": "Dataset"},
    "source_document": {"es": "Publicación", "en": "Publication"},
    "source_table": {"es": "Cuadro", "en": "Table"},
    "source_locator": {"es": "Ubicación en la fuente", "en": "Location in the source"},
    "kind": {"es": "Tipo", "en": "Kind"},
    "oficina_regional": {"es": "Oficina regional", "en": "Regional office"},
    "ubigeo": {"es": "Ubigeo", "en": "Ubigeo"},
    "departamento": {"es": "Departamento", "en": "Department"},
    "provincia": {"es": "Provincia", "en": "Province"},
    "location_precision": {"es": "Precisión de la ubicación", "en": "Location precision"},
    "location_source": {"es": "Fuente de la ubicación", "en": "Location source"},
    "population_served": {"es": "Población atendida", "en": "Population served"},
    "population": {"es": "Población", "en": "Population"},
    "population_period": {"es": "Periodo de la población", "en": "Population period"},
    "capacity": {"es": "Capacidad de albergue", "en": "Capacity"},
    "capacity_period": {"es": "Periodo de la capacidad", "en": "Capacity period"},
    "lon": {"es": "Longitud", "en": "Longitude"},
    "lat": {"es": "Latitud", "en": "Latitude"},
    "suppressed_range": {"es": "Rango reservado", "en": "Withheld range"},
}

STATUS_TEXT: dict[str, dict[str, str]] = {
    "ok": {"es": "publicado", "en": "published"},
    "missing": {"es": "sin datos", "en": "no data"},
    "suppressed": {"es": "reservado ({range} casos)", "en": "withheld ({range} cases)"},
}
FEW = {"es": "pocos", "en": "few"}
METHOD_TEXT: dict[str, dict[str, str]] = {
    "published": {"es": "publicado por la fuente", "en": "published by the source"},
    "sum_of_establishments": {
        "es": "suma de establecimientos",
        "en": "sum of establishments",
    },
}
COLUMN_CHOICES = ("default", "all")

# Units of the indicator catalogue (Spanish codes) as a header reads them in each language.
UNIT_TEXT: dict[str, dict[str, str]] = {
    "es": {"cases": "casos", "m2": "m²"},
    "en": {
        "personas": "people",
        "plazas": "places",
        "casos": "cases",
        "cases": "cases",
        "establecimientos": "establishments",
        "habitantes": "inhabitants",
        "m2": "m²",
        "por 100 000": "per 100,000",
        "por 100 000 hab.": "per 100,000 inhabitants",
        "sí/no": "yes/no",
        "%": "%",
    },
}

# Downloads whose layout says nothing about a column read like the choropleth's: counts of
# people or places as whole numbers, values as displayed (whole when whole, else one decimal),
# and a list of establishments largest first.
COUNT_COLUMNS = (
    "numerator",
    "denominator",
    "n_establishments",
    "population",
    "capacity",
    "population_served",
)
DEFAULT_SORT = "population"


@dataclass(frozen=True)
class Layout:
    """What a download's table shows people.

    `columns`: the columns shown by default, in order (the others are technical);
    `units`: a header suffix per column (the indicator's unit); `decimals`: rounding per
    column as displayed (0 makes whole numbers); `sort_by`: sorted descending, missing last;
    `labels`: words for coded whole numbers (a yes/no indicator's 0 and 1) once rounded.
    """

    columns: tuple[str, ...]
    units: Mapping[str, str] = field(default_factory=dict)
    decimals: Mapping[str, int] = field(default_factory=dict)
    sort_by: str | None = None
    labels: Mapping[str, Mapping[int, str]] = field(default_factory=dict)
    raw: bool = False
    all_columns: bool = False


def check_columns(columns: str) -> bool:
    """`columns=` as asked: True for 'all', False for 'default'; 400 otherwise."""
    if columns not in COLUMN_CHOICES:
        raise InvalidParameterError(
            f"unknown columns='{columns}'; valid: {', '.join(COLUMN_CHOICES)}"
        )
    return columns == "all"


def unit_text(unit: str, lang: str) -> str:
    return UNIT_TEXT.get(lang, {}).get(unit, unit)


def header(column: str, lang: str, unit: str = "") -> str:
    label = HEADERS.get(column, {}).get(lang, column)
    return f"{label} ({unit_text(unit, lang)})" if unit else label


def _rounded(values: pd.Series, decimals: int) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce")
    if decimals == 0:
        return numbers.round(0).astype("Int64").astype(object).where(numbers.notna(), None)
    return numbers.round(decimals).astype(object).where(numbers.notna(), None)


def _as_shown(values: pd.Series) -> pd.Series:
    """Whole numbers as integers, other figures to one decimal (as the viewer shows them)."""
    numbers = pd.to_numeric(values, errors="coerce")
    whole = numbers.round(0)
    return pd.Series(
        [
            None if pd.isna(n) else int(w) if n == w else round(float(n), 1)
            for n, w in zip(numbers, whole, strict=True)
        ],
        index=values.index,
        dtype=object,
    )


def _translated(values: pd.Series, texts: dict[str, dict[str, str]], lang: str) -> pd.Series:
    return values.map(lambda v: texts[v][lang] if isinstance(v, str) and v in texts else v)


def _status(table: pd.DataFrame, lang: str) -> list[str]:
    """'publicado', 'sin datos', or 'reservado (1-4 casos)' with the withheld range."""
    ranges = table["suppressed_range"] if "suppressed_range" in table else [""] * len(table)
    return [
        STATUS_TEXT[s][lang].format(range=r or FEW[lang]) if s in STATUS_TEXT else s
        for s, r in zip(table["status"], ranges, strict=True)
    ]


def people_table(table: pd.DataFrame, layout: Layout | None, lang: str) -> pd.DataFrame:
    """The table as a newsroom reads it (the machine table when there is no layout)."""
    if layout is None:
        return table
    out = table.reset_index(drop=True)
    sort_by = layout.sort_by or (DEFAULT_SORT if DEFAULT_SORT in layout.columns else None)
    if sort_by is not None and sort_by in out.columns:
        key = pd.to_numeric(out[sort_by], errors="coerce")
        order = key.sort_values(ascending=False, na_position="last", kind="stable").index
        out = out.loc[order].reset_index(drop=True)
    else:
        out = out.copy()
    if not layout.raw:
        decimals_of = {c: 0 for c in COUNT_COLUMNS if c in out.columns} | dict(layout.decimals)
        for column, decimals in decimals_of.items():
            out[column] = _rounded(out[column], decimals)
        if "value" in out.columns and "value" not in decimals_of:
            out["value"] = _as_shown(out["value"])
        for column, words in layout.labels.items():
            out[column] = out[column].map(lambda v, w=words: w.get(v, v) if v is not None else v)
    if "status" in out.columns:
        out["status"] = _status(out, lang)
    if "method" in out.columns:
        out["method"] = _translated(out["method"], METHOD_TEXT, lang)
    shown = [c for c in layout.columns if c in out.columns]
    if layout.all_columns:
        shown += [c for c in out.columns if c not in shown]
    out = out[shown]
    return out.rename(columns={c: header(c, lang, layout.units.get(c, "")) for c in shown})
