// Context around Peru without tiles: neighbouring countries and the coastline from the vendored
// world-atlas TopoJSON (Natural Earth 1:50m, cut to South America by scripts/vendor_world_atlas.py),
// drawn under the choropleth once the map is shown; capital cities as labels (/viewer-cities.json:
// the INEI UBIGEO capitals shipped in geodata/), more of them as the map zooms in.

import { t } from "./i18n.js";
import { escapeHtml } from "./map.js";

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

// From which zoom each rank of city is labelled: the national capital always, departamento
// capitals once Peru fills more than a phone's width, provincia capitals when zoomed on a region.
const MIN_ZOOM = { 1: 0, 2: 5.5, 3: 7.5 };
const LABEL_HEIGHT = 16;

/** Capital cities as labels; a label that would overlap one of higher rank is left out. */
export async function addCities(map) {
  const response = await fetch("viewer-cities.json");
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const body = await response.json();
  map.createPane("cities");
  map.getPane("cities").classList.add("pane-cities");
  const group = L.layerGroup().addTo(map);
  const labels = body.cities.map((city) => ({
    city,
    width: city.name.length * 6.5 + 12,
    marker: L.marker([city.lat, city.lon], {
      pane: "cities",
      interactive: false,
      keyboard: false,
      icon: L.divIcon({
        className: `city city-rank-${city.rank}`,
        html: `<span>${escapeHtml(city.name)}</span>`,
        iconSize: null,
      }),
    }),
  }));
  const update = () => {
    const zoom = map.getZoom();
    const placed = [];
    for (const label of labels) {
      let spot = null;
      if (zoom >= MIN_ZOOM[label.city.rank]) {
        // The name to the right of its point, else to the left; left out if both would overlap.
        const p = map.latLngToContainerPoint([label.city.lat, label.city.lon]);
        const [top, bottom] = [p.y - LABEL_HEIGHT / 2, p.y + LABEL_HEIGHT / 2];
        spot = [
          { left: false, box: [p.x - 4, top, p.x + label.width, bottom] },
          { left: true, box: [p.x - label.width, top, p.x + 4, bottom] },
        ].find(({ box }) => !placed.some((o) => box[0] < o[2] && o[0] < box[2] && box[1] < o[3] && o[1] < box[3]));
      }
      if (spot) {
        placed.push(spot.box);
        group.addLayer(label.marker);
        label.marker.getElement().classList.toggle("city-left", spot.left);
      } else if (group.hasLayer(label.marker)) {
        group.removeLayer(label.marker);
      }
    }
    document.body.dataset.cities = String(placed.length);
  };
  map.on("zoomend", update);
  update();
  return body.source;
}
