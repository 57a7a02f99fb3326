"""The ceiling: a bare FastAPI endpoint returning fixed bytes (the fastest any Python endpoint
can answer on this machine). Serves the file named by BENCH_CEILING_BODY at /items."""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI, Response

BODY = Path(os.environ.get("BENCH_CEILING_BODY", "/dev/null")).read_bytes()
MEDIA_TYPE = os.environ.get("BENCH_CEILING_TYPE", "application/geo+json")

app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)


@app.get("/items")
async def items() -> Response:
    return Response(content=BODY, media_type=MEDIA_TYPE)


@app.get("/health")
async def health() -> Response:
    return Response(content=b"ok", media_type="text/plain")
