// Entry point: reads the view from the URL, wires controls, map, legend, panel, search, downloads.

import * as api from "./api.js";
import { drawEstablishments } from "./establishments.js";
import { lang, setLang, t, translatePage } from "./i18n.js";
import { createMap, drawChoropleth, legendControl, titleControl } from "./map.js";
import { closePanel, initPanel, showEstablishment, showPlace } from "./panel.js";
import { initSearch } from "./search.js";
import { comparePeriods, readHash, writeHash } from "./state.js";

performance.mark("siep:start");

const GROUP_LABELS = {
  es: { poblacion: "Población y capacidad", salud: "Salud", medio_libre: "Medio libre", politica: "Política Nacional Penitenciaria" },
  en: { poblacion: "Population and capacity", salud: "Health", medio_libre: "Community sentences", politica: "National Penitentiary Policy" },
};
// Indicators offered first, in this order (the list); others follow by group.
const PREFERRED = [
  "population",
  "overpopulation_pct",
  "overpopulation",
  "overcrowded",
  "capacity",
  "unsentenced_share",
  "tb_cases",
  "tb_rate",
  "hiv_cases",
  "hiv_rate",
  "medio_libre_population",
];

const app = {
  view: readHash(),
  config: null,
  indicators: [],
  periods: [],
  collection: null,
  estCollection: null,
  mapState: null,
  legend: null,
  title: null,
  request: null,
  selectedLayer: null,
  isFirstDraw: true,
};
window.siep = { ready: false, app };

const $ = (id) => document.getElementById(id);

function setStatus(text, isError = false) {
  const status = $("status");
  status.textContent = text;
  status.classList.toggle("error", isError);
}

function toast(text) {
  const div = document.createElement("div");
  div.className = "toast";
  div.setAttribute("role", "status");
  div.textContent = text;
  document.body.append(div);
  setTimeout(() => div.remove(), 2600);
}

function currentIndicator() {
  return app.indicators.find((i) => i.code === app.view.indicator);
}

function fillIndicatorSelect() {
  const select = $("indicator");
  select.replaceChildren();
  const ordered = [...app.indicators].sort((a, b) => {
    const ia = PREFERRED.indexOf(a.code);
    const ib = PREFERRED.indexOf(b.code);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
  });
  const groups = new Map();
  for (const ind of ordered) {
    if (ind.periods && !ind.periods.length) continue;
    const key = ind.group || "otros";
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(ind);
  }
  for (const [group, items] of groups) {
    const optgroup = document.createElement("optgroup");
    optgroup.label = GROUP_LABELS[lang()][group] || group;
    for (const ind of items) {
      const option = document.createElement("option");
      option.value = ind.code;
      option.textContent = ind.label;
      optgroup.append(option);
    }
    select.append(optgroup);
  }
  if (!app.indicators.some((i) => i.code === app.view.indicator) && app.indicators.length) {
    app.view.indicator = select.querySelector("option")?.value || app.indicators[0].code;
  }
  select.value = app.view.indicator;
}

function updatePeriods() {
  const ind = currentIndicator();
  // Prefer the periods with data at the mapped level; else every period of the indicator.
  const atLevel = ind?.periodsByLevel?.[app.view.level];
  app.periods = atLevel?.length ? [...atLevel] : ind?.periods ? [...ind.periods] : [];
  app.periods.sort((a, b) => comparePeriods(a, b));
  const slider = $("period");
  if (!app.periods.length) {
    slider.disabled = true;
    slider.min = slider.max = slider.value = "0";
    $("period-min").textContent = "";
    $("period-max").textContent = "";
    return;
  }
  // No period chosen (or not valid): the API answers with the latest period with data at the level.
  if (!app.periods.includes(app.view.period)) app.view.period = "";
  slider.disabled = app.periods.length < 2;
  slider.min = "0";
  slider.max = String(app.periods.length - 1);
  const index = app.view.period ? app.periods.indexOf(app.view.period) : app.periods.length - 1;
  slider.value = String(index);
  slider.setAttribute("aria-valuetext", app.view.period || "—");
  $("period-label").textContent = app.view.period || "—";
  $("period-min").textContent = app.periods[0];
  $("period-max").textContent = app.periods[app.periods.length - 1];
}

function syncControls() {
  $("indicator").value = app.view.indicator;
  for (const radio of document.querySelectorAll('input[name="level"]')) {
    radio.checked = radio.value === app.view.level;
  }
  $("method").value = app.view.method;
  $("classes").value = String(app.view.classes);
  $("show-establishments").checked = app.view.establishments;
  const toggle = $("lang-toggle");
  toggle.textContent = t("langButton");
  toggle.setAttribute("aria-label", t("langButtonLabel"));
  toggle.setAttribute("lang", lang() === "es" ? "en" : "es");
  updatePeriods();
}

