"""Map rendering with Mapnik: styled features (any bbox, size and CRS) to PNG / PNG8 / JPEG bytes.

No HTTP and no catalog here: callers hand over geometries with their colours.
"""
