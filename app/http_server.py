"""The HTTP/1.1 protocol `siep serve` runs: uvicorn's h11 protocol with the connection-level
bounds uvicorn lacks (issue 13): a deadline for a request's line and headers (a client sending
one byte a second held a connection forever), a hard cap on open connections (20,600 idle
connections used up the open-files limit), and 431 instead of 400 for an oversized head.
"""

from __future__ import annotations

import asyncio
import copy
from dataclasses import dataclass
from typing import Any

import h11
from uvicorn.config import LOGGING_CONFIG, Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from app.settings import Settings

REFUSAL = (
    b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"connection: close\r\ncontent-length: 25\r\n\r\ntoo many open connections"
)


@dataclass(frozen=True)
class ConnectionLimits:
    header_timeout_s: float
    max_connections: int
    max_head_bytes: int


class GuardedH11Protocol(H11Protocol):
    """h11 with a header deadline, a connection cap and a 431 for an over-long head."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        limits: ConnectionLimits,
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.limits = limits
        self._header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.limits.max_connections:
            self.logger.warning("connection refused: %d open", len(self.connections))
            transport.write(REFUSAL)
            transport.close()
            return
        self._watch_headers()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._watch_headers()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_header_timer()
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._watch_headers()

    def send_400_response(self, msg: str) -> None:
        buffered, _ = self.conn.trailing_data
        if len(buffered) > self.limits.max_head_bytes:
            self._send_error(431, "request line and headers too large")
        else:
            super().send_400_response(msg)

    def _watch_headers(self) -> None:
        """Arm the deadline while a request's head is awaited (new connection, or bytes of
        the next request arrived); disarm once the head is in. Idle keep-alive connections
        are uvicorn's business (timeout_keep_alive)."""
        is_waiting = self.conn.their_state is h11.IDLE and (
            self.cycle is None or self.cycle.response_complete
        )
        has_started = self.cycle is None or bool(self.conn.trailing_data[0])
        if is_waiting and has_started and not self.transport.is_closing():
            if self._header_timer is None:
                self._header_timer = self.loop.call_later(
                    self.limits.header_timeout_s, self._on_header_timeout
                )
        else:
            self._stop_header_timer()

    def _stop_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _on_header_timeout(self) -> None:
        self._header_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self._send_error(408, "request headers not received in time")

    def _send_error(self, status: int, text: str) -> None:
        body = text.encode()
        head = (
            f"HTTP/1.1 {status} {h11_reason(status)}\r\ncontent-type: text/plain; charset=utf-8"
            f"\r\nconnection: close\r\ncontent-length: {len(body)}\r\n\r\n"
        )
        self.transport.write(head.encode() + body)
        self.transport.close()


def h11_reason(status: int) -> str:
    return {408: "Request Timeout", 431: "Request Header Fields Too Large"}[status]


def connection_limits(settings: Settings) -> ConnectionLimits:
    return ConnectionLimits(
        header_timeout_s=settings.header_timeout_s,
        max_connections=settings.max_connections,
        max_head_bytes=head_bytes(settings),
    )


def head_bytes(settings: Settings) -> int:
    """Bytes of request line and headers the protocol reads before answering 431; the app's
    own checks (414 for the URL, 431 for the headers) answer first below this."""
    return settings.max_url_bytes + settings.max_header_bytes + 1024


def log_config() -> dict[str, Any]:
    """uvicorn's logging plus our `app` logger on stderr at INFO, not propagating to the root
    logger (which pygeoapi's `logging: CRITICAL` would otherwise silence)."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["app"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config
