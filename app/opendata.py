"""Open-data packaging for other agencies' tools.

- `write_datapackage`: any table download as a Frictionless Tabular Data Package (a zip with
  `datapackage.json` — schema, sources, licence — and `data.csv`), format `f=datapackage`.
- `dataset_csv`: one loaded dataset as tidy CSV in the load format (docs/data-format.md).
- `dcat_catalog`: every served dataset as a DCAT-AP style JSON-LD catalogue, the shape CKAN
  portals (such as Peru's national open-data portal) harvest.
- `read_changes` / `atom_feed`: what each data version added, replaced or withdrew.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from typing import Any
from xml.sax.saxutils import escape

import pandas as pd
from sqlalchemy import Engine, select

from app.catalog.snapshot import Catalog
from app.codes import parse_dimensions
from app.domain.observations import sensitive_codes
from app.errors import NotFoundError
from app.exports.download import Download
from app.sources import documents
from app.stats.suppress import SuppressionPolicy, suppress_observations
from app.store.ingest.tidy import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from app.store.models import DatasetChange

PUBLISHER = "SIEP-Perú"
TERMS = {
    "name": "public-sector-information-pe",
    "title": "Cifras de documentos públicos del Estado peruano (acceso a la información pública, "
    "Ley 27806); los documentos no declaran licencia. Límites: CC BY 3.0 IGO (geoBoundaries) "
    "y MPL-2.0 (INEI 2007, juaneladio/peru-geojson).",
}
TIDY_COLUMNS = [*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS]  # the load format, dimensions aside


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-") or "siep"


def _field_type(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "boolean"
    if pd.api.types.is_integer_dtype(series):
        return "integer"
    if pd.api.types.is_float_dtype(series):
        return "number"
    return "string"


def _plain(value: Any) -> Any:
    if isinstance(value, list | dict | tuple):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


def table_schema(table: pd.DataFrame) -> dict[str, Any]:
    """A Table Schema for `table` (column order kept)."""
    return {"fields": [{"name": str(c), "type": _field_type(table[c])} for c in table.columns]}


def write_datapackage(download: Download) -> bytes:
    """The download's table as a zipped Tabular Data Package."""
    table = download.table.map(_plain) if len(download.table) else download.table
    body = download.json_body
    version = body.get("data_version") if isinstance(body, dict) else None
    descriptor: dict[str, Any] = {
        "profile": "tabular-data-package",
        "name": _slug(download.filename),
        "title": download.title,
        "licenses": [TERMS],
        "sources": [{"title": s} for s in download.sources] or [{"title": PUBLISHER}],
        "resources": [
            {
                "name": "data",
                "path": "data.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": table_schema(table),
            }
        ],
    }
    if version is not None:
        descriptor["version"] = str(version)
    notes = [n for n in (*download.notes, download.attribution) if n]
    if notes:
        descriptor["description"] = " ".join(notes)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("datapackage.json", json.dumps(descriptor, ensure_ascii=False, indent=2))
        archive.writestr("data.csv", table.to_csv(index=False))
    return buffer.getvalue()


def _dataset_row(catalog: Catalog, name: str) -> pd.Series:
    datasets = catalog.datasets
    found = datasets[(datasets["name"] == name) & ~datasets["is_withdrawn"].astype(bool)]
    if found.empty:
        raise NotFoundError(f"no served dataset named '{name}'")
    return found.iloc[0]


def dataset_csv(catalog: Catalog, name: str, policy: SuppressionPolicy) -> bytes:
    """Every figure of one dataset as tidy CSV (the format `siep load` reads), small counts
    of sensitive indicators withheld as everywhere else (no value; the range in `note`)."""
    row = _dataset_row(catalog, name)
    rows = catalog.observations_all[catalog.observations_all["dataset_id"] == row["id"]]
    rows = suppress_observations(rows, sensitive_codes(catalog), policy)
    dims = [parse_dimensions(str(d)) for d in rows["dimensions"]]
    keys = sorted({k for d in dims for k in d})
    table = rows[TIDY_COLUMNS].reset_index(drop=True)
    for key in keys:
        table[key] = [d.get(key, "") for d in dims]
    text: str = table.to_csv(index=False)
    return text.encode("utf-8")


def _iso(value: Any) -> str:
    return pd.Timestamp(value).isoformat() if value is not None and not pd.isna(value) else ""


