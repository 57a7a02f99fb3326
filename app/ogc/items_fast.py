"""Plain OGC API Features items queries answered straight from the FeatureTable.

`GET /collections/{id}/items` in JSON whose parameters are only `bbox` (CRS84), `bbox-crs`
(CRS84), `limit`, `offset` and property equality on queryables gets the document pygeoapi
builds for it (same features, numberMatched/numberReturned, links and titles in the
negotiated language), without pygeoapi's per-request plumbing (pyproj bbox transform, babel
locale lookups, stdlib JSON). Anything else (another format, `lang`, CQL, sorting, paging past
the limit rules, bad values...) is not ours: `parse_items_query` returns None and pygeoapi
answers, errors included. tests/ogc/test_items_fast.py compares both answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import quote

import orjson
from pygeoapi import __version__ as pygeoapi_version
from pygeoapi import l10n
from pygeoapi.api import FORMAT_TYPES
from pygeoapi.util import get_choice_from_headers

from app.errors import AppError
from app.layers import LayerDefinition
from app.ogc.features import BBox, FeatureTable
from app.ogc.query import FeatureQuery, run_query

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
LANGUAGES = ("es-PE", "en-US")
DEFAULT_ITEMS = 100
MAX_ITEMS = 2000
RESERVED = frozenset(
    ("bbox", "bbox-crs", "crs", "f", "lang", "limit", "offset", "resulttype", "datetime",
     "sortby", "properties", "skipGeometry", "q", "filter", "filter-lang", "filter-crs")
)  # fmt: skip
_LIMIT = re.compile(r"[1-9][0-9]{0,8}")
_OFFSET = re.compile(r"[0-9]{1,9}")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?")
HEADERS_BASE = (
    (b"content-type", b"application/json"),
    (b"x-powered-by", f"pygeoapi {pygeoapi_version}".encode()),
    (b"content-crs", f"<{CRS84}>".encode()),
)


@dataclass(frozen=True)
class ItemsQuery:
    """A plain items query; `params` are the query parameters in request order (for links)."""

    bbox_4326: BBox | None
    limit: int
    offset: int
    equals: tuple[tuple[str, str], ...]
    params: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class LocaleTexts:
    """Link titles and Content-Language of one negotiated language (as pygeoapi writes them)."""

    content_language: str
    locale: Any
    geojson: str
    jsonld: str
    html: str
    prev: str
    next: str


def _bbox(text: str) -> BBox | None:
    parts = text.split(",")
    if len(parts) != 4 or not all(_NUMBER.fullmatch(p) for p in parts):
        return None
    minx, miny, maxx, maxy = (float(p) for p in parts)
    if minx > maxx or miny > maxy:
        return None
    return (minx, miny, maxx, maxy)


@lru_cache(maxsize=256)
def is_json_accept(accept: str) -> bool:
    """Whether pygeoapi would pick JSON (or nothing: JSON by default) from this Accept header."""
    types = get_choice_from_headers({"accept": accept}, "accept", all=True)
    if types is None:
        return True
    mimes = list(FORMAT_TYPES.values())
    for mime in types:
        if mime in mimes:
            return bool(list(FORMAT_TYPES)[mimes.index(mime)] == "json")
    return True


def parse_items_query(
    layer: LayerDefinition, fields: dict[str, str], params: list[tuple[str, str]], accept: str
) -> ItemsQuery | None:
    """The query if it is a plain one (see the module docstring), else None."""
    names = [k for k, _ in params]
    if len(set(names)) != len(names) or any(v == "" for _, v in params):
        return None
    values = dict(params)
    fmt = values.get("f")
    if fmt is None:
        if not is_json_accept(accept):
            return None
    elif fmt != "json":
        return None
    bbox = None
    if "bbox" in values:
        bbox = _bbox(values["bbox"])
        if bbox is None:
            return None
    if "bbox-crs" in values and (bbox is None or values["bbox-crs"] != CRS84):
        return None
    limit = DEFAULT_ITEMS
    if "limit" in values:
        if not _LIMIT.fullmatch(values["limit"]):
            return None
        limit = min(int(values["limit"]), MAX_ITEMS)
    offset = 0
    if "offset" in values:
        if not _OFFSET.fullmatch(values["offset"]):
            return None
        offset = int(values["offset"])
    equals = []
    for name, value in params:
        if name in RESERVED:
            if name not in ("f", "bbox", "bbox-crs", "limit", "offset"):
                return None
        elif name in fields:
            equals.append((name, value))
        else:
            return None  # pygeoapi would drop it but still echo it in links: let it answer
    return ItemsQuery(bbox, limit, offset, tuple(equals), tuple(params))


@lru_cache(maxsize=64)
def locale_texts(accept_language: str) -> LocaleTexts:
    """pygeoapi's choice of language for an Accept-Language header (no `lang` parameter)."""
    supported = [l10n.str2locale(code) for code in LANGUAGES]
    locale = supported[0]
    choices = get_choice_from_headers({"accept-language": accept_language}, "accept-language", True)
    if choices:
        match = l10n.best_match(choices, supported)
        if match != supported[0]:
            locale = match
    headers: dict[str, str] = {}
    l10n.set_response_language(headers, None, locale)
    return LocaleTexts(
        content_language=headers.get("Content-Language", LANGUAGES[0]),
        locale=locale,
        geojson=l10n.translate("This document as GeoJSON", locale),
        jsonld=l10n.translate("This document as RDF (JSON-LD)", locale),
        html=l10n.translate("This document as HTML", locale),
        prev=l10n.translate("Items (prev)", locale),
        next=l10n.translate("Items (next)", locale),
    )


