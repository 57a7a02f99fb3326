"""The JSON API (/api/v1) and service endpoints; the only place besides ogc/ that knows HTTP."""
