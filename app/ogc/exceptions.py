"""OGC exception documents: WMS ServiceExceptionReport and OWS 1.1 ExceptionReport (WFS 2.0).

Protocol handlers raise OgcError; the endpoint turns it into the protocol's XML with a 4xx
status. Never a 500 for a malformed request.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr


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
    locator = f" locator={quoteattr(error.locator)}" if error.locator else ""
    if version == "1.1.1":
        head = '<ServiceExceptionReport version="1.1.1">'
    else:
        head = (
            '<ServiceExceptionReport version="1.3.0" xmlns="http://www.opengis.net/ogc" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:schemaLocation="http://www.opengis.net/ogc '
            'http://schemas.opengis.net/wms/1.3.0/exceptions_1_3_0.xsd">'
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"{head}<ServiceException code={quoteattr(error.code)}{locator}>"
        f"{escape(error.message)}</ServiceException></ServiceExceptionReport>"
    ).encode()


def ows_exception_xml(error: OgcError, version: str = "2.0.0") -> bytes:
    locator = f" locator={quoteattr(error.locator)}" if error.locator else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<ows:ExceptionReport xmlns:ows="http://www.opengis.net/ows/1.1" version="{version}" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://www.opengis.net/ows/1.1 '
        'http://schemas.opengis.net/ows/1.1.0/owsExceptionReport.xsd">'
        f"<ows:Exception exceptionCode={quoteattr(error.code)}{locator}>"
        f"<ows:ExceptionText>{escape(error.message)}</ows:ExceptionText>"
        "</ows:Exception></ows:ExceptionReport>"
    ).encode()
