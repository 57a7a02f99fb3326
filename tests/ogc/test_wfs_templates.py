"""WFS XML is rendered by autoescaping templates: hostile text stays text."""

from __future__ import annotations

from lxml import etree

from app.ogc.gml import NS
from app.ogc.templating import environment

HOSTILE = "<siep:x>&amp; \"quoted\" 'single' </siep:departamentos>"


def test_member_template_escapes_ids_srs_and_values() -> None:
    text = (
        environment()
        .get_template("wfs/member.xml")
        .render(
            p="siep",
            ns=NS,
            layer="departamentos",
            fid='departamentos.1"<&',
            srs='urn:ogc:def:crs:EPSG::4326"',
            point="-12 -77",
            polygons=None,
            properties=[("name", HOSTILE), ("population", 12.5)],
            standalone=True,
        )
    )
    root = etree.fromstring(text.encode())
    assert root.get("{http://www.opengis.net/gml/3.2}id") == 'departamentos.1"<&'
    assert root.find(f"{{{NS}}}name").text == HOSTILE
    assert root.find(f"{{{NS}}}population").text == "12.5"
    point = root.find(f"{{{NS}}}geometry/{{http://www.opengis.net/gml/3.2}}Point")
    assert point.get("srsName") == 'urn:ogc:def:crs:EPSG::4326"'


def test_capabilities_template_escapes_layer_text() -> None:
    text = (
        environment()
        .get_template("wfs/capabilities.xml")
        .render(
            prefix="siep",
            ns=NS,
            base_url='http://h/"><x>',
            url='http://h/"><x>/wfs',
            operations=["GetCapabilities"],
            output_formats=["application/json"],
            conformance_true=[],
            conformance_false=[],
            count_default="10",
            feature_types=[
                {
                    "id": "d",
                    "title": HOSTILE,
                    "abstract": HOSTILE,
                    "keywords": [HOSTILE],
                    "extent": (-81.0, -18.0, -68.0, 0.0),
                }
            ],
            other_crs=[],
            fes_true=[],
            fes_false=[],
            comparison=[],
            spatial=[],
        )
    )
    root = etree.fromstring(text.encode())
    ns = {"wfs": "http://www.opengis.net/wfs/2.0", "ows": "http://www.opengis.net/ows/1.1"}
    assert root.findtext("wfs:FeatureTypeList/wfs:FeatureType/wfs:Title", namespaces=ns) == HOSTILE
    assert (
        root.find("ows:ServiceProvider/ows:ProviderSite", ns).get(
            "{http://www.w3.org/1999/xlink}href"
        )
        == 'http://h/"><x>'
    )
