"""ColorBrewer palettes (Cynthia Brewer, colorbrewer2.org; Apache-2.0), read from branca.

Only the colour-blind-safe schemes: every sequential scheme and the diverging BrBG, PiYG, PRGn,
PuOr, RdBu and RdYlBu. Each maps the number of classes (3-9; 3-11 for diverging) to colours
(lower-case hex). branca's `color_brewer` ships ColorBrewer's own tables; within these class
counts it returns them as published (it interpolates only beyond, which we never ask).
"""

from __future__ import annotations

from branca.utilities import color_brewer

SEQUENTIAL_SCHEMES = (
    "Blues",
    "BuGn",
    "BuPu",
    "GnBu",
    "Greens",
    "Greys",
    "Oranges",
    "OrRd",
    "PuBu",
    "PuBuGn",
    "PuRd",
    "Purples",
    "RdPu",
    "Reds",
    "YlGn",
    "YlGnBu",
    "YlOrBr",
    "YlOrRd",
)
DIVERGING_SCHEMES = ("BrBG", "PiYG", "PRGn", "PuOr", "RdBu", "RdYlBu")


def _tables(names: tuple[str, ...], max_classes: int) -> dict[str, dict[int, tuple[str, ...]]]:
    return {
        name: {
            n: tuple(c.lower() for c in color_brewer(name, n)) for n in range(3, max_classes + 1)
        }
        for name in names
    }


SEQUENTIAL = _tables(SEQUENTIAL_SCHEMES, 9)
DIVERGING = _tables(DIVERGING_SCHEMES, 11)
