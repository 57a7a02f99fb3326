"""QGIS against a SIEP-Perú server: every OGC API Features collection, WFS type and WMS layer.

Run with the system Python that Debian's python3-qgis is built for (`make qgis-check` installs
it and starts a server itself; see docs/ogc.md). QGIS runs offscreen and adds layers exactly
as its Data Source Manager does: a WMS and a WFS/OAPIF connection are saved in its settings and
the layer URIs are taken from its browser items (so the WMS-T `timeDimensionExtent` is the one
QGIS reads from the capabilities).

For each vector layer (OAPIF and WFS): every feature is fetched through QGIS (which pages with
the advertised links), the count and the number of geometries must equal those of the source
files (geodata/), the extent QGIS computes must match the source's, and a render must draw
pixels. For each WMS layer: a render without time must draw pixels, then the map settings step
through every period QGIS lists for the layer (as the Temporal Controller does); each step must
send `TIME=<period>`, get a 200 and draw pixels. For each collection's vector tiles (from its
TileJSON's URL template): the tiles QGIS asks for answer 200 or 204 and the render draws pixels.

Expected numbers come from the repository's files, never from the server:
geodata/boundaries/*.geojson and distritos.csv, geodata/establishments.csv, layers/*.yaml.

Exit status 0 when every check passed; the per-layer numbers are printed and, with --json,
written to a file.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from qgis.core import (
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsDataItem,
    QgsDataSourceUri,
    QgsLayerItem,
    QgsMapRendererParallelJob,
    QgsMapSettings,
    QgsNetworkAccessManager,
    QgsNetworkReplyContent,
    QgsNetworkRequestParameters,
    QgsProject,
    QgsRasterLayer,
    QgsRectangle,
    QgsSettings,
    QgsVectorLayer,
    QgsVectorTileLayer,
)
from qgis.PyQt.QtCore import QSize, QUrl, QUrlQuery
from qgis.PyQt.QtGui import QColor, QImage
from source_layers import Expected, expected_layers

ROOT = Path(__file__).resolve().parents[1]
PERU = QgsRectangle(-81.5, -18.5, -68.5, 0.1)
EXTENT_TOLERANCE = 1e-4  # degrees: the services publish the source coordinates
SIZE = QSize(260, 372)
# Browser items stay referenced until os._exit: deleting their wrappers (by reference count or
# by the cycle collector) while QGIS owns the items crashes QGIS 3.22.
BROWSER_ITEMS: list[Any] = []


@dataclass
class Result:
    protocol: str
    layer: str
    ok: bool = True
    problems: list[str] = field(default_factory=list)
    numbers: dict[str, Any] = field(default_factory=dict)

    def check(self, condition: bool, problem: str) -> None:
        if not condition:
            self.ok = False
            self.problems.append(problem)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served(python: str) -> Iterator[str]:
    """`siep serve --port <free port>` on a new embedded store, no SIEP_PUBLIC_URL."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="siep-qgis-") as tmp:
        env = {k: v for k, v in os.environ.items() if k != "SIEP_PUBLIC_URL"}
        env["SIEP_VAR_DIR"] = str(Path(tmp) / "var")
        log = (Path(tmp) / "server.log").open("wb")
        process = subprocess.Popen(
            [python, "-m", "app.cli", "serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 300
            while True:
                if process.poll() is not None:
                    raise RuntimeError((Path(tmp) / "server.log").read_text())
                try:
                    with urllib.request.urlopen(f"{base}/health", timeout=2) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("the server did not answer /health in 300 s")
                time.sleep(0.5)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=20)


class Network:
    """Every request QGIS sends and the status of every reply, from any thread."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.statuses: dict[str, int] = {}
        manager = QgsNetworkAccessManager.instance()
        manager.requestAboutToBeCreated[QgsNetworkRequestParameters].connect(self._request)
        manager.finished[QgsNetworkReplyContent].connect(self._finished)

    def _request(self, parameters: Any) -> None:
        self.requests.append(parameters.request().url().toString())

    def _finished(self, reply: Any) -> None:
        status = reply.attribute(0)  # QNetworkRequest.HttpStatusCodeAttribute
        self.statuses[reply.request().url().toString()] = int(status) if status else 0

    def mark(self) -> int:
        self._settle()
        return len(self.requests)

    def since(self, mark: int) -> list[str]:
        self._settle()
        return self.requests[mark:]

    def _settle(self) -> None:
        """Deliver the queued signals of other threads: wait until every request seen has its
        reply (at most 5 s)."""
        deadline = time.monotonic() + 5
        while True:
            QgsApplication.processEvents()
            if all(u in self.statuses for u in self.requests) or time.monotonic() > deadline:
                return
            time.sleep(0.01)


def browser_uris(provider_name: str) -> dict[str, tuple[str, str]]:
    """name → (provider key, URI) of every layer the QGIS browser lists under the saved
    connections, as a drag from the browser or the Data Source Manager adds them."""
    provider = QgsApplication.dataItemProviderRegistry().provider(provider_name)
    root = provider.createDataItem("", None)
    found: dict[str, tuple[str, str]] = {}
    alive = BROWSER_ITEMS
    alive.append(root)

    def walk(item: QgsDataItem) -> None:
        item.populate(True)
        children = item.children()
        alive.extend(children)
        for child in children:
            for uri in child.mimeUris():
                if uri.uri:
                    query = dict(part.split("=", 1) for part in uri.uri.split("&") if "=" in part)
                    name = query.get("layers") or _typename(uri.uri)
                    found[name] = (uri.providerKey, uri.uri)
            if not isinstance(child, QgsLayerItem):  # leaves: populating one crashes QGIS
                walk(child)

    walk(root)
    return found


def _typename(uri: str) -> str:
    return uri.split("typename='", 1)[1].split("'", 1)[0]


def render(
    layer: Any, extent: QgsRectangle, temporal: Any = None, crs: str = "EPSG:4326"
) -> np.ndarray:
    """The layer drawn over `extent` (lon/lat) in `crs` on white, as 0xAARRGGBB pixels."""
    settings = QgsMapSettings()
    settings.setLayers([layer])
    destination = QgsCoordinateReferenceSystem(crs)
    settings.setDestinationCrs(destination)
    settings.setOutputSize(SIZE)
    geographic = QgsCoordinateReferenceSystem("EPSG:4326")
    transform = QgsCoordinateTransform(geographic, destination, QgsProject.instance())
    settings.setExtent(transform.transformBoundingBox(extent))
    settings.setBackgroundColor(QColor(255, 255, 255))
    if temporal is not None:
        settings.setIsTemporal(True)
        settings.setTemporalRange(temporal)
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage().convertToFormat(QImage.Format_RGB32)
    data = image.constBits().asstring(image.sizeInBytes())
    return np.frombuffer(data, dtype=np.uint32).reshape(image.height(), -1)[:, : image.width()]


def drawn_pixels(pixels: np.ndarray) -> int:
    return int(np.count_nonzero((pixels & 0xFFFFFF) != 0xFFFFFF))


def check_vector(
    protocol: str, name: str, key: str, uri: str, expected: Expected, network: Network
) -> Result:
    result = Result(protocol, name)
    layer = QgsVectorLayer(uri, name, key)
    result.check(layer.isValid(), "layer is not valid")
    if not layer.isValid():
        return result
    mark = network.mark()
    count = geometries = 0
    for feature in layer.getFeatures():
        count += 1
        geometries += not feature.geometry().isNull()
    requests = network.since(mark)
    extent = layer.extent()
    got = (extent.xMinimum(), extent.yMinimum(), extent.xMaximum(), extent.yMaximum())
    pixels = drawn_pixels(render(layer, PERU))
    result.numbers = {
        "features": count,
        "geometries": geometries,
        "featureCount": layer.featureCount(),
        "requests": len(requests),
        "extent": [round(v, 5) for v in got],
        "drawn_pixels": pixels,
    }
    result.check(count == expected.count, f"{count} features, source has {expected.count}")
    result.check(
        geometries == expected.geometries,
        f"{geometries} geometries, source has {expected.geometries}",
    )
    result.check(layer.featureCount() == count, f"featureCount() {layer.featureCount()}")
    result.check(
        all(abs(a - b) <= EXTENT_TOLERANCE for a, b in zip(got, expected.extent, strict=True)),
        f"extent {got} != source {expected.extent}",
    )
    result.check(pixels > 0, "render is blank")
    bad = [u for u in requests if network.statuses.get(u, 200) >= 400]
    result.check(not bad, f"error replies: {bad[:3]}")
    return result


def _time_of(url: str) -> str | None:
    query = QUrlQuery(QUrl(url))
    for key, value in query.queryItems():
        if key.upper() == "TIME":
            return str(value)
    return None


def check_wms(name: str, uri: str, network: Network) -> Result:
    result = Result("WMS", name)
    layer = QgsRasterLayer(uri, name, "wms")
    if not layer.isValid():
        result.check(False, f"layer is not valid: {layer.error().message()}")
        return result
    advertised = dict(p.split("=", 1) for p in uri.split("&") if "=" in p)
    periods = advertised.get("timeDimensionExtent", "").split(",")
    mark = network.mark()
    pixels = drawn_pixels(render(layer, PERU))
    bad = [u for u in network.since(mark) if network.statuses.get(u, 200) >= 400]
    result.check(pixels > 0, "render without time is blank")
    result.check(not bad, f"error replies without time: {bad[:2]}")
    ranges = layer.dataProvider().temporalCapabilities().allAvailableTemporalRanges()
    result.check(
        len(ranges) == len(periods),
        f"QGIS lists {len(ranges)} temporal ranges for {len(periods)} advertised periods",
    )
    steps = []
    images = set()
    for temporal in ranges:
        mark = network.mark()
        image = render(layer, PERU, temporal)
        images.add(hashlib.sha1(image.tobytes()).hexdigest())
        step_pixels = drawn_pixels(image)
        sent = network.since(mark)
        times = {_time_of(u) for u in sent if "GetMap" in u}
        statuses = {network.statuses.get(u, 0) for u in sent if "GetMap" in u}
        steps.append({"time": sorted(t or "" for t in times), "drawn_pixels": step_pixels})
        result.check(step_pixels > 0, f"blank at {times}")
        result.check(statuses == {200}, f"statuses {statuses} at {times}")
        result.check(
            len(times) == 1 and (next(iter(times)) or "")[:10] in periods,
            f"sent TIME {times}, not one of the advertised periods",
        )
    result.numbers = {
        "drawn_pixels": pixels,
        "periods": len(periods),
        "distinct_images": len(images),
        "steps": steps,
    }
    return result


def check_vector_tiles(layer_id: str, base: str, network: Network) -> Result:
    """The collection's vector tiles (Web Mercator), from the URL template of its TileJSON, as
    QGIS's "Vector Tile ▸ New Generic Connection" adds them."""
    result = Result("MVT", layer_id)
    url = f"{base}/ogc/collections/{layer_id}/tiles/WebMercatorQuad/tilejson.json"
    with urllib.request.urlopen(url, timeout=60) as response:
        tilejson = json.loads(response.read())
    uri = QgsDataSourceUri()
    uri.setParam("type", "xyz")
    uri.setParam("url", tilejson["tiles"][0])
    uri.setParam("zmin", str(tilejson["minzoom"]))
    uri.setParam("zmax", str(tilejson["maxzoom"]))
    layer = QgsVectorTileLayer(bytes(uri.encodedUri()).decode(), layer_id)
    if not layer.isValid():
        result.check(False, "layer is not valid")
        return result
    mark = network.mark()
    pixels = drawn_pixels(render(layer, PERU, crs="EPSG:3857"))
    statuses = [network.statuses.get(u, 0) for u in network.since(mark)]
    result.numbers = {
        "tiles": len(statuses),
        "with_features": statuses.count(200),
        "drawn_pixels": pixels,
    }
    result.check(pixels > 0, "render is blank")
    result.check(200 in statuses and set(statuses) <= {200, 204}, f"tile statuses {statuses}")
    return result


def run(base: str) -> list[Result]:
    settings = QgsSettings()
    settings.setValue("qgis/connections-wms/siep/url", f"{base}/wms")
    for name, url, version in (
        ("siep-wfs", f"{base}/wfs", "2.0.0"),
        ("siep-oapif", f"{base}/ogc", "OGC_API_FEATURES"),
    ):
        settings.setValue(f"qgis/connections-wfs/{name}/url", url)
        settings.setValue(f"qgis/connections-wfs/{name}/version", version)
    network = Network()
    expected = expected_layers()
    results = []
    vectors = browser_uris("WFS")
    wanted = set(expected) | {f"siep:{layer_id}" for layer_id in expected}
    missing = sorted(wanted - set(vectors))
    if missing:
        results.append(Result("browser", "WFS/OAPIF", False, [f"not listed: {missing}"]))
    for name, (key, uri) in sorted(vectors.items()):
        layer_id = name.removeprefix("siep:")
        if layer_id not in expected:
            results.append(Result(key, name, False, ["not a layer of layers/*.yaml"]))
            continue
        results.append(check_vector(key, name, key, uri, expected[layer_id], network))
    for name, (_key, uri) in sorted(browser_uris("WMS").items()):
        results.append(check_wms(name, uri, network))
    results.extend(check_vector_tiles(layer_id, base, network) for layer_id in sorted(expected))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--base-url", help="a running server, e.g. http://127.0.0.1:8801")
    source.add_argument("--python", help="the project's Python: start `siep serve` with it")
    parser.add_argument("--json", type=Path, help="write every result here")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    gc.disable()
    # A new profile and network cache (XDG_CACHE_HOME): no connection, cached capabilities or
    # settings of a previous run.
    profile = tempfile.mkdtemp(prefix="siep-qgis-profile-")
    os.environ["XDG_CACHE_HOME"] = str(Path(profile) / "cache")
    app = QgsApplication([], False, profile)
    app.initQgis()
    started = time.monotonic()
    if args.base_url:
        results = run(args.base_url.rstrip("/"))
    else:
        with served(args.python) as base:
            print(f"server: {base}")
            results = run(base)
    elapsed = time.monotonic() - started
    for r in results:
        status = "ok  " if r.ok else "FAIL"
        shown = {k: v for k, v in r.numbers.items() if k != "steps"}
        if "steps" in r.numbers:
            shown["steps_drawn"] = [s["drawn_pixels"] for s in r.numbers["steps"]]
        print(f"{status} {r.protocol:6} {r.layer:55} {json.dumps(shown)}")
        for problem in r.problems:
            print(f"       {problem}")
    by_protocol: dict[str, list[int]] = {}
    for r in results:
        by_protocol.setdefault(r.protocol, [0, 0])[0 if r.ok else 1] += 1
    summary = ", ".join(f"{p}: {ok} ok, {bad} failed" for p, (ok, bad) in by_protocol.items())
    print(f"QGIS checks: {summary} ({elapsed:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=1))
    sys.stdout.flush()
    # Skip the interpreter's teardown: QGIS 3.22 crashes deleting browser items after exitQgis.
    os._exit(0 if all(r.ok for r in results) else 1)


if __name__ == "__main__":
    main()
