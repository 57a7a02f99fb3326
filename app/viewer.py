"""The public web viewer: static files (static/) served at /."""

from __future__ import annotations

from fastapi import FastAPI

from app.settings import Settings


def mount_viewer(app: FastAPI, settings: Settings) -> None:
    """Serve static/ at / (index.html)."""
