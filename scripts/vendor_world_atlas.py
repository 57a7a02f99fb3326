"""Cut a world-atlas countries TopoJSON down to South America for the viewer's context layer.

Usage: python scripts/vendor_world_atlas.py package/countries-50m.json static/vendor/world-atlas/
(`package/` from `npm pack world-atlas@2.0.2`). Keeps the countries near Peru with the arcs they
use (renumbered), the same quantization transform and properties; drops the rest.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

# ISO 3166-1 numeric codes: South America and Panama.
NEARBY = {"604", "218", "170", "076", "068", "152", "862", "032", "600", "858", "328", "740", "591"}


def _arc_indices(arcs: Any) -> list[int]:
    if isinstance(arcs, int):
        return [arcs if arcs >= 0 else ~arcs]
    return [index for part in arcs for index in _arc_indices(part)]


def _renumber(arcs: Any, mapping: dict[int, int]) -> Any:
    if isinstance(arcs, int):
        return mapping[arcs] if arcs >= 0 else ~mapping[~arcs]
    return [_renumber(part, mapping) for part in arcs]


def subset(topology: dict[str, Any], keep: set[str]) -> dict[str, Any]:
    """The topology with only the countries whose id is in `keep`."""
    countries = topology["objects"]["countries"]
    geometries = [g for g in countries["geometries"] if g.get("id") in keep]
    used = sorted({i for g in geometries for i in _arc_indices(g.get("arcs", []))})
    mapping = {old: new for new, old in enumerate(used)}
    for geometry in geometries:
        geometry["arcs"] = _renumber(geometry["arcs"], mapping)
    return {
        "type": "Topology",
        "bbox": topology.get("bbox"),
        "transform": topology["transform"],
        "objects": {"countries": {"type": "GeometryCollection", "geometries": geometries}},
        "arcs": [topology["arcs"][i] for i in used],
    }


def main(source: str, target_dir: str) -> None:
    topology = json.loads(Path(source).read_text(encoding="utf-8"))
    resolution = Path(source).stem.removeprefix("countries-")
    out = Path(target_dir) / f"south-america-{resolution}.json"
    out.write_text(json.dumps(subset(topology, NEARBY), separators=(",", ":")), encoding="utf-8")
    print(f"{out}: {out.stat().st_size} bytes")


if __name__ == "__main__":
    main(*sys.argv[1:3])