function updateDownloads() {
  for (const link of document.querySelectorAll("#downloads a[data-format]")) {
    link.href = api.downloadUrl(app.view, link.dataset.format);
    const ext = link.dataset.format;
    link.setAttribute("download", `siep_${app.view.indicator}_${app.view.level}_${app.view.period || "ultimo"}.${ext}`);
  }
}

async function loadChoropleth() {
  app.request?.abort();
  const controller = new AbortController();
  app.request = controller;
  setStatus(t("loading"));
  writeHash(app.view);
  updateDownloads();
  let collection;
  try {
    collection = await api.choropleth(app.view, controller.signal);
  } catch (error) {
    if (error.name === "AbortError") return;
    setStatus(`${t("loadError")}: ${error.message}`, true);
    return;
  }
  if (controller !== app.request) return;
  app.collection = collection;
  if (!app.view.period && collection.period) {
    app.view.period = collection.period;
    updatePeriods();
    writeHash(app.view);
    updateDownloads();
  }
  app.selectedLayer = null;
  const layer = drawChoropleth(app.mapState, collection, selectPlace);
  app.title.update(collection);
  app.legend.update(collection, app.view.establishments);
  const hasData = collection.features.some((f) => f.properties.status !== "missing");
  setStatus(hasData ? "" : t("noDataLevel"));
  if (app.isFirstDraw) {
    app.isFirstDraw = false;
    performance.mark("siep:map-ready");
    performance.measure("siep:first-map", "siep:start", "siep:map-ready");
    window.siep.ready = true;
    document.body.dataset.ready = "1";
    restoreSelection();
  } else if (app.view.place) {
    const selected = layer.byCode(app.view.place);
    if (selected) selectPlace(selected.feature, selected, { keepView: true });
  }
  if (app.view.establishments) app.mapState.establishments?.eachLayer((m) => m.setZIndexOffset?.(1000));
  document.body.dataset.state = `${app.view.indicator}|${app.view.level}|${collection.period}`;
}

function restoreSelection() {
  if (app.view.place) {
    const selected = app.mapState.choropleth?.byCode(app.view.place);
    if (selected) selectPlace(selected.feature, selected, { keepView: true });
  } else if (app.view.establishment) {
    waitForEstablishments().then(() => {
      const feature = app.estCollection?.features.find((f) => f.properties.code === app.view.establishment);
      if (feature) selectEstablishment(feature.properties, { fly: false });
    });
  }
}

function selectPlace(feature, layer, { keepView = false } = {}) {
  app.view.place = feature.properties.code;
  app.view.establishment = "";
  app.mapState.establishments?.select(null);
  app.mapState.choropleth?.highlight(layer);
  app.selectedLayer = layer;
  showPlace(feature, app.collection, app.estCollection);
  if (!keepView) writeHash(app.view);
}

function selectEstablishment(props, { fly = true, keepPopup = false } = {}) {
  app.view.establishment = props.code;
  app.view.place = "";
  app.mapState.choropleth?.highlight(null);
  const marker = app.mapState.establishments?.select(props.code);
  if (fly && marker) {
    app.mapState.map.setView(marker.getLatLng(), Math.max(app.mapState.map.getZoom(), 7));
    if (!keepPopup) marker.openPopup();
  }
  showEstablishment(props, app.view);
  writeHash(app.view);
}

let establishmentsPromise = null;
function waitForEstablishments() {
  return establishmentsPromise || Promise.resolve();
}

async function loadEstablishments() {
  try {
    app.estCollection = await api.establishments({ lang: lang() });
  } catch {
    app.estCollection = { type: "FeatureCollection", features: [] };
    return;
  }
  app.mapState.showEstablishments = app.view.establishments;
  drawEstablishments(app.mapState, app.estCollection, (props, options = {}) =>
    selectEstablishment(props, { fly: false, ...options }),
  );
  document.body.dataset.establishments = String(app.estCollection.features.length);
}

function searchCandidates() {
  const out = [];
  for (const f of app.estCollection?.features || []) {
    const p = f.properties;
    out.push({ code: p.code, name: p.name, hint: p.kind === "eml" ? "E.M.L." : "E.P.", type: "establishment", props: p });
  }
  for (const f of app.collection?.features || []) {
    const p = f.properties;
    out.push({ code: p.code, name: p.name, hint: t(`level_${app.collection.level}`), type: "place" });
  }
  return out;
}

