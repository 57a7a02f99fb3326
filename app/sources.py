"""Published documents behind every figure, and how to cite them.

The shipped dataset names each figure's document by an id (`inpe-itp-2024`) declared in
`geodata/sources.yaml` with its publisher, title, year, edition, URL and terms of use. The API,
the viewer and every download show the publication, never the text extract the build read: the
extract and its line stay as `trace` (reproducibility only). A document named in a loaded file
that is not declared (free text, a URL) is shown as written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from app.exports.download import Download
from app.settings import Settings

SIEP = "SIEP-Perú"
CITE_LABEL = {"es": "Cómo citar", "en": "How to cite"}


@dataclass(frozen=True)
class Document:
    """One publication (or one page of a periodical) that figures are taken from."""

    id: str
    publisher: str
    title: str
    year: int | None
    edition: str = ""
    url: str = ""
    terms: str = ""
    extract: str = ""

    @property
    def reference(self) -> str:
        """Short reference: 'Publisher (year). Title'."""
        year = f" ({self.year})" if self.year else ""
        return f"{self.publisher}{year}. {self.title}"


def read_documents(data_dir: Path) -> dict[str, Document]:
    """The documents of `data_dir/sources.yaml` by id (empty when the file is absent)."""
    path = data_dir / "sources.yaml"
    if not path.exists():
        return {}
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    documents: dict[str, Document] = {}
    for item in raw.get("documents", []):
        year = item.get("year")
        documents[str(item["id"])] = Document(
            id=str(item["id"]),
            publisher=str(item["publisher"]),
            title=str(item["title"]),
            year=int(year) if year else None,
            edition=str(item.get("edition") or ""),
            url=str(item.get("url") or ""),
            terms=str(item.get("terms") or ""),
            extract=str(item.get("extract") or ""),
        )
    return documents


@lru_cache(maxsize=1)
def documents() -> dict[str, Document]:
    """The documents of the configured data folder (read once per process)."""
    return read_documents(Settings().data_dir)


def _clean(text: Any) -> str:
    value = "" if text is None else str(text)
    return "" if value in ("None", "nan") else value


def citation(document: str, table: str = "", locator: str = "") -> str:
    """How to cite one figure's source: publication, edition, table, locator, URL."""
    doc = documents().get(document)
    head = doc.reference if doc else document
    parts = [head]
    if doc and doc.edition:
        parts.append(doc.edition)
    if table:
        parts.append(f"Cuadro: «{table}»")
    if locator and not (doc and doc.extract.startswith("seeds/")):
        parts.append(locator)
    elif locator:
        parts.append(f"{locator} del texto extraído")
    if doc and doc.url:
        parts.append(doc.url)
    return ". ".join(p for p in parts if p) + "."


def describe(dataset: Any, document: Any, table: Any, locator: Any) -> dict[str, str]:
    """A source as the API writes it.

    Keys: dataset, document (the publication, short reference), document_id, publisher,
    title, year, edition, url, terms, table, locator, citation, trace (the text extract and
    line the figure was read from; empty when none).
    """
    dataset, document, table, locator = (_clean(v) for v in (dataset, document, table, locator))
    doc = documents().get(document)
    trace = f"{doc.extract}, {locator}".rstrip(", ") if doc and doc.extract else ""
    return {
        "dataset": dataset,
        "document": doc.reference if doc else document,
        "document_id": document,
        "publisher": doc.publisher if doc else "",
        "title": doc.title if doc else document,
        "year": str(doc.year) if doc and doc.year else "",
        "edition": doc.edition if doc else "",
        "url": doc.url if doc else "",
        "terms": doc.terms if doc else "",
        "table": table,
        "locator": locator,
        "citation": citation(document, table, locator),
        "trace": trace,
    }


def document_label(document: Any) -> str:
    """The publication named by a document id (or the text itself when not declared)."""
    text = _clean(document)
    doc = documents().get(text)
    return doc.reference if doc else text


def how_to_cite(publications: Iterable[str], version: int, url: str) -> str:
    """'How to cite' a view: its publications, then this service, its data version, the URL."""
    cited = "; ".join(p.rstrip(".") for p in dict.fromkeys(publications) if p)
    service = f"{SIEP}, versión de datos {version}, {url}"
    return f"{cited}. {service}" if cited else service


def with_citation(download: Download, version: int, url: str) -> Download:
    """The download with its 'how to cite' line (notes of every file; `how_to_cite` in JSON)."""
    line = how_to_cite(download.sources, version, url)
    body = download.json_body
    if isinstance(body, dict):
        body = {**body, "how_to_cite": line}
    label = CITE_LABEL.get(download.lang, CITE_LABEL["es"])
    return replace(download, notes=(*download.notes, f"{label}: {line}"), json_body=body)


def citations(rows: Any) -> tuple[str, ...]:
    """The distinct citations (document and table) of a frame of observations, sorted."""
    pairs = {
        (_clean(d), _clean(t))
        for d, t in zip(rows["source_document"], rows["source_table"], strict=True)
        if _clean(d)
    }
    return tuple(sorted({citation(d, t) for d, t in pairs}))
