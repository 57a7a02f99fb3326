"""ASGI entry point for process managers (uvicorn --workers, gunicorn): settings from SIEP_*."""

from app.main import create_app
from app.settings import Settings

app = create_app(Settings())
