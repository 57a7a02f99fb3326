"""OGC exception documents: WMS ServiceExceptionReport and OWS 1.1 ExceptionReport (WFS 2.0),
rendered from templates/ows/ (autoescaped).

Protocol handlers raise OgcError; the endpoint turns it into the protocol's XML with a 4xx
status. Never a 500 for a malformed request.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.ogc.templating import render


@dataclass
class OgcError(Exception):
    """A request the protocol rejects: `code` is the standard exception code."""

    code: str
    message: str
    locator: str | None = None
    status: int = 400

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def wms_exception_xml(error: OgcError, version: str = "1.3.0") -> bytes:
    return render("ows/wms_exception.xml", error=error, version=version).encode()


def ows_exception_xml(error: OgcError, version: str = "2.0.0") -> bytes:
    return render("ows/exception_report.xml", error=error, version=version).encode()
