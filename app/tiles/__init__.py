"""OGC API Tiles: vector (Mapbox Vector Tile) and map (PNG) tiles of every published layer.

Tiles are cut from the same feature tables and styled layers as OGC API Features and WMS;
nothing here computes a figure or a colour.
"""
