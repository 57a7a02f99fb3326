// Context around Peru without tiles: neighbouring countries and the coastline from the vendored
// world-atlas TopoJSON (Natural Earth 1:50m, cut to South America by scripts/vendor_world_atlas.py),
// drawn under the choropleth once the map is shown.

import { t } from "./i18n.js";

const L = window.L;
const PERU_ID = "604"; // ISO 3166-1 numeric

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.onload = resolve;
    script.onerror = reject;
    document.head.append(script);
  });
}

export async function addContext(map) {
  const [topology] = await Promise.all([
    fetch("vendor/world-atlas/south-america-50m.json").then((r) => r.json()),
    window.topojson ? Promise.resolve() : loadScript("vendor/topojson-client/topojson-client.min.js"),
  ]);
  const countries = window.topojson.feature(topology, topology.objects.countries);
  map.createPane("context");
  map.getPane("context").classList.add("pane-context");
  L.geoJSON(countries, {
    pane: "context",
    interactive: false,
    style: (feature) => ({
      fillColor: feature.id === PERU_ID ? "#ffffff" : "#ece8df",
      fillOpacity: 1,
      color: "#9aa7b4",
      weight: feature.id === PERU_ID ? 0 : 0.8,
    }),
  }).addTo(map);
  map.attributionControl.addAttribution(t("contextAttribution"));
  document.body.dataset.context = "1";
}
