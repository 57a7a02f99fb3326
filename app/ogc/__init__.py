"""OGC services: pygeoapi (OGC API Features/Maps) at /ogc, WMS 1.3.0 at /wms, WFS 2.0 at /wfs."""
