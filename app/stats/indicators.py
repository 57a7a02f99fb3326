"""The indicator registry: every indicator is declared once here and drives API, layers and legends.

Stored indicators hold loaded figures; derived ones are always recomputed from summed
numerators and denominators at the requested level (a rate is never averaged).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

Aggregation = Literal["sum", "ratio", "difference", "excess_ratio", "excess_flag", "none"]
STORED_AGGREGATIONS = ("sum", "none")
DenominatorPeriod = Literal["same", "latest_available"]


@dataclass(frozen=True)
class Indicator:
    """One indicator.

    `numerator`/`denominator` name stored indicators; `numerator_dimensions` restricts the
    numerator to a slice (e.g. ``legal_status=procesado``). `scale` multiplies ratios (100 for
    a percentage, 100000 for a rate per 100,000). `threshold` is the share above which
    `excess_flag` is 1 (INPE: hacinamiento when sobrepoblación > 20 % of capacity).
    `denominator_period` is "same" (the period itself, else its last month) or
    "latest_available" for a slow-moving reference such as a census: the denominator's latest
    period at or before the requested one, at each place, as published for its own period.
    """

    code: str
    label_es: str
    label_en: str
    unit: str
    aggregation: Aggregation
    numerator: str | None = None
    denominator: str | None = None
    numerator_dimensions: str = ""
    scale: float = 1.0
    threshold: float | None = None
    denominator_period: DenominatorPeriod = "same"
    is_sensitive: bool = False
    group: str = ""
    description: str = ""

    @property
    def is_stored(self) -> bool:
        return self.aggregation in STORED_AGGREGATIONS

    @property
    def inputs(self) -> tuple[str, ...]:
        """Stored indicators this one is computed from (itself when stored)."""
        if self.is_stored:
            return (self.code,)
        return tuple(c for c in (self.numerator, self.denominator) if c)

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_es


@dataclass(frozen=True)
class IndicatorRegistry:
    """An immutable mapping of code -> Indicator; `register` returns a new registry."""

    _items: Mapping[str, Indicator] = field(default_factory=dict)

    def register(self, *indicators: Indicator) -> IndicatorRegistry:
        items = dict(self._items)
        for indicator in indicators:
            items[indicator.code] = indicator
        return IndicatorRegistry(items)

    def __getitem__(self, code: str) -> Indicator:
        return self._items[code]

    def __contains__(self, code: object) -> bool:
        return code in self._items

    def __iter__(self) -> Iterator[Indicator]:
        return iter(self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def get(self, code: str) -> Indicator | None:
        return self._items.get(code)

    def codes(self) -> list[str]:
        return list(self._items)

    def stored(self) -> Iterable[Indicator]:
        return (i for i in self._items.values() if i.is_stored)


def _stored(code: str, es: str, en: str, unit: str, group: str, **kw: object) -> Indicator:
    return Indicator(code, es, en, unit, "sum", group=group, **kw)  # type: ignore[arg-type]


CORE_INDICATORS: tuple[Indicator, ...] = (
    _stored("population", "Población penal", "Prison population", "personas", "poblacion"),
    _stored("capacity", "Capacidad de albergue", "Capacity", "plazas", "poblacion"),
    Indicator(
        "overpopulation",
        "Sobrepoblación",
        "Overpopulation",
        "personas",
        "difference",
        numerator="population",
        denominator="capacity",
        group="poblacion",
        description="Población penal menos capacidad de albergue (INPE).",
    ),
    Indicator(
        "overpopulation_pct",
        "% de sobrepoblación",
        "Overpopulation (%)",
        "%",
        "excess_ratio",
        numerator="population",
        denominator="capacity",
        scale=100.0,
        group="poblacion",
        description="(Población − capacidad) / capacidad × 100.",
    ),
    Indicator(
        "overcrowded",
        "Hacinamiento",
        "Overcrowded",
        "sí/no",
        "excess_flag",
        numerator="population",
        denominator="capacity",
        threshold=0.20,
        group="poblacion",
        description="1 cuando la sobrepoblación supera el 20 % de la capacidad (INPE).",
    ),
    Indicator(
        "unsentenced_share",
        "% de población procesada (sin sentencia)",
        "Share without sentence (%)",
        "%",
        "ratio",
        numerator="population",
        denominator="population",
        numerator_dimensions="legal_status=procesado",
        scale=100.0,
        group="poblacion",
    ),
    _stored(
        "tb_cases",
        "Casos de tuberculosis",
        "Tuberculosis cases",
        "casos",
        "salud",
        is_sensitive=True,
    ),
    Indicator(
        "tb_rate",
        "Tasa de tuberculosis por 100 000",
        "Tuberculosis rate per 100,000",
        "por 100 000",
        "ratio",
        numerator="tb_cases",
        denominator="population",
        scale=100000.0,
        is_sensitive=True,
        group="salud",
    ),
    _stored(
        "hiv_cases",
        "Personas viviendo con VIH (PVVS)",
        "People living with HIV (PLHIV)",
        "personas",
        "salud",
        is_sensitive=True,
    ),
    _stored(
        "hiv_treated",
        "PVVS en tratamiento antirretroviral (TARGA)",
        "PLHIV on antiretroviral therapy (HAART)",
        "personas",
        "salud",
        is_sensitive=True,
    ),
    _stored(
        "hiv_tb_coinfection",
        "Coinfección VIH/TB",
        "HIV/TB co-infection",
        "personas",
        "salud",
        is_sensitive=True,
    ),
    Indicator(
        "hiv_rate",
        "Tasa de VIH por 100 000",
        "HIV rate per 100,000",
        "por 100 000",
        "ratio",
        numerator="hiv_cases",
        denominator="population",
        scale=100000.0,
        is_sensitive=True,
        group="salud",
    ),
    _stored(
        "medio_libre_population",
        "Población de medio libre (extramuros)",
        "Community-sentence population",
        "personas",
        "medio_libre",
    ),
    _stored(
        "medio_libre_programme_participants",
        "Personas atendidas en programas de medio libre",
        "Persons in community-sentence programmes",
        "personas",
        "medio_libre",
    ),
    _stored(
        "medio_libre_job_placements",
        "Población de medio libre insertada en el mercado laboral",
        "Community-sentence population placed in jobs",
        "personas",
        "medio_libre",
    ),
    _stored(
        "medio_libre_trained",
        "Población de medio libre capacitada",
        "Community-sentence population trained",
        "personas",
        "medio_libre",
    ),
    _stored(
        "population_by_origin",
        "Población penal según lugar de procedencia",
        "Prison population by place of origin",
        "personas",
        "poblacion",
    ),
    _stored("admissions", "Ingresos", "Admissions", "personas", "movimiento"),
    _stored("releases", "Egresos", "Releases", "personas", "movimiento"),
    _stored(
        "work_participants",
        "Internos que trabajan",
        "Inmates in work programmes",
        "personas",
        "tratamiento",
    ),
    _stored(
        "education_participants",
        "Internos que estudian",
        "Inmates in education",
        "personas",
        "tratamiento",
    ),
    _stored(
        "establishment_count",
        "Número de establecimientos penitenciarios",
        "Number of prisons",
        "establecimientos",
        "poblacion",
    ),
    _stored(
        "inhabitants",
        "Población censada (INEI)",
        "Census population (INEI)",
        "habitantes",
        "poblacion",
        description="Población censada por el INEI (censos nacionales 2017 y 2007), por "
        "departamento; denominador de las tasas por habitante.",
    ),
    Indicator(
        "prison_rate_per_100k_inhabitants",
        "Población penal por 100 000 habitantes",
        "Prisoners per 100,000 inhabitants",
        "por 100 000 hab.",
        "ratio",
        numerator="population",
        denominator="inhabitants",
        scale=100000.0,
        denominator_period="latest_available",
        group="poblacion",
        description="Población penal (intramuros) / población censada del INEI × 100 000; "
        "el último censo a la fecha o antes (hoy: población censal 2017 del INEI).",
    ),
)

CORE_REGISTRY = IndicatorRegistry().register(*CORE_INDICATORS)


def indicator_rows(registry: IndicatorRegistry) -> list[dict[str, object]]:
    """The registry as rows of the store's `indicators` table."""
    return [
        {
            "code": i.code,
            "label_es": i.label_es,
            "label_en": i.label_en,
            "unit": i.unit,
            "aggregation": i.aggregation,
            "numerator": i.numerator,
            "denominator": i.denominator,
            "is_sensitive": i.is_sensitive,
            "group": i.group,
            "description": i.description,
        }
        for i in registry
    ]
