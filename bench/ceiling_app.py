"""The ceiling: bare FastAPI endpoints returning fixed bytes, the fastest any Python endpoint can
answer on this machine. Each `<name>.body` file of BENCH_CEILING_DIR (with its media type in
`<name>.type`) is served at /c/<name> by its own route; a type of `304` answers an empty 304
(the ceiling of a revalidation)."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI, Response

app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)


def _endpoint(body: bytes, media_type: str) -> Callable[[], Awaitable[Response]]:
    if media_type == "304":

        async def not_modified() -> Response:
            return Response(status_code=304)

        return not_modified

    async def fixed() -> Response:
        return Response(content=body, media_type=media_type)

    return fixed


def _register(folder: Path) -> None:
    for body_path in sorted(folder.glob("*.body")):
        media_type = body_path.with_suffix(".type").read_text().strip()
        endpoint = _endpoint(body_path.read_bytes(), media_type)
        app.add_api_route(f"/c/{body_path.stem}", endpoint, methods=["GET"])


@app.get("/health")
async def health() -> Response:
    return Response(content=b"ok", media_type="text/plain")


if os.environ.get("BENCH_CEILING_DIR"):
    _register(Path(os.environ["BENCH_CEILING_DIR"]))
