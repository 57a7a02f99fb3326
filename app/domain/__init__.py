"""The domain layer every front calls (JSON API, WMS/WFS, OGC API, tiles, exports, viewer).

Catalog snapshot in, typed results out: indicator values of a level with suppression applied,
their classes and colours, the places' geometries, the periods with data, series,
observations and establishments. No HTTP here: the fronts (app/api, app/ogc, app/tiles) parse
parameters into these calls and encode what they return.
"""
