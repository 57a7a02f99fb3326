// The Leaflet map: boundaries as the base (works offline), the choropleth layer, title and legend.

import { COUNT_UNITS, formatNumber, t, unitText } from "./i18n.js";

const L = window.L;
const PERU_BOUNDS = [
  [-18.4, -81.4],
  [-0.03, -68.6],
];
export const MISSING_FILL = "url(#siep-missing)";
export const NOT_APPLICABLE_FILL = "#f7f7f4";

export function createMap(container, config) {
  const map = L.map(container, {
    zoomControl: true,
    minZoom: 4,
    maxZoom: 12,
    zoomSnap: 0.25,
    preferCanvas: false,
    attributionControl: false,
    maxBounds: [
      [-40, -95],
      [5, -60],
    ],
  });
  // Bottom left lies over the Pacific: the credits never hide Tacna.
  map.attributionControl = L.control.attribution({ position: "bottomleft", prefix: false }).addTo(map);
  // Controls (zoom, title, legend) come before the regions and markers in the tab order.
  container.prepend(map._controlContainer);
  map.createPane("boundaries");
  map.getPane("boundaries").classList.add("pane-boundaries");
  const renderer = L.svg({ padding: 0.2 });
  renderer.addTo(map);
  const bases = {};
  if (config.osm_tiles && config.tile_url) {
    bases[t("baseNone")] = L.layerGroup();
    bases[t("baseOsm")] = L.tileLayer(config.tile_url, {
      attribution: config.tile_attribution,
      maxZoom: 18,
      crossOrigin: true,
    });
    bases[t("baseNone")].addTo(map);
    L.control.layers(bases, null, { position: "topright", collapsed: true }).addTo(map);
  }
  map.fitBounds(PERU_BOUNDS);
  return { map, renderer };
}

/** An SVG hatch pattern for places without data (distinct from every palette colour). */
function addMissingPattern(renderer) {
  // The renderer's <svg> exists only once the map has a view: called after the layer is added.
  const svg = renderer._container;
  if (!svg || svg.querySelector("#siep-missing")) return;
  const ns = "http://www.w3.org/2000/svg";
  const defs = document.createElementNS(ns, "defs");
  const pattern = document.createElementNS(ns, "pattern");
  pattern.setAttribute("id", "siep-missing");
  pattern.setAttribute("patternUnits", "userSpaceOnUse");
  pattern.setAttribute("width", "6");
  pattern.setAttribute("height", "6");
  pattern.setAttribute("patternTransform", "rotate(45)");
  const bg = document.createElementNS(ns, "rect");
  bg.setAttribute("width", "6");
  bg.setAttribute("height", "6");
  bg.setAttribute("fill", "#eeeeee");
  const line = document.createElementNS(ns, "line");
  line.setAttribute("x1", "0");
  line.setAttribute("y1", "0");
  line.setAttribute("x2", "0");
  line.setAttribute("y2", "6");
  line.setAttribute("stroke", "#b5b5b5");
  line.setAttribute("stroke-width", "2.5");
  pattern.append(bg, line);
  defs.append(pattern);
  svg.prepend(defs);
}

export function featureFill(feature) {
  const p = feature.properties;
  if (p.notApplicable) return NOT_APPLICABLE_FILL;
  if (p.status === "missing" || p.value === null || p.value === undefined) {
    if (p.status !== "suppressed") return MISSING_FILL;
  }
  return p.color || MISSING_FILL;
}

function baseStyle(feature) {
  return {
    fillColor: featureFill(feature),
    fillOpacity: 0.85,
    color: "#ffffff",
    weight: 0.8,
    opacity: 1,
  };
}

/** Whether the unit adds anything to the label ("Tasa … por 100 000" already says it). */
export function showUnit(ind) {
  if (!ind.unit || ind.unit === "sí/no") return false;
  const label = String(ind.label || "").toLowerCase();
  return !label.includes(ind.unit.toLowerCase()) && !label.includes(unitText(ind.unit).toLowerCase());
}

export function clearChoropleth(state) {
  state.choropleth?.remove();
  state.choropleth = null;
}

