"""Standalone HTML map (folium) that works offline: Leaflet is inlined, no CDN, no tiles."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import folium

from app.exports.download import Download

LEAFLET_DIR = Path(__file__).resolve().parents[2] / "static" / "vendor" / "leaflet"


class OfflineMap(folium.Map):
    """A folium map that loads nothing from the network (assets are inlined afterwards)."""

    default_js: list[tuple[str, str]] = []
    default_css: list[tuple[str, str]] = []


def _legend_html(legend: dict[str, Any], title: str) -> str:
    rows = [(c["color"], c["label"]) for c in legend.get("classes", [])]
    for key in ("suppressed", "missing"):
        extra = legend.get(key)
        if extra and extra.get("count"):
            rows.append((extra["color"], extra["label"]))
    items = "".join(
        f'<div><span style="display:inline-block;width:14px;height:14px;background:{c};'
        f'border:1px solid #555;margin-right:6px"></span>{html.escape(str(label))}</div>'
        for c, label in rows
    )
    return (
        '<div style="position:fixed;bottom:24px;right:12px;z-index:1000;background:white;'
        'padding:8px 10px;border:1px solid #999;font:12px sans-serif;max-width:300px">'
        f"<b>{html.escape(title)}</b>{items}</div>"
    )


def write_html(download: Download) -> bytes:
    """The choropleth as a Leaflet page with tooltips, legend and attribution, all inline."""
    body = download.json_body
    webmap = OfflineMap(location=[-9.2, -75.0], zoom_start=5, tiles=None, control_scale=True)
    folium.GeoJson(
        body,
        name=download.title,
        style_function=lambda f: {
            "fillColor": f["properties"]["color"],
            "color": "#555555",
            "weight": 0.6,
            "fillOpacity": 0.85,
        },
        marker=folium.CircleMarker(radius=6, weight=1),
        tooltip=folium.GeoJsonTooltip(fields=["name", "display"], aliases=["", ""]),
    ).add_to(webmap)
    root: Any = webmap.get_root()
    root.html.add_child(folium.Element(_legend_html(body.get("legend", {}), download.title)))
    title = f"<h3 style='position:fixed;top:6px;left:60px;z-index:1000;margin:0;background:white;padding:4px 8px;font:16px sans-serif'>{html.escape(download.title)}</h3>"
    root.html.add_child(folium.Element(title))
    root.html.add_child(
        folium.Element(
            '<div style="position:fixed;bottom:2px;left:8px;z-index:1000;font:10px sans-serif;'
            f'background:white">{html.escape(download.attribution)}</div>'
        )
    )
    page = str(root.render())
    css = (LEAFLET_DIR / "leaflet.css").read_text(encoding="utf-8")
    js = (LEAFLET_DIR / "leaflet.js").read_text(encoding="utf-8")
    inline = f"<style>{css}</style>\n<script>{js}</script>\n"
    page = page.replace("<head>", "<head>\n" + inline, 1)
    return page.encode("utf-8")
