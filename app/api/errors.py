"""Map domain errors to JSON problem responses (the OGC endpoints install their own)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from app.errors import AppError


async def app_error_handler(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    headers = {"Retry-After": "5"} if exc.status_code == 503 else None
    return JSONResponse(
        {"detail": exc.message, "status": exc.status_code},
        status_code=exc.status_code,
        headers=headers,
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, app_error_handler)