/** Replace the choropleth with `collection`; `onSelect(feature, layer)` on click or Enter. */
export function drawChoropleth(state, collection, onSelect) {
  if (samePlaces(state.choropleth, collection)) return restyleChoropleth(state.choropleth, collection);
  const { map, renderer } = state;
  if (state.choropleth) state.choropleth.remove();
  let selected = null;
  const layer = L.geoJSON(collection, {
    renderer,
    style: baseStyle,
    // A district without an official polygon comes as its capital point.
    pointToLayer: (feature, latlng) => L.circleMarker(latlng, { renderer, radius: 5 }),
    onEachFeature(feature, featureLayer) {
      const p = feature.properties;
      featureLayer.bindTooltip(tooltipHtml(p), { sticky: true, className: "place-tip" });
      featureLayer.on("click", () => onSelect(featureLayer.feature, featureLayer));
      featureLayer.on("mouseover", () => {
        if (featureLayer !== selected) featureLayer.setStyle({ weight: 2, color: "#1b2430" });
      });
      featureLayer.on("mouseout", () => {
        if (featureLayer !== selected) featureLayer.setStyle({ weight: 0.8, color: "#ffffff" });
      });
    },
  }).addTo(map);
  addMissingPattern(renderer);
  // Keyboard: each region is a focusable button (Enter/Space selects it).
  layer.eachLayer((featureLayer) => {
    const path = featureLayer.getElement?.();
    if (!path) return;
    const p = featureLayer.feature.properties;
    path.setAttribute("tabindex", "0");
    path.setAttribute("role", "button");
    path.setAttribute("aria-label", ariaLabel(p));
    path.dataset.code = p.code;
    path.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        onSelect(featureLayer.feature, featureLayer);
      }
    });
  });
  layer.level = collection.level;
  layer.highlight = (featureLayer) => {
    if (selected && selected !== featureLayer) layer.resetStyle(selected);
    selected = featureLayer;
    if (featureLayer) {
      featureLayer.setStyle({ weight: 3, color: "#c2410c" });
      featureLayer.bringToFront();
    }
  };
  layer.byCode = (code) => {
    let found = null;
    layer.eachLayer((featureLayer) => {
      if (featureLayer.feature.properties.code === code) found = featureLayer;
    });
    return found;
  };
  state.choropleth = layer;
  return layer;
}

function tooltipHtml(p) {
  return `<strong>${escapeHtml(p.name)}</strong><br>${escapeHtml(p.display ?? "")}`;
}

function ariaLabel(p) {
  return `${p.name}: ${p.display ?? ""}`;
}

/** Whether `layer` shows exactly the places of `collection` (same level, same codes). */
function samePlaces(layer, collection) {
  if (!layer || layer.level !== collection.level) return false;
  const codes = new Set(collection.features.map((f) => f.properties.code));
  let count = 0;
  let same = true;
  layer.eachLayer((featureLayer) => {
    count += 1;
    if (!codes.has(featureLayer.feature.properties.code)) same = false;
  });
  return same && count === codes.size;
}

/** Another indicator or period over the same places: new values and colours, the same shapes. */
function restyleChoropleth(layer, collection) {
  const byCode = new Map(collection.features.map((f) => [f.properties.code, f]));
  layer.highlight(null);
  layer.eachLayer((featureLayer) => {
    const feature = byCode.get(featureLayer.feature.properties.code);
    featureLayer.feature = feature;
    featureLayer.setStyle(baseStyle(feature));
    featureLayer.setTooltipContent(tooltipHtml(feature.properties));
    featureLayer.getElement?.()?.setAttribute("aria-label", ariaLabel(feature.properties));
  });
  return layer;
}

/** Put the full geometries (by code) in place of the simplified ones the layer was drawn with. */
export function reshapeChoropleth(layer, byCode) {
  layer.eachLayer((featureLayer) => {
    const geometry = byCode.get(featureLayer.feature.properties.code);
    if (!geometry || !featureLayer.setLatLngs) return;
    featureLayer.feature.geometry = geometry;
    featureLayer.setLatLngs(L.GeoJSON.coordsToLatLngs(geometry.coordinates, geometry.type === "Polygon" ? 1 : 2));
  });
}

/** The title control (indicator, period, level) at the top left. */
export function titleControl() {
  const control = L.control({ position: "topleft" });
  control.onAdd = () => {
    const div = L.DomUtil.create("div", "map-title");
    div.id = "map-title";
    L.DomEvent.disableClickPropagation(div);
    return div;
  };
  control.update = (collection) => {
    const div = control.getContainer();
    if (!div) return;
    const ind = collection.indicator || {};
    const unit = showUnit(ind) ? ` (${unitText(ind.unit)})` : "";
    div.replaceChildren();
    const strong = document.createElement("strong");
    strong.textContent = `${ind.label || ind.code || ""}${unit}`;
    const span = document.createElement("span");
    span.textContent = `${t(`level_${collection.level}`)} · ${collection.period}`;
    div.append(strong, span);
  };
  control.text = (title, subtitle) => {
    const div = control.getContainer();
    if (!div) return;
    const strong = document.createElement("strong");
    strong.textContent = title;
    const span = document.createElement("span");
    span.textContent = subtitle;
    div.replaceChildren(strong, span);
  };
  return control;
}

