"""Safe parsing of XML request bodies (WFS POST, FES filters): defusedxml first, then lxml.

defusedxml rejects DTDs, entity declarations and external references; only then is the
document parsed by lxml (which pygeofilter needs), with entities and network disabled.
"""

from __future__ import annotations

from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as safe_et
from defusedxml import DefusedXmlException
from lxml import etree

from app.ogc.exceptions import OgcError

MAX_XML_BYTES = 256 * 1024
MAX_ELEMENTS = 2000
MAX_DEPTH = 40


def parse_xml(data: bytes | str, locator: str = "request") -> etree._Element:
    raw = data.encode() if isinstance(data, str) else data
    if len(raw) > MAX_XML_BYTES:
        raise OgcError("InvalidParameterValue", f"XML larger than {MAX_XML_BYTES} bytes", locator)
    try:
        safe_et.fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DefusedXmlException, ParseError) as exc:
        raise OgcError("InvalidParameterValue", f"unacceptable XML: {exc}", locator) from None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as exc:
        raise OgcError("InvalidParameterValue", f"malformed XML: {exc}", locator) from None
    _check_shape(root, locator)
    return root


def _check_shape(root: etree._Element, locator: str) -> None:
    count = 0
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        count += 1
        if count > MAX_ELEMENTS or depth > MAX_DEPTH:
            raise OgcError(
                "InvalidParameterValue",
                f"XML too complex (at most {MAX_ELEMENTS} elements, depth {MAX_DEPTH})",
                locator,
            )
        stack.extend((child, depth + 1) for child in element)
