// Establishment markers: E.P. circles and E.M.L. diamonds, sized by population, with popups.

import { escapeHtml } from "./map.js";
import { formatNumber, t } from "./i18n.js";

const L = window.L;
const SIZES = [0, 8, 10, 13, 16, 20, 25];

/** Latest population of an establishment: /api/v1/establishments gives `population` (and
 * `latest.population` with its period and source); a detail body may carry `figures`. */
export function populationOf(props) {
  const candidates = [props.population, props.latest?.population?.value, props.figures?.population?.value];
  for (const c of candidates) if (typeof c === "number" && Number.isFinite(c)) return c;
  return null;
}

function sizeClass(population) {
  if (population === null) return 1;
  if (population < 500) return 2;
  if (population < 1500) return 3;
  if (population < 3000) return 4;
  if (population < 6000) return 5;
  return 6;
}

function kindOf(props) {
  const kind = String(props.kind || "").toLowerCase();
  if (kind) return kind === "eml" ? "eml" : "ep";
  return String(props.code || "").startsWith("EML-") ? "eml" : "ep";
}

// Establishments located at one point (same district capital) are drawn side by side around it,
// a constant number of pixels away at every zoom, so that each stays visible and clickable.
const SPREAD = new Map(); // code -> [dx, dy] in pixels

function spreadSharedPoints(features) {
  SPREAD.clear();
  const groups = new Map();
  for (const feature of features) {
    const key = feature.geometry.coordinates.join(",");
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(feature.properties.code);
  }
  for (const codes of groups.values()) {
    if (codes.length < 2) continue;
    const radius = 7 + 2 * codes.length;
    codes.forEach((code, k) => {
      const angle = (2 * Math.PI * k) / codes.length - Math.PI / 2;
      SPREAD.set(code, [Math.round(radius * Math.cos(angle)), Math.round(radius * Math.sin(angle))]);
    });
  }
}

function icon(props, selected, paint) {
  const kind = kindOf(props);
  const population = populationOf(props);
  const painted = paint?.get(props.code);
  // Coloured by an indicator: size by its class (1 = no data), colour from the API.
  const size = paint ? (painted && painted.class !== null && painted.class !== undefined ? Math.min(6, painted.class + 2) : 1) : sizeClass(population);
  const px = kind === "eml" ? Math.min(SIZES[size], 9) : SIZES[size];
  const classes = ["est-marker", `est-${kind}`, `s${size}`];
  if (paint ? !painted || painted.class === null || painted.class === undefined : population === null && kind === "ep") {
    classes.push("nodata");
  }
  if (selected) classes.push("est-selected");
  const [dx, dy] = SPREAD.get(props.code) || [0, 0];
  const half = (px + 4) / 2;
  return L.divIcon({
    className: "est-icon",
    html: `<span class="${classes.join(" ")}"></span>`,
    iconSize: [px + 4, px + 4],
    iconAnchor: [half - dx, half - dy],
    popupAnchor: [dx, dy],
  });
}

export function popupHtml(props) {
  const kind = kindOf(props);
  const rows = [
    [t("kind"), t(`kindLong_${kind}`)],
    [t("oficina"), props.oficina_regional_name || props.oficina_regional || ""],
    [t("location"), locationText(props)],
    [t("precision"), t(`precision_${props.location_precision}`)],
  ];
  const population = populationOf(props);
  if (population !== null) {
    const period = props.latest?.population?.period || props.population_period || "";
    rows.push([t("population"), `${formatNumber(population)}${period ? ` (${period})` : ""}`]);
  }
  const dl = rows
    .filter(([, v]) => v)
    .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`)
    .join("");
  return `<div class="popup"><h3>${escapeHtml(props.name)}</h3><dl>${dl}</dl>` +
    `<button type="button" class="button more" data-establishment="${escapeHtml(props.code)}">${escapeHtml(t("details"))}</button></div>`;
}

export function locationText(props) {
  const parts = [props.distrito_name, props.provincia_name, props.departamento_name].filter(Boolean);
  if (parts.length) return parts.join(", ");
  return props.ubigeo ? `UBIGEO ${props.ubigeo}` : "";
}

/** Set a painted marker's colour through the CSSOM (the CSP forbids style attributes). */
function colour(marker, paint) {
  const span = marker.getElement()?.querySelector(".est-marker");
  if (!span) return;
  const painted = paint?.get(marker.feature.properties.code);
  span.style.backgroundColor = painted && painted.class !== null && painted.class !== undefined ? painted.color : "";
  span.dataset.color = span.style.backgroundColor ? painted.color : "";
}

/** Colour and size the markers by an indicator (`paint`: code → {class, color}), or by kind (null). */
export function paintEstablishments(state, paint) {
  state.paint = paint;
  const layer = state.establishments;
  if (!layer) return;
  const selected = layer.selectedCode();
  for (const [code, marker] of layer.markers) {
    marker.setIcon(icon(marker.feature.properties, code === selected, paint));
    colour(marker, paint);
  }
}

/** Build the marker layer; `onSelect(props)` when a marker is activated (click or Enter). */
export function drawEstablishments(state, collection, onSelect) {
  if (state.establishments) state.establishments.remove();
  const markers = new Map();
  const layer = L.layerGroup();
  const features = [...(collection.features || [])].sort(
    (a, b) => (populationOf(b.properties) ?? 0) - (populationOf(a.properties) ?? 0),
  );
  spreadSharedPoints(features.filter((f) => f.geometry?.type === "Point"));
  for (const feature of features) {
    if (!feature.geometry || feature.geometry.type !== "Point") continue;
    const [lon, lat] = feature.geometry.coordinates;
    const props = feature.properties;
    const marker = L.marker([lat, lon], {
      icon: icon(props, false, state.paint),
      title: props.name,
      alt: props.name,
      keyboard: true,
      riseOnHover: true,
    });
    marker.feature = feature;
    marker.on("add", () => colour(marker, state.paint));
    marker.bindPopup(() => popupHtml(props), { maxWidth: 280 });
    marker.on("popupopen", (event) => {
      const button = event.popup.getElement()?.querySelector("button[data-establishment]");
      button?.addEventListener("click", () => onSelect(props));
    });
    marker.on("click", () => onSelect(props, { keepPopup: true }));
    markers.set(props.code, marker);
    layer.addLayer(marker);
  }
  let selectedCode = null;
  layer.select = (code) => {
    if (selectedCode && markers.has(selectedCode)) {
      const prev = markers.get(selectedCode);
      prev.setIcon(icon(prev.feature.properties, false, state.paint));
      colour(prev, state.paint);
    }
    selectedCode = code;
    const marker = markers.get(code);
    if (marker) {
      marker.setIcon(icon(marker.feature.properties, true, state.paint));
      colour(marker, state.paint);
    }
    return marker;
  };
  layer.selectedCode = () => selectedCode;
  layer.markers = markers;
  state.establishments = layer;
  if (state.showEstablishments) layer.addTo(state.map);
  return layer;
}