/** Class labels that mean what they say: integers for counts, "Sí"/"No" for yes/no indicators. */
export function classLabel(entry, unit, isFirst) {
  if (unit === "sí/no") {
    if (entry.lower >= 0.5) return t("yes");
    if (entry.upper < 0.5) return t("no");
  }
  if (COUNT_UNITS.has(unit) && Number.isFinite(entry.lower) && Number.isFinite(entry.upper)) {
    // Classes are (lower, upper] (the first one [lower, upper]): the whole numbers inside.
    const low = isFirst ? Math.ceil(entry.lower) : Math.floor(entry.lower) + 1;
    const high = Math.floor(entry.upper);
    if (high < low) return formatNumber(entry.upper);
    return low === high ? formatNumber(low) : `${formatNumber(low)} – ${formatNumber(high)}`;
  }
  if (Number.isFinite(entry.lower) && Number.isFinite(entry.upper)) {
    return `${formatNumber(entry.lower, unit)} – ${formatNumber(entry.upper, unit)}`;
  }
  return entry.label ?? "";
}

/** The legend control (collapsible), built from the API's legend (colours, counts). */
export function legendControl() {
  const control = L.control({ position: "bottomright" });
  let collapsed = window.matchMedia("(max-width: 760px)").matches;
  control.onAdd = () => {
    const div = L.DomUtil.create("div", "legend");
    div.id = "legend";
    div.setAttribute("role", "region");
    div.classList.toggle("collapsed", collapsed);
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    return div;
  };
  control.update = (collection, extra = {}) => {
    const div = control.getContainer();
    if (!div) return;
    const legend = collection.legend || {};
    const ind = collection.indicator || {};
    div.replaceChildren();
    div.setAttribute("aria-label", `${t("legendToggle")}: ${ind.label || ""}`);
    const toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = "legend-toggle";
    toggle.setAttribute("aria-expanded", String(!collapsed));
    toggle.setAttribute("aria-controls", "legend-body");
    const hasUnit = showUnit(ind);
    toggle.textContent = hasUnit ? `${ind.label} (${unitText(ind.unit)})` : ind.label || t("legendToggle");
    toggle.addEventListener("click", () => {
      collapsed = !collapsed;
      div.classList.toggle("collapsed", collapsed);
      toggle.setAttribute("aria-expanded", String(!collapsed));
    });
    const body = document.createElement("div");
    body.id = "legend-body";
    body.className = "legend-body";
    const list = document.createElement("ul");
    (legend.classes || []).forEach((entry, i) => {
      list.append(legendRow(entry.color, classLabel(entry, ind.unit, i === 0), entry.count, "legend-class"));
    });
    const suppressed = legend.suppressed;
    if (suppressed && suppressed.count > 0) {
      list.append(legendRow(suppressed.color, t("legendSuppressed"), suppressed.count, "legend-suppressed"));
    }
    const missing = (legend.missing?.count ?? 0) - (extra.notApplicable ?? 0);
    if (missing > 0) list.append(legendRow(null, t("legendMissing"), missing, "legend-missing"));
    if (extra.notApplicable) {
      list.append(legendRow(NOT_APPLICABLE_FILL, t("legendNotApplicable"), extra.notApplicable, "legend-na"));
    }
    body.append(list);
    if (extra.establishments) body.append(extra.establishments);
    const note = document.createElement("div");
    note.className = "note";
    note.textContent = extra.sizeNote ? `${t("legendNote")} ${extra.sizeNote}.` : t("legendNote");
    body.append(note);
    div.append(toggle, body);
  };
  control.clear = (message) => {
    const div = control.getContainer();
    if (!div) return;
    div.replaceChildren();
    if (message) {
      const p = document.createElement("p");
      p.className = "note";
      p.textContent = message;
      div.append(p);
    }
  };
  return control;
}

export function legendRow(color, label, count, className) {
  const li = document.createElement("li");
  li.className = className;
  const swatch = document.createElement("span");
  swatch.className = className === "legend-missing" ? "swatch swatch-missing" : "swatch";
  // CSSOM assignment (not a style attribute): allowed by CSP style-src 'self'.
  if (color) swatch.style.backgroundColor = color;
  swatch.dataset.color = color || "";
  const text = document.createElement("span");
  text.className = "label";
  text.textContent = label;
  li.append(swatch, text);
  if (count !== undefined && count !== null) {
    const c = document.createElement("span");
    c.className = "count";
    c.textContent = formatNumber(count);
    li.append(c);
  }
  return li;
}

export function escapeHtml(text) {
  return String(text ?? "").replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
