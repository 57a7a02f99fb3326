// Context around Peru without tiles: neighbouring countries and the coastline from the vendored
// world-atlas TopoJSON (Natural Earth 1:110m), drawn under the choropleth once the map is shown.

import { t } from "./i18n.js";

const L = window.L;
const PERU_ID = "604"; // ISO 3166-1 numeric
// South America and Panama only (far countries crossing the antimeridian would streak the map).
const NEARBY = new Set(["604", "218", "170", "076", "068", "152", "862", "032", "600", "858", "328", "740", "591"]);

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
    fetch("vendor/world-atlas/countries-110m.json").then((r) => r.json()),
    window.topojson ? Promise.resolve() : loadScript("vendor/topojson-client/topojson-client.min.js"),
  ]);
  const all = window.topojson.feature(topology, topology.objects.countries);
  const countries = { ...all, features: all.features.filter((f) => NEARBY.has(f.id)) };
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