def dcat_catalog(catalog: Catalog, base_url: str) -> dict[str, Any]:
    """DCAT-AP style JSON-LD of every served dataset with its distributions and publication."""
    docs = documents()
    obs = catalog.observations_all
    entries = []
    for row in catalog.datasets.itertuples():
        if bool(row.is_withdrawn):
            continue
        mine = obs[obs["dataset_id"] == row.id]
        periods = sorted(set(mine["period"].astype(str)))
        doc = docs.get(str(row.source_document))
        csv_url = f"{base_url}/api/v1/opendata/datasets/{row.name}.csv"
        entry: dict[str, Any] = {
            "@id": f"{base_url}/api/v1/opendata/datasets/{row.name}",
            "@type": "dcat:Dataset",
            "dct:identifier": row.name,
            "dct:title": row.title,
            "dct:description": row.description or row.title,
            "dct:publisher": {
                "@type": "foaf:Agent",
                "foaf:name": doc.publisher if doc else PUBLISHER,
            },
            "dct:source": {
                "@type": "dct:BibliographicResource",
                "dct:title": doc.reference if doc else str(row.source_document),
                **({"dcat:landingPage": doc.url} if doc and doc.url else {}),
            },
            "dct:issued": _iso(row.loaded_at),
            "dct:modified": _iso(row.loaded_at),
            "dct:spatial": {"@type": "dct:Location", "skos:prefLabel": "Perú"},
            "dcat:keyword": sorted(set(mine["indicator"].astype(str))),
            "dct:license": TERMS["title"],
            "adms:versionNotes": f"{row.row_count} cifras; checksum sha256 {row.checksum_sha256}",
            "dcat:distribution": [
                {
                    "@type": "dcat:Distribution",
                    "dct:title": "CSV (formato de carga de SIEP-Perú)",
                    "dcat:accessURL": csv_url,
                    "dcat:downloadURL": csv_url,
                    "dcat:mediaType": "text/csv",
                    "dct:license": TERMS["title"],
                }
            ],
        }
        if periods:
            entry["dct:temporal"] = {
                "@type": "dct:PeriodOfTime",
                "dcat:startDate": periods[0],
                "dcat:endDate": periods[-1],
            }
        entries.append(entry)
    return {
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "foaf": "http://xmlns.com/foaf/0.1/",
            "skos": "http://www.w3.org/2004/02/skos/core#",
            "adms": "http://www.w3.org/ns/adms#",
        },
        "@id": f"{base_url}/api/v1/opendata/catalog.jsonld",
        "@type": "dcat:Catalog",
        "dct:title": "SIEP-Perú: estadística penitenciaria del Perú",
        "dct:description": "Cifras publicadas por INPE, MINJUSDH e INEI, con su fuente, por "
        "establecimiento, oficina regional, departamento, provincia y distrito.",
        "dct:publisher": {"@type": "foaf:Agent", "foaf:name": PUBLISHER},
        "dct:language": "es",
        "adms:version": str(catalog.version),
        "dcat:dataset": entries,
    }


def read_changes(engine: Engine, since: int) -> list[dict[str, Any]]:
    """What each data version after `since` added, replaced or withdrew, oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(*DatasetChange.__table__.columns)
            .where(DatasetChange.data_version > since)
            .order_by(DatasetChange.data_version, DatasetChange.id)
        ).mappings()
        return [
            {
                "data_version": r["data_version"],
                "changed_at": _iso(r["changed_at"]),
                "action": r["action"],
                "dataset": r["dataset"],
                "title": r["title"],
                "row_count": r["row_count"],
                "checksum_sha256": r["checksum_sha256"],
            }
            for r in rows
        ]


def atom_feed(changes: list[dict[str, Any]], base_url: str, version: int) -> bytes:
    """The changes as an Atom 1.0 feed (newest first)."""
    feed_url = f"{base_url}/api/v1/changes.atom"
    updated = max((c["changed_at"] for c in changes), default="1970-01-01T00:00:00+00:00")
    entries = []
    for change in reversed(changes):
        link = f"{base_url}/api/v1/opendata/datasets/{change['dataset']}.csv"
        summary = (
            f"Versión de datos {change['data_version']}: {change['action']} "
            f"{change['dataset']}"
            + (f" ({change['row_count']} cifras)" if change["row_count"] is not None else "")
        )
        entries.append(
            "<entry>"
            f"<id>{escape(feed_url)}#v{change['data_version']}-{escape(change['dataset'])}</id>"
            f"<title>{escape(change['action'])}: {escape(change['title'] or change['dataset'])}"
            "</title>"
            f"<updated>{escape(change['changed_at'])}</updated>"
            f'<link href="{escape(link)}"/>'
            f"<summary>{escape(summary)}</summary>"
            "</entry>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<id>{escape(feed_url)}</id>"
        f"<title>SIEP-Perú: cambios de datos (versión {version})</title>"
        f"<updated>{escape(updated)}</updated>"
        f'<link rel="self" href="{escape(feed_url)}"/>'
        f"<author><name>{PUBLISHER}</name></author>" + "".join(entries) + "</feed>"
    ).encode("utf-8")
