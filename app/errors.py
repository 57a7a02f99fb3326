"""Domain errors raised by every layer and the one table that maps them to HTTP statuses."""

from __future__ import annotations


class AppError(Exception):
    """Base of every error that is the client's or the data's fault, never a bug."""

    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFoundError(AppError):
    status_code = 404


class InvalidParameterError(AppError):
    """A query parameter has a value outside its domain; the message lists valid values."""

    status_code = 400


class LoadError(AppError):
    """A file to load is invalid; the message names the row and column."""

    status_code = 422

    def __init__(self, message: str, row: int | None = None, column: str | None = None) -> None:
        where = []
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column '{column}'")
        prefix = f"{', '.join(where)}: " if where else ""
        super().__init__(prefix + message)
        self.row = row
        self.column = column


class AuthError(AppError):
    status_code = 401


class WritesDisabledError(AppError):
    status_code = 403


class StoreUnavailableError(AppError):
    status_code = 503


class StoreFullError(AppError):
    """The store's disk is full: a write was rolled back (HTTP 507 Insufficient Storage)."""

    status_code = 507


class ServerBusyError(AppError):
    """Too much heavy work already running: retry later (HTTP 503 with Retry-After)."""

    status_code = 503