@lru_cache(maxsize=256)
def collection_title(title_es: str, title_en: str, accept_language: str) -> str:
    locale = locale_texts(accept_language).locale
    return str(l10n.translate({"es": title_es, "en": title_en}, locale))


def _serialized(params: tuple[tuple[str, str], ...]) -> str:
    return "".join(
        f"&{quote(k, safe='')}={quote(v, safe=',')}" for k, v in params if k not in ("f", "offset")
    )


def items_document(
    table: FeatureTable, query: ItemsQuery, collections_url: str, accept_language: str
) -> bytes | None:
    """The encoded items document, or None when the query turns out invalid (pygeoapi answers)."""
    try:
        result = run_query(
            table,
            FeatureQuery(
                bbox_4326=query.bbox_4326,
                equals=query.equals,
                offset=query.offset,
                limit=query.limit,
            ),
        )
    except AppError:
        return None
    texts = locale_texts(accept_language)
    layer_id = table.layer.id
    uri = f"{collections_url}/{layer_id}/items"
    extra = _serialized(query.params)
    features = [table.geojson_feature(p) for p in result.positions]
    offset, limit = query.offset, query.limit
    links: list[dict[str, str]] = [
        {
            "type": "application/geo+json",
            "rel": "self",
            "title": texts.geojson,
            "href": f"{uri}?f=json{extra}",
        },
        {
            "rel": "alternate",
            "type": "application/ld+json",
            "title": texts.jsonld,
            "href": f"{uri}?f=jsonld{extra}",
        },
        {
            "type": "text/html",
            "rel": "alternate",
            "title": texts.html,
            "href": f"{uri}?f=html{extra}",
        },
    ]
    if offset > 0:
        links.append(
            {
                "type": "application/geo+json",
                "rel": "prev",
                "title": texts.prev,
                "href": f"{uri}?offset={max(0, offset - limit)}{extra}",
            }
        )
    if result.number_matched > limit + offset or len(features) == limit:
        links.append(
            {
                "type": "application/geo+json",
                "rel": "next",
                "title": texts.next,
                "href": f"{uri}?offset={offset + limit}{extra}",
            }
        )
    links.append(
        {
            "type": "application/json",
            "title": collection_title(table.layer.title, table.layer.title_en, accept_language),
            "rel": "collection",
            "href": f"{collections_url}/{layer_id}",
        }
    )
    document = {
        "type": "FeatureCollection",
        "features": features,
        "numberMatched": result.number_matched,
        "numberReturned": len(features),
        "links": links,
        "timeStamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    }
    return orjson.dumps(document)


def items_headers(accept_language: str) -> list[tuple[bytes, bytes]]:
    language = locale_texts(accept_language).content_language.encode()
    return [*HEADERS_BASE, (b"content-language", language)]
