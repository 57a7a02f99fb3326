"""What each indicator means: definition, formula and caveats in Spanish and English.

Shown by the indicator catalogue (/api/v1/indicators and its downloads) and the viewer.
Units are those of the indicator registry (app/stats/indicators.py). A Política Nacional
Penitenciaria indicator declared only in the store gets a definition from its declaration.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.stats.indicators import Indicator


@dataclass(frozen=True)
class Definition:
    es: str
    en: str
    formula: str
    caveats_es: str = ""
    caveats_en: str = ""


STOCK_ES = "Cifra al cierre del periodo (mes); un año o trimestre toma su último mes."
STOCK_EN = "A stock at the end of the period (month); a year or quarter takes its last month."
SUM_ES = (
    "Fuera de los niveles donde INPE la publica, es la suma de los establecimientos que la "
    "reportan (n_establishments); las tablas parciales nunca se suman."
)
SUM_EN = (
    "Where INPE does not publish it for a level, it is the sum over the establishments that "
    "report it (n_establishments); partial tables are never summed."
)
RATE_ES = (
    "La tasa se calcula con numerador y denominador sumados sobre los mismos "
    "establecimientos; nunca se promedian tasas."
)
RATE_EN = (
    "Numerator and denominator are summed over the same establishments; rates are never averaged."
)

DEFINITIONS: dict[str, Definition] = {
    "population": Definition(
        "Población penal intramuros: personas privadas de libertad (procesadas y sentenciadas) "
        "albergadas en los establecimientos penitenciarios.",
        "Prison population: persons deprived of liberty (awaiting trial and sentenced) held in "
        "penitentiary establishments.",
        "P (cifra publicada por INPE)",
        f"{STOCK_ES} {SUM_ES}",
        f"{STOCK_EN} {SUM_EN}",
    ),
    "capacity": Definition(
        "Capacidad de albergue: plazas de los establecimientos penitenciarios según INPE.",
        "Capacity: places in penitentiary establishments according to INPE.",
        "C (cifra publicada por INPE)",
        "Los documentos de 2024 no publican la capacidad por E.P.; solo la serie nacional y "
        f"tablas parciales 2015-2017. {SUM_ES}",
        "The 2024 documents give no capacity per establishment; only the national series and "
        f"partial 2015-2017 tables. {SUM_EN}",
    ),
    "overpopulation": Definition(
        "Sobrepoblación (INPE): población penal que excede la capacidad de albergue.",
        "Overpopulation (INPE): prison population in excess of capacity.",
        "S = P − C",
        "Negativa cuando hay plazas libres. " + RATE_ES,
        "Negative when places are free. " + RATE_EN,
    ),
    "overpopulation_pct": Definition(
        "Porcentaje de sobrepoblación (INPE): sobrepoblación respecto de la capacidad.",
        "Overpopulation rate (INPE): overpopulation relative to capacity.",
        "S / C × 100 = (P − C) / C × 100",
        RATE_ES,
        RATE_EN,
    ),
    "overcrowded": Definition(
        "Hacinamiento (INPE): 1 cuando la sobrepoblación supera el 20 % de la capacidad.",
        "Overcrowding (INPE): 1 when overpopulation exceeds 20 % of capacity.",
        "1 si (P − C) / C > 0,20; si no, 0",
        RATE_ES,
        RATE_EN,
    ),
    "unsentenced_share": Definition(
        "Porcentaje de la población penal en situación jurídica de procesada (sin sentencia).",
        "Share of the prison population awaiting trial (without sentence).",
        "P[situación jurídica = procesado] / P × 100",
        RATE_ES,
        RATE_EN,
    ),
    "tb_cases": Definition(
        "Casos de tuberculosis (sensible y resistente) registrados por INPE en el periodo.",
        "Tuberculosis cases (drug-sensitive and resistant) recorded by INPE in the period.",
        "casos (cifra publicada)",
        "Un E.P. que no figura en la tabla no tiene cifra (no es cero). Cifras pequeñas se "
        "suprimen en algunos niveles.",
        "An establishment missing from the table has no figure (not zero). Small counts are "
        "suppressed at some levels.",
    ),
    "tb_rate": Definition(
        "Casos de tuberculosis por 100 000 personas privadas de libertad.",
        "Tuberculosis cases per 100,000 prisoners.",
        "casos TB / P × 100 000",
        "El denominador es la población al cierre del periodo, no la población expuesta "
        "durante el año. " + RATE_ES,
        "The denominator is the population at the end of the period, not the population "
        "exposed during the year. " + RATE_EN,
    ),
    "hiv_cases": Definition(
        "Personas viviendo con VIH/SIDA (PVVS) en los establecimientos penitenciarios.",
        "People living with HIV/AIDS (PLHIV) in penitentiary establishments.",
        "personas (cifra publicada)",
        "Cifras pequeñas se suprimen en algunos niveles.",
        "Small counts are suppressed at some levels.",
    ),
    "hiv_treated": Definition(
        "PVVS que reciben tratamiento antirretroviral de gran actividad (TARGA).",
        "PLHIV receiving highly active antiretroviral therapy (HAART).",
        "personas (cifra publicada)",
        "Cifras pequeñas se suprimen en algunos niveles.",
        "Small counts are suppressed at some levels.",
    ),
    "hiv_tb_coinfection": Definition(
        "Casos nuevos de coinfección VIH/tuberculosis en el periodo.",
        "New cases of HIV/tuberculosis co-infection in the period.",
        "personas (cifra publicada)",
        "No se publica por oficina regional.",
        "Not published by oficina regional.",
    ),
    "hiv_rate": Definition(
        "Personas viviendo con VIH por 100 000 personas privadas de libertad.",
        "People living with HIV per 100,000 prisoners.",
        "PVVS / P × 100 000",
        RATE_ES,
        RATE_EN,
    ),
    "medio_libre_population": Definition(
        "Población de medio libre (extramuros): personas con penas limitativas de derechos o "
        "liberadas con beneficio penitenciario bajo control de INPE.",
        "Community-sentence population: persons serving non-custodial sentences or released "
        "on parole under INPE supervision.",
        "personas (cifra publicada)",
        STOCK_ES,
        STOCK_EN,
    ),
    "medio_libre_programme_participants": Definition(
        "Personas atendidas en el mes por un programa de medio libre (dimensión programme).",
        "Persons attended in the month by a community-sentence programme (programme dimension).",
        "personas atendidas (cifra publicada)",
        "Por E.M.L. solo se guardan las filas legibles; los totales nacionales son los publicados.",
        "Per E.M.L. only legible rows are stored; national totals are the published ones.",
    ),
    "medio_libre_job_placements": Definition(
        "Población de medio libre insertada en el mercado laboral (meta programada y "
        "ejecutada; nuevos y en seguimiento).",
        "Community-sentence population placed in jobs (target and result; new and follow-up).",
        "personas (cifra publicada)",
        "series=expected es la meta programada; series=obtained, la ejecutada.",
        "series=expected is the target; series=obtained the result.",
    ),
    "medio_libre_trained": Definition(
        "Población de medio libre capacitada (cursos, CEBA, CETPRO, talleres de orientación "
        "laboral).",
        "Community-sentence population trained (courses, CEBA, CETPRO, job-orientation workshops).",
        "personas (cifra publicada)",
    ),
    "population_by_origin": Definition(
        "Población penal según el lugar de procedencia (el lugar es el distrito, provincia o "
        "departamento de procedencia, no el del establecimiento).",
        "Prison population by place of origin (the place is the district, province or "
        "departamento of origin, not that of the establishment).",
        "personas (cifra publicada)",
        "Solo Lima Metropolitana, abril 2015 (tabla parcial).",
        "Lima Metropolitana only, April 2015 (partial table).",
    ),
    "admissions": Definition(
        "Ingresos a establecimientos penitenciarios en el periodo.",
        "Admissions to penitentiary establishments in the period.",
        "personas (cifra publicada)",
    ),
    "releases": Definition(
        "Egresos de establecimientos penitenciarios en el periodo.",
        "Releases from penitentiary establishments in the period.",
        "personas (cifra publicada)",
    ),
    "work_participants": Definition(
        "Internos que participan en actividades de trabajo penitenciario.",
        "Prisoners taking part in penitentiary work.",
        "personas (cifra publicada)",
        "Cifra al cierre del periodo 2024 (diciembre).",
        "Figure at the close of 2024 (December).",
    ),
    "education_participants": Definition(
        "Internos matriculados en educación penitenciaria (alfabetización, PEBAJA, CETPRO, "
        "PCE, ETS, superior).",
        "Prisoners enrolled in penitentiary education (literacy, basic, technical, higher).",
        "personas (cifra publicada)",
        "Cifra al cierre del periodo 2024 (diciembre).",
        "Figure at the close of 2024 (December).",
    ),
    "establishment_count": Definition(
        "Número de establecimientos penitenciarios.",
        "Number of penitentiary establishments.",
        "establecimientos (cifra publicada)",
    ),
    "inhabitants": Definition(
        "Población censada por el INEI en los censos nacionales (2017, 2007), por departamento.",
        "Population counted by INEI in the national censuses (2017, 2007), by departamento.",
        "habitantes (cifra publicada por INEI)",
        "Población censada, no estimada ni proyectada; solo los años censales. No hay cifras "
        "por provincia con licencia conocida.",
        "Counted (census) population, not an estimate or projection; census years only. No "
        "province figures with a known licence.",
    ),
    "prison_rate_per_100k_inhabitants": Definition(
        "Personas privadas de libertad por cada 100 000 habitantes (como el World Prison "
        "Brief y las oficinas nacionales de estadística).",
        "Persons deprived of liberty per 100,000 inhabitants (as the World Prison Brief and "
        "national statistics offices report it).",
        "ΣP / población censada × 100 000 (último censo a la fecha del periodo o antes)",
        "El denominador es la población censal 2017 del INEI (la 2007 para periodos "
        "anteriores a 2017), tal como se publicó para su año, no una proyección; "
        "denominator_period indica el año censal usado. Nacional y por departamento; sin "
        "cifra por provincia. La población penal se cuenta donde está el E.P., no donde "
        "vivía la persona.",
        "The denominator is INEI's 2017 census population (the 2007 census for periods "
        "before 2017), as published for its year, not a projection; denominator_period says "
        "which census year was used. National and by departamento; no province figures. "
        "Prisoners are counted where the establishment is, not where they lived.",
    ),
}


def definition_of(indicator: Indicator) -> Definition:
    """The definition of an indicator; a store-declared (policy) one gets a generic one."""
    found = DEFINITIONS.get(indicator.code)
    if found is not None:
        return found
    return Definition(
        f"Indicador de la Política Nacional Penitenciaria al 2030: {indicator.label_es}. "
        f"{indicator.description}".strip(),
        f"National Penitentiary Policy 2030 indicator: {indicator.label_en}.",
        "según la ficha técnica del indicador (MINJUSDH); no figura en los documentos",
        "Valores de línea base, esperado y obtenido tal como los publica MINJUSDH; sin "
        "desagregación territorial.",
        "Baseline, expected and obtained values as MINJUSDH publishes them; national only.",
    )


def definition_fields(indicator: Indicator, lang: str) -> dict[str, str]:
    """Flat fields for the catalogue: definition and caveats in `lang` and both languages."""
    found = definition_of(indicator)
    return {
        "definition": found.en if lang == "en" else found.es,
        "definition_es": found.es,
        "definition_en": found.en,
        "formula": found.formula,
        "caveats": found.caveats_en if lang == "en" else found.caveats_es,
        "caveats_es": found.caveats_es,
        "caveats_en": found.caveats_en,
    }
