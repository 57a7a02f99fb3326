"""The Jinja2 environment of the OGC fronts: templates in app/ogc/templates, autoescaped.

XML documents (WMS/WFS capabilities, GML, exception reports, GetFeatureInfo) and the OGC API
HTML pages are rendered from these templates, never assembled with string formatting.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

TEMPLATES_DIR = Path(__file__).parent / "templates"


@lru_cache(maxsize=1)
def environment() -> Environment:
    """One read-only environment per process (it holds only the loader and compiled templates)."""
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(("html", "xml"), default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(name: str, **context: Any) -> str:
    return environment().get_template(name).render(**context)
