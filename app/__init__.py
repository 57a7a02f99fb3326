"""SIEP-Perú: geospatial statistics server for Peru's penitentiary system."""

__version__ = "0.1.0"
