"""The domain layer every front calls (JSON API, WMS/WFS, OGC API, tiles, exports, viewer).

Catalog snapshot in, typed results out: indicator values of a level with suppression applied,
their classes and colours, the places' geometries, the periods with data, series,
observations, establishments and each layer's feature table (features.py: the attributes
and latest figures every OGC front and the vector tiles read). No HTTP here: the fronts (app/api, app/ogc, app/tiles) parse
parameters into these calls and encode what they return.
"""
