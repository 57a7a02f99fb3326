"""Service functions behind the /api/v1 handlers: catalog in, typed results out; no FastAPI."""