function onSearchPick(item) {
  if (item.type === "establishment") {
    if (!app.view.establishments) {
      app.view.establishments = true;
      $("show-establishments").checked = true;
      app.mapState.establishments?.addTo(app.mapState.map);
    }
    selectEstablishment(item.props, { fly: true });
  } else {
    const layer = app.mapState.choropleth?.byCode(item.code);
    if (layer) {
      app.mapState.map.fitBounds(layer.getBounds(), { maxZoom: 8 });
      selectPlace(layer.feature, layer);
    }
  }
}

function wireControls() {
  $("indicator").addEventListener("change", (event) => {
    app.view.indicator = event.target.value;
    app.view.period = "";
    updatePeriods();
    loadChoropleth();
  });
  for (const radio of document.querySelectorAll('input[name="level"]')) {
    radio.addEventListener("change", () => {
      app.view.level = radio.value;
      app.view.place = "";
      app.view.period = "";
      closePanel();
      updatePeriods();
      loadChoropleth();
    });
  }
  const slider = $("period");
  slider.addEventListener("input", () => {
    const period = app.periods[Number(slider.value)];
    $("period-label").textContent = period;
    slider.setAttribute("aria-valuetext", period);
  });
  slider.addEventListener("change", () => {
    app.view.period = app.periods[Number(slider.value)] || app.view.period;
    loadChoropleth();
  });
  $("method").addEventListener("change", (event) => {
    app.view.method = event.target.value;
    loadChoropleth();
  });
  $("classes").addEventListener("change", (event) => {
    app.view.classes = Number(event.target.value);
    loadChoropleth();
  });
  $("show-establishments").addEventListener("change", (event) => {
    app.view.establishments = event.target.checked;
    app.mapState.showEstablishments = event.target.checked;
    const layer = app.mapState.establishments;
    if (layer) {
      if (event.target.checked) layer.addTo(app.mapState.map);
      else layer.remove();
    }
    if (app.collection) app.legend.update(app.collection, app.view.establishments);
    writeHash(app.view);
  });
  $("lang-toggle").addEventListener("click", async () => {
    app.view.lang = lang() === "es" ? "en" : "es";
    setLang(app.view.lang);
    translatePage();
    await loadIndicators();
    syncControls();
    loadChoropleth();
  });
  $("share").addEventListener("click", async () => {
    writeHash(app.view);
    try {
      await navigator.clipboard.writeText(window.location.href);
      toast(t("shareCopied"));
    } catch {
      toast(t("shareReady"));
    }
  });
  const menu = $("menu-toggle");
  menu.addEventListener("click", () => {
    const controls = $("controls");
    const isOpen = controls.classList.toggle("open");
    menu.setAttribute("aria-expanded", String(isOpen));
    if (isOpen) controls.focus();
  });
  window.addEventListener("hashchange", () => {
    const next = readHash();
    const keys = ["indicator", "level", "period", "method", "classes", "lang"];
    if (keys.every((k) => next[k] === app.view[k])) return;
    const langChanged = next.lang !== app.view.lang;
    app.view = next;
    setLang(next.lang);
    if (langChanged) translatePage();
    (langChanged ? loadIndicators() : Promise.resolve()).then(() => {
      syncControls();
      loadChoropleth();
    });
  });
}

async function loadIndicators() {
  app.indicators = await api.indicators(lang());
  fillIndicatorSelect();
}

async function main() {
  setLang(app.view.lang);
  translatePage();
  try {
    const [config] = await Promise.all([api.viewerConfig(), loadIndicators()]);
    app.config = config;
    api.setApiBase(config.api_base);
  } catch (error) {
    setStatus(`${t("loadError")}: ${error.message}`, true);
    return;
  }
  app.mapState = createMap($("map"), app.config);
  app.mapState.showEstablishments = app.view.establishments;
  if (app.view.center) {
    const [lat, lon, zoom] = app.view.center;
    app.mapState.map.setView([lat, lon], zoom);
  }
  app.title = titleControl().addTo(app.mapState.map);
  app.legend = legendControl().addTo(app.mapState.map);
  app.mapState.map.on("moveend", () => {
    const center = app.mapState.map.getCenter();
    app.view.center = [center.lat, center.lng, app.mapState.map.getZoom()];
    writeHash(app.view);
  });
  initPanel(() => {
    app.view.place = "";
    app.view.establishment = "";
    app.mapState.choropleth?.highlight(null);
    app.mapState.establishments?.select(null);
    writeHash(app.view);
  });
  initSearch(searchCandidates, onSearchPick);
  // The panel takes width from the map (desktop): let Leaflet measure its container again.
  window.addEventListener("siep:panel", () => app.mapState.map.invalidateSize());
  syncControls();
  wireControls();
  establishmentsPromise = loadEstablishments();
  await loadChoropleth();
}

main();
