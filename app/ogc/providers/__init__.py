"""pygeoapi provider plugins over the in-memory catalog (loaded by dotted name from the config)."""
