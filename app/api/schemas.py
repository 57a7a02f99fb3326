"""Pydantic models of the JSON bodies of /api/v1, for the OpenAPI document.

They document; they do not build: handlers encode plain dicts (the hot path stays as fast as
before and cached answers are served without routing), and tests validate real answers
against these models so the documentation cannot drift from what is served.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Doc(BaseModel):
    model_config = ConfigDict(extra="allow")


class Source(_Doc):
    """Where a figure comes from. A value summed from establishments cites the distinct
    (dataset, document, table) of the rows summed, with an empty locator."""

    dataset: str
    document: str = Field(
        description="The publication: 'Publisher (year). Title' (geodata/sources.yaml), or "
        "the text a loaded file gave"
    )
    document_id: str = Field("", description="Id of the document in geodata/sources.yaml")
    publisher: str = Field("", description="Who published the document")
    title: str = Field("", description="Title of the document")
    year: str = Field("", description="Year of the edition ('' when not known)")
    edition: str = Field("", description="Edition, period or page of the document")
    url: str = Field("", description="Address of the document where one is known")
    terms: str = Field("", description="Licence or terms of use of the document")
    table: str = Field(description="Title of the table in the document")
    locator: str = Field("", description="Page, row or line of the figure in the document")
    citation: str = Field("", description="How to cite the figure's source")
    trace: str = Field(
        "", description="Reproducibility trace: the text extract and line the figure was read from"
    )


class DatasetSource(Source):
    """The sources of an indicator: one per dataset (no locator)."""


class IndicatorItem(_Doc):
    code: str
    label: str = Field(description="In the language asked for (lang=)")
    label_es: str
    label_en: str
    unit: str
    aggregation: Literal["sum", "ratio", "difference", "excess_ratio", "excess_flag", "none"]
    numerator: str | None
    denominator: str | None
    is_sensitive: bool = Field(description="Small counts are suppressed at some levels")
    group: str
    description: str
    definition: str = Field(description="What the indicator measures, in the language asked for")
    definition_es: str
    definition_en: str
    formula: str = Field(description="How it is computed (P population, C capacity, S = P − C)")
    caveats: str = Field(description="Limits of the figures, in the language asked for")
    caveats_es: str
    caveats_en: str
    levels: list[str] = Field(description="Levels where the total has a value in some period")
    periods: list[str] = Field(
        description="Every period with a figure (of the numerator for a derived indicator), "
        "at any level and under any dimensions"
    )
    periods_by_level: dict[str, list[str]] = Field(
        description="Per level, the periods where at least one place of the level has a "
        "value of the total (published or summed from establishments), oldest first"
    )
    default_period_by_level: dict[str, str] = Field(
        description="Per level, the period /choropleth uses when none is given (the latest "
        "of periods_by_level)"
    )
    sources: list[DatasetSource]


class IndicatorCatalogue(_Doc):
    data_version: int
    indicators: list[IndicatorItem]


class IndicatorRef(_Doc):
    code: str
    label: str
    unit: str


class PlaceRef(_Doc):
    code: str
    name: str
    level: str


class SeriesPoint(_Doc):
    period: str
    value: float | None = Field(description="None when suppressed")
    numerator: float | None
    denominator: float | None
    denominator_period: str | None = Field(
        description="For a derived indicator, the period of the denominator (a stock at the "
        "period's last month when the period itself has none)"
    )
    status: Literal["ok", "suppressed"]
    display: str
    method: Literal["published", "sum_of_establishments"] | None = Field(
        description="published: a figure printed for the place itself; sum_of_establishments: "
        "the sum over the establishments located in it"
    )
    n_establishments: int | None = Field(
        description="How many establishments were summed (None when published)"
    )
    sources: list[Source]


class Series(_Doc):
    indicator: IndicatorRef
    place: PlaceRef
    data_version: int
    granularity: Literal["month", "quarter", "year"] | None = Field(
        description="The one granularity of the points (the requested one, else the one with "
        "the most points, the finer on a tie); None when there is no point"
    )
    missing_periods: list[str] = Field(
        description="Periods of that granularity between the first and the last point that "
        "have no value for the place (gaps, not zeros)"
    )
    points: list[SeriesPoint] = Field(
        description="Every period of that granularity where the indicator has a value for "
        "the place, oldest first"
    )


class PointGeometry(_Doc):
    type: Literal["Point"]
    coordinates: list[float] = Field(description="lon, lat (EPSG:4326)")


class FigureValue(_Doc):
    period: str
    dimensions: dict[str, str]
    value: float | None
    status: str
    note: str
    source: Source


class Figure(_Doc):
    label: str
    unit: str
    values: list[FigureValue]


class EstablishmentProperties(_Doc):
    code: str
    name: str
    kind: Literal["ep", "eml"]
    oficina_regional: str | None
    ubigeo: str | None
    departamento: str | None
    provincia: str | None
    location_precision: str | None
    location_source: str | None
    population_served: str | None = Field(description="Who it holds, e.g. varones, mujeres")
    figures: dict[str, Figure] = Field(description="By indicator code, every figure over time")


class EstablishmentDetail(_Doc):
    type: Literal["Feature"]
    id: str
    geometry: PointGeometry | None
    properties: EstablishmentProperties
    data_version: int


class PolicySource(_Doc):
    series: Literal["baseline", "expected", "obtained"]
    document: str
    locator: str


class PolicyYear(_Doc):
    year: str
    baseline: float | None
    expected: float | None
    obtained: float | None
    progress_pct: float | None = Field(description="obtained / expected × 100")
    traffic_light: Literal["verde", "ambar", "rojo", "gris"]
    notes: dict[str, str]
    sources: list[PolicySource]


class PolicyIndicator(_Doc):
    code: str
    label: str
    unit: str
    objective: str
    lower_is_better: bool
    baseline: float | None
    years: list[PolicyYear]


class PolicyIndicators(_Doc):
    method: dict[str, str]
    data_version: int
    indicators: list[PolicyIndicator]


def documented(model: type[BaseModel], example: object) -> dict[int | str, dict[str, object]]:
    """`responses=` for a route that answers JSON by default: the model's schema and an
    example (documentation only; the handler's Response is sent as is)."""
    return {200: {"model": model, "content": {"application/json": {"example": example}}}}
