"""HTML pages of the OGC API (landing page, collections, items...) from our own templates.

pygeoapi answers in JSON; the page is that document rendered with app/ogc/templates/ogcapi/
(vendored Leaflet for maps, no CDN, links built from the request's base URL).
"""

from __future__ import annotations

from typing import Any

from app.ogc.templating import render

SKIPPED_COLUMNS = ("series_url",)


def _crumbs(path: str, base_url: str) -> list[dict[str, str]]:
    parts = [p for p in path.split("/") if p]
    crumbs = []
    for i, part in enumerate(parts):
        href = f"{base_url}/{'/'.join(parts[: i + 1])}?f=html"
        crumbs.append({"title": "OGC API" if part == "ogc" else part, "href": href})
    return crumbs


def _title(path: str, document: dict[str, Any]) -> str:
    title = document.get("title")
    if isinstance(title, str) and title:
        return title
    return path.rstrip("/").rsplit("/", 1)[-1] or "OGC API"


def _features_context(path: str, document: dict[str, Any], base_url: str) -> dict[str, Any]:
    is_item = document.get("type") == "Feature"
    features = [document] if is_item else list(document.get("features") or [])
    columns: list[str] = []
    for feature in features:
        for name in feature.get("properties") or {}:
            if name not in columns and name not in SKIPPED_COLUMNS:
                columns.append(name)
    items_path = path.rsplit("/", 1)[0] if is_item else path
    geojson = {"type": "FeatureCollection", "features": features}
    return {
        "features": features,
        "columns": columns,
        "items_url": f"{base_url}{items_path}",
        "geojson": geojson,
    }


def render_page(path: str, document: dict[str, Any], status: int, base_url: str) -> str:
    """The page for `document` (pygeoapi's JSON answer to `path`) with HTTP `status`."""
    links = [link for link in document.get("links") or [] if isinstance(link, dict)]
    context: dict[str, Any] = {
        "base_url": base_url,
        "document": document,
        "title": _title(path, document),
        "crumbs": _crumbs(path, base_url),
        "links": links,
    }
    if status >= 400:
        context["title"] = f"Error {status}"
        return render("ogcapi/error.html", **context)
    if document.get("type") in ("FeatureCollection", "Feature"):
        return render(
            "ogcapi/features.html", **context, **_features_context(path, document, base_url)
        )
    return render("ogcapi/document.html", **context)
