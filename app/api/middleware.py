"""The process-wide HTTP guard, outermost in the app: bounds on the request line, headers and
body, HEAD for every GET route, a request id, baseline security headers, and a log line for
every server error. It must not look at routes or the catalog."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import uuid
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
)
REQUEST_ID_HEADER = b"x-request-id"
# A client's own request id is echoed only when it is a short plain token (log safety).
_CLIENT_REQUEST_ID = re.compile(rb"[A-Za-z0-9._-]{1,64}")


@dataclass(frozen=True)
class UploadBound:
    """A larger body bound for the admin upload, granted only to a request bearing the admin
    token: the body is spooled to disk before the route's own token check runs, so an
    anonymous client must not be able to send a gigabyte."""

    path: str
    max_bytes: int
    token_sha256: str


@dataclass(frozen=True)
class RequestLimits:
    """Bounds checked before any routing (docs/reliability.md lists each with its setting)."""

    max_body_bytes: int
    max_url_bytes: int
    max_header_bytes: int
    max_header_count: int
    upload: UploadBound | None = None

    def body_bytes(self, scope: Scope, headers: list[tuple[bytes, bytes]]) -> int:
        """The body bound of this request: `upload.max_bytes` for an authorised upload."""
        upload = self.upload
        if upload is None or scope["method"] != "POST":
            return self.max_body_bytes
        if scope["path"] not in (upload.path, scope.get("root_path", "") + upload.path):
            return self.max_body_bytes
        scheme, _, token = dict(headers).get(b"authorization", b"").partition(b" ")
        given = hashlib.sha256(token).hexdigest()
        if scheme.lower() != b"bearer" or not hmac.compare_digest(given, upload.token_sha256):
            return self.max_body_bytes
        return upload.max_bytes


class HttpGuardMiddleware:
    """Answer 414 for an over-long URL, 431 for too many or too large headers, 413 for a body
    above the limit (declared or streamed); answer HEAD as GET without the body (FastAPI
    routes answer GET only, so HEAD was a 404 on a cold cache, issue 13); tag every answer
    with `X-Request-ID` and the security headers; log every 5xx with method, path and id."""

    def __init__(self, app: ASGIApp, limits: RequestLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = list(scope.get("headers") or ())
        request_id = _request_id(headers)
        max_body_bytes = self.limits.body_bytes(scope, headers)
        refusal = self._refusal(scope, headers, max_body_bytes)
        if refusal is not None:
            status, detail = refusal
            await _send_json(send, status, detail, request_id)
            return
        is_head = scope["method"] == "HEAD"
        if is_head:
            scope = {**scope, "method": "GET"}
        received = 0
        response_started = False
        status = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_body_bytes:
                    raise BodyTooLargeError
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal response_started, status
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                message = {**message, "headers": _with_guard_headers(message, request_id)}
                if status >= 500:
                    log.error(
                        "%s %s -> %d [request %s]",
                        scope["method"],
                        scope["path"],
                        status,
                        request_id.decode(),
                    )
            elif message["type"] == "http.response.body" and is_head:
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except BodyTooLargeError:
            if not response_started:
                detail = f"request body larger than {max_body_bytes} bytes"
                await _send_json(send, 413, detail, request_id)
        except Exception:
            log.exception(
                "%s %s failed [request %s]", scope["method"], scope["path"], request_id.decode()
            )
            if not response_started:
                await _send_json(send, 500, "internal error", request_id)
            raise

    def _refusal(
        self, scope: Scope, headers: list[tuple[bytes, bytes]], max_body_bytes: int
    ) -> tuple[int, str] | None:
        limits = self.limits
        url_bytes = len(scope.get("raw_path") or scope["path"].encode()) + len(
            scope.get("query_string", b"")
        )
        if url_bytes > limits.max_url_bytes:
            return 414, f"URL longer than {limits.max_url_bytes} bytes"
        if len(headers) > limits.max_header_count:
            return 431, f"more than {limits.max_header_count} request headers"
        if sum(len(k) + len(v) + 4 for k, v in headers) > limits.max_header_bytes:
            return 431, f"request headers larger than {limits.max_header_bytes} bytes"
        declared = dict(headers).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > max_body_bytes):
            return 413, f"request body larger than {max_body_bytes} bytes"
        return None


class BodyTooLargeError(Exception):
    pass


def _request_id(headers: list[tuple[bytes, bytes]]) -> bytes:
    given = dict(headers).get(REQUEST_ID_HEADER, b"")
    return given if _CLIENT_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex.encode()


def _with_guard_headers(message: Message, request_id: bytes) -> list[tuple[bytes, bytes]]:
    headers = list(message.get("headers", []))
    names = {name.lower() for name, _ in headers}
    headers.extend(h for h in SECURITY_HEADERS if h[0] not in names)
    headers.append((REQUEST_ID_HEADER, request_id))
    return headers


async def _send_json(send: Send, status: int, detail: str, request_id: bytes) -> None:
    body = b'{"detail":"%s","status":%d}' % (detail.encode(), status)
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    message = {"type": "http.response.start", "status": status, "headers": headers}
    await send({**message, "headers": _with_guard_headers(message, request_id)})
    await send({"type": "http.response.body", "body": body})
