"""Offline API documentation pages: /docs (Swagger UI) and /redoc (ReDoc) from vendored assets.

FastAPI's own pages load both libraries from a CDN; these are the same pages pointed at
static/vendor/swagger-ui and static/vendor/redoc (served by the viewer's static mount), so they
work without internet access. Asset URLs are relative to the page, so a path prefix added by a
proxy keeps working.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse

SWAGGER = "vendor/swagger-ui"
REDOC = "vendor/redoc"


async def swagger_page(request: Request) -> HTMLResponse:
    app: FastAPI = request.app
    return get_swagger_ui_html(
        openapi_url=(app.openapi_url or "/openapi.json").lstrip("/"),
        title=f"{app.title} - Swagger UI",
        swagger_js_url=f"{SWAGGER}/swagger-ui-bundle.js",
        swagger_css_url=f"{SWAGGER}/swagger-ui.css",
        swagger_favicon_url=f"{SWAGGER}/favicon-32x32.png",
    )


async def redoc_page(request: Request) -> HTMLResponse:
    app: FastAPI = request.app
    return get_redoc_html(
        openapi_url=(app.openapi_url or "/openapi.json").lstrip("/"),
        title=f"{app.title} - ReDoc",
        redoc_js_url=f"{REDOC}/redoc.standalone.js",
        redoc_favicon_url=f"{SWAGGER}/favicon-32x32.png",
        with_google_fonts=False,
    )


def mount_docs_pages(app: FastAPI) -> None:
    """Serve /docs and /redoc (create the app with docs_url=None and redoc_url=None)."""
    app.add_route("/docs", swagger_page, include_in_schema=False)
    app.add_route("/redoc", redoc_page, include_in_schema=False)
