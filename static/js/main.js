// Entry point: reads the view from the URL, wires controls, map / chart / table, legend, panel,
// search, headline, sharing and downloads. Only what has data can be chosen.

import * as api from "./api.js";
import { SERIES_COLOURS, drawSeries } from "./chart.js";
import { citation, sourcesList, uniqueSources } from "./cite.js";
import { addCities, addContext } from "./context.js";
import { drawEstablishments, paintEstablishments } from "./establishments.js";
import { renderHeadline } from "./headline.js";
import { formatNumber, lang, setLang, t, translatePage, unitText } from "./i18n.js";
import {
  clearChoropleth,
  createMap,
  drawChoropleth,
  legendControl,
  legendRow,
  reshapeChoropleth,
  titleControl,
} from "./map.js";
import { closePanel, initPanel, showEstablishment, showPlace } from "./panel.js";
import {
  MAP_LEVELS,
  defaultPeriod,
  granularities,
  granularityOf,
  hasEstablishments,
  hasNational,
  mapLevels,
  periodsAt,
  unavailableReason,
} from "./periods.js";
import { initSearch } from "./search.js";
import { initShareDialog, share, showEmbed, toast } from "./share.js";
import { permalink, readHash, writeHash } from "./state.js";
import { renderTable } from "./table.js";

performance.mark("siep:start");

// Indicators offered first, in this order; others follow by group.
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
const PHONE = window.matchMedia("(max-width: 760px)");

const app = {
  view: readHash(),
  config: null,
  indicators: [],
  periods: [],
  gran: "",
  collection: null,
  national: null,
  estCollection: null,
  estPaint: null,
  mapState: null,
  legend: null,
  title: null,
  request: null,
  ticket: 0,
  useApiPeriod: false,
  isFirstDraw: true,
  attributions: [],
  citiesSource: null,
  pendingIndicator: null,
  playTimer: null,
};
app.useApiPeriod = !app.view.period;
window.siep = { ready: false, app };

const $ = (id) => document.getElementById(id);

function setStatus(text, kind = "") {
  const status = $("status");
  status.textContent = text;
  status.classList.toggle("error", kind === "error");
  status.classList.toggle("loading", kind === "loading");
}

function errorText(error) {
  const detail = error?.status ? t("errorStatus", { status: error.status }) : t("errorNetwork");
  return `${t("loadError")} (${detail})`;
}

function currentIndicator() {
  return app.indicators.find((i) => i.code === app.view.indicator);
}

function isNational() {
  return app.view.level === "national";
}

// ---------------------------------------------------------------- indicator menu and levels

function indicatorOptionText(ind) {
  const levels = mapLevels(ind);
  if (!levels.length) return `${ind.label} · ${unavailableReason(ind, "departamento")}`;
  return ind.label;
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
    const key = ind.group || "otros";
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(ind);
  }
  for (const [group, items] of groups) {
    const optgroup = document.createElement("optgroup");
    optgroup.label = t(`group_${group}`);
    for (const ind of items) {
      const option = document.createElement("option");
      option.value = ind.code;
      option.textContent = indicatorOptionText(ind);
      option.disabled = !mapLevels(ind).length && !hasNational(ind);
      optgroup.append(option);
    }
    select.append(optgroup);
  }
  const usable = (ind) => ind && (mapLevels(ind).length || hasNational(ind));
  if (!usable(currentIndicator())) {
    app.view.indicator = select.querySelector("option:not([disabled])")?.value || app.indicators[0]?.code;
  }
  select.value = app.view.indicator;
}

function fillEstBySelect() {
  const select = $("est-by");
  select.replaceChildren();
  const none = document.createElement("option");
  none.value = "";
  none.textContent = t("estByKind");
  select.append(none);
  for (const ind of app.indicators.filter(hasEstablishments)) {
    const option = document.createElement("option");
    option.value = ind.code;
    option.textContent = `${ind.label} (${defaultPeriod(ind, "establishment")})`;
    select.append(option);
  }
  if (![...select.options].some((o) => o.value === app.view.estBy)) app.view.estBy = "";
  select.value = app.view.estBy;
}

/** Choose a level the indicator has data at; disable the others and say why. */
function resolveLevel() {
  const ind = currentIndicator();
  const levels = mapLevels(ind);
  let note = "";
  if (!levels.length) {
    app.view.level = "national";
  } else if (!levels.includes(app.view.level)) {
    if (MAP_LEVELS.includes(app.view.level)) {
      note = t("levelSwitched", { from: t(`level_${app.view.level}`).toLowerCase(), to: t(`level_${levels[0]}`).toLowerCase() });
    }
    app.view.level = levels[0];
    app.view.place = "";
  }
  const missing = [];
  for (const radio of document.querySelectorAll('input[name="level"]')) {
    radio.disabled = !levels.includes(radio.value);
    radio.checked = radio.value === app.view.level;
    radio.closest("label").classList.toggle("disabled", radio.disabled);
    radio.closest("label").title = radio.disabled ? unavailableReason(ind, radio.value) : "";
    if (radio.disabled) missing.push(t(`level_${radio.value}`).toLowerCase());
  }
  let hint = "";
  if (!levels.length) hint = t("nationalOnly");
  else if (missing.length) hint = t("levelNoData", { levels: missing.join(", ") });
  $("level-hint").textContent = [note, hint].filter(Boolean).join(" ");
}

// ---------------------------------------------------------------- periods, one granularity

function updatePeriods() {
  const ind = currentIndicator();
  const all = periodsAt(ind, app.view.level);
  const grans = granularities(all);
  if (app.view.period && !all.includes(app.view.period)) app.view.period = "";
  const wanted = app.view.period || defaultPeriod(ind, app.view.level);
  app.gran = granularityOf(wanted);
  if (!grans.includes(app.gran)) app.gran = grans.at(-1) || "year";
  app.periods = all.filter((p) => granularityOf(p) === app.gran);
  app.chosenPeriod = app.periods.includes(wanted) ? wanted : app.periods.at(-1) || "";
  if (!app.useApiPeriod || isNational()) app.view.period = app.chosenPeriod;
  const holder = $("granularity");
  holder.replaceChildren();
  holder.hidden = grans.length < 2;
  for (const gran of grans) {
    const label = document.createElement("label");
    const input = document.createElement("input");
    input.type = "radio";
    input.name = "granularity";
    input.value = gran;
    input.checked = gran === app.gran;
    input.addEventListener("change", () => {
      stopPlay();
      const periods = all.filter((p) => granularityOf(p) === gran);
      app.view.period = periods.at(-1) || "";
      app.useApiPeriod = false;
      render();
    });
    const span = document.createElement("span");
    span.textContent = t(`gran_${gran}`);
    label.append(input, span);
    holder.append(label);
  }
  syncSlider();
}

function syncSlider() {
  const slider = $("period");
  const shown = app.view.period || app.chosenPeriod || "—";
  const index = app.periods.indexOf(shown);
  slider.disabled = app.periods.length < 2;
  $("play").disabled = app.periods.length < 2;
  slider.min = "0";
  slider.max = String(Math.max(0, app.periods.length - 1));
  slider.value = String(index < 0 ? app.periods.length - 1 : index);
  slider.setAttribute("aria-valuetext", shown);
  $("period-label").textContent = shown;
  $("period-min").textContent = app.periods[0] || "";
  $("period-max").textContent = app.periods.at(-1) || "";
}

function stopPlay() {
  if (!app.playTimer) return;
  clearTimeout(app.playTimer);
  app.playTimer = null;
  $("play").setAttribute("aria-pressed", "false");
  $("play-icon").textContent = "▶";
  $("play-label").textContent = t("play");
}

function playStep() {
  const index = app.periods.indexOf(app.view.period);
  if (index < 0 || index >= app.periods.length - 1) {
    stopPlay();
    return;
  }
  app.view.period = app.periods[index + 1];
  syncSlider();
  render().then(() => {
    if (app.playTimer) app.playTimer = setTimeout(playStep, 1200);
  });
}

// ---------------------------------------------------------------- controls state

function updateLangButton() {
  $("lang-code").textContent = t("langButton");
  $("lang-name").textContent = ` ${t("langButtonName")}`;
  $("lang-toggle").setAttribute("lang", lang() === "es" ? "en" : "es");
}

function syncControls() {
  $("indicator").value = app.view.indicator;
  $("method").value = app.view.method;
  $("classes").value = String(app.view.classes);
  $("show-establishments").checked = app.view.establishments;
  $("est-by").value = app.view.estBy;
  updateLangButton();
}

function downloadBase() {
  if (isNational()) {
    return (format) =>
      `${app.config?.api_base || "api/v1"}/series?${new URLSearchParams({ indicator: app.view.indicator, place: "PE", granularity: app.gran, lang: lang(), f: format })}`;
  }
  return (format) => api.downloadUrl(app.view, format);
}

function updateDownloads() {
  const url = downloadBase();
  for (const link of document.querySelectorAll("#downloads a[data-format]")) {
    const format = link.dataset.format;
    link.hidden = isNational() && format === "geojson";
    link.href = url(format);
    link.setAttribute("download", `siep_${app.view.indicator}_${app.view.level}_${app.view.period || "ultimo"}.${format}`);
  }
}

function updateCitation(sources, dataVersion) {
  $("cite-text").textContent = citation(sources, dataVersion, permalink(app.view));
}

function setAttributions() {
  const control = app.mapState.map.attributionControl;
  for (const text of app.attributions) control.removeAttribution(text);
  app.attributions = [t("attrData"), t("attrBoundaries")];
  if (document.body.dataset.context) app.attributions.push(t("contextAttribution"));
  if (app.citiesSource) app.attributions.push(app.citiesSource[lang()]);
  for (const text of app.attributions) control.addAttribution(text);
}

// ---------------------------------------------------------------- the view

/** Apply app.view: level, periods, then the map (or the national view) and the open tab. */
async function render() {
  const ticket = ++app.ticket;
  resolveLevel();
  updatePeriods();
  writeHash(app.view);
  updateDownloads();
  if (isNational()) await showNational(ticket);
  else await loadChoropleth(ticket);
  if (ticket !== app.ticket) return;
  updateDownloads();
  writeHash(app.view);
  renderTab();
}

function markReady() {
  if (!app.isFirstDraw) return;
  app.isFirstDraw = false;
  performance.mark("siep:map-ready");
  performance.measure("siep:first-map", "siep:start", "siep:map-ready");
  // Establishments, context layer and headline once the first map is painted: they never delay it.
  afterPaint()
    .then(() => establishmentsPromise)
    .then(() => {
      drawMarkers();
      window.siep.ready = true;
      document.body.dataset.ready = "1";
      addContext(app.mapState.map)
        .then(setAttributions)
        .catch(() => {});
      addCities(app.mapState.map)
        .then((source) => {
          app.citiesSource = source;
          setAttributions();
        })
        .catch(() => {});
      renderHeadline(app.indicators);
      restoreSelection();
    });
}

function afterPaint() {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

function notApplicableCodes(collection) {
  // A place with no establishment of the indicator's kind has nothing to count: "no aplica".
  const ind = currentIndicator();
  if (!hasEstablishments(ind) || !["departamento", "provincia"].includes(collection.level)) return new Set();
  const kind = ind.group === "medio_libre" ? "eml" : "ep";
  const present = new Set();
  for (const f of app.estCollection?.features || []) {
    if ((f.properties.kind || "ep") === kind) present.add(f.properties[collection.level]);
  }
  if (!present.size) return new Set();
  return new Set(
    collection.features.filter((f) => f.properties.status === "missing" && !present.has(f.properties.code)).map((f) => f.properties.code),
  );
}

async function loadChoropleth(ticket) {
  app.request?.abort();
  const controller = new AbortController();
  app.request = controller;
  $("national").hidden = true;
  $("map").classList.remove("is-hidden");
  setStatus(t("loading"), "loading");
  const requestView = app.useApiPeriod ? { ...app.view, period: "" } : app.view;
  let collection;
  try {
    [collection] = await Promise.all([api.choropleth(requestView, controller.signal), establishmentsPromise]);
  } catch (error) {
    if (error.name === "AbortError" || ticket !== app.ticket) return;
    // Never leave a stale map: clear it, say what failed in the page's language.
    app.collection = null;
    clearChoropleth(app.mapState);
    const ind = currentIndicator();
    app.title.text(ind?.label || app.view.indicator, t("loadError"));
    app.legend.clear(errorText(error));
    setStatus(errorText(error), "error");
    document.body.dataset.state = `${app.view.indicator}|${app.view.level}|error`;
    markReady();
    return;
  }
  if (ticket !== app.ticket) return;
  app.useApiPeriod = false;
  if (!app.view.period && collection.period) {
    app.view.period = collection.period;
    updatePeriods();
  }
  const notApplicable = notApplicableCodes(collection);
  for (const f of collection.features) f.properties.notApplicable = notApplicable.has(f.properties.code);
  app.collection = collection;
  const layer = drawChoropleth(app.mapState, collection, selectPlace);
  app.title.update(collection);
  updateLegend();
  const hasData = collection.features.some((f) => f.properties.status !== "missing");
  setStatus(hasData ? "" : t("noDataLevel"));
  const sources = collection.features.flatMap((f) => f.properties.sources || []);
  updateCitation(sources.length ? sources : currentIndicator()?.sources, collection.data_version);
  if (app.view.place && !app.isFirstDraw) {
    const selected = layer.byCode(app.view.place);
    if (selected) selectPlace(selected.feature, selected, { keepView: true });
  }
  document.body.dataset.state = `${app.view.indicator}|${app.view.level}|${collection.period}`;
  document.body.dataset.geometry = api.isCoarse(collection.level) ? "simplified" : "full";
  markReady();
  refineGeometry();
}

/** Zoomed in on simplified polygons: fetch the level's full geometries once and reshape the map. */
async function refineGeometry() {
  const layer = app.mapState.choropleth;
  if (!layer || !app.collection || app.mapState.map.getZoom() < api.DETAIL_ZOOM) return;
  const level = app.collection.level;
  let byCode;
  try {
    byCode = await api.detailedGeometries(app.view);
  } catch {
    return; // the simplified shapes stay: still a correct map
  }
  if (!byCode || app.mapState.choropleth !== layer || app.collection?.level !== level) return;
  reshapeChoropleth(layer, byCode);
  document.body.dataset.geometry = "full";
}

function updateLegend() {
  if (!app.collection) return;
  const notApplicable = app.collection.features.filter((f) => f.properties.notApplicable).length;
  let establishments = null;
  let sizeNote = app.view.establishments ? t("sizeNote") : "";
  if (app.view.establishments && app.estPaint) {
    establishments = document.createElement("div");
    establishments.className = "legend-est";
    const h = document.createElement("h4");
    h.textContent = `${t("establishments")}: ${app.estPaint.indicator.label} (${app.estPaint.period})`;
    const list = document.createElement("ul");
    for (const entry of app.estPaint.legend.classes || []) {
      list.append(legendRow(entry.color, entry.label, entry.count, "legend-est-class"));
    }
    establishments.append(h, list);
    sizeNote = t("sizeByClass");
  }
  app.legend.update(app.collection, { notApplicable, establishments, sizeNote });
}

async function showNational(ticket) {
  app.request?.abort();
  app.collection = null;
  clearChoropleth(app.mapState);
  closePanel();
  const ind = currentIndicator();
  const holder = $("national");
  $("map").classList.add("is-hidden");
  holder.hidden = false;
  setStatus(t("loading"), "loading");
  let series;
  try {
    series = await api.series(ind.code, "PE", lang(), app.gran);
    if (!series.points.length && ind.group === "politica") series = await api.policySeries(ind.code, lang());
  } catch (error) {
    if (ticket !== app.ticket) return;
    holder.replaceChildren(nationalHead(ind), paragraph(errorText(error), "chart-note"));
    setStatus(errorText(error), "error");
    document.body.dataset.state = `${ind.code}|national|error`;
    markReady();
    return;
  }
  if (ticket !== app.ticket) return;
  const points = series.points.filter((p) => p.value !== null && granularityOf(p.period) === app.gran);
  app.national = { ...series, points };
  const current = points.find((p) => p.period === app.view.period) || points.at(-1);
  const head = nationalHead(ind);
  const big = document.createElement("p");
  big.className = "big-value";
  big.id = "national-value";
  big.textContent = current ? current.display || formatNumber(current.value, ind.unit) : t("noData");
  if (current && ind.unit && !["%", "sí/no"].includes(ind.unit)) {
    const small = document.createElement("small");
    small.textContent = ` ${unitText(ind.unit)}`;
    big.append(small);
  }
  const when = paragraph(current ? `${t("level_national")} · ${current.period}` : "", "kicker");
  const chart = document.createElement("div");
  chart.className = "chart-holder";
  const lines = [{ label: series.body.place?.name || "Perú", points }];
  if (series.targets?.length) lines.push({ label: t("target"), points: series.targets, dashed: true });
  if (points.length > 1 || series.targets?.length) {
    chart.append(drawSeries(lines, { current: current?.period, unit: ind.unit, title: ind.label, width: 520, height: 220 }));
    if (series.targets?.length) chart.append(paragraph(`${lines.map((l, i) => `${i ? "- - " : "—— "}${l.label}`).join(" · ")}`, "chart-note"));
  } else {
    chart.append(paragraph(t("seriesOne"), "chart-note"));
  }
  const sourcesHead = document.createElement("h3");
  sourcesHead.textContent = t("sources");
  const withText = uniqueSources(current?.sources).length ? current.sources : ind.sources;
  holder.replaceChildren(head, when, big, chart, sourcesHead, sourcesList(withText));
  app.title.text(ind.label, t("level_national"));
  app.legend.clear("");
  setStatus("");
  updateCitation(withText, series.body.data_version);
  document.body.dataset.state = `${ind.code}|national|${current?.period || ""}`;
  markReady();
}

function nationalHead(ind) {
  const div = document.createElement("div");
  const h = document.createElement("h2");
  h.textContent = ind.label;
  div.append(h, paragraph(t("nationalOnly"), "hint national-note"));
  return div;
}

function paragraph(text, className) {
  const p = document.createElement("p");
  p.className = className;
  p.textContent = text;
  return p;
}

// ---------------------------------------------------------------- tabs: map, chart, table

function setTab(tab, { focus = false } = {}) {
  app.view.tab = tab;
  for (const button of document.querySelectorAll('[role="tab"]')) {
    const selected = button.dataset.tab === tab;
    button.setAttribute("aria-selected", String(selected));
    button.tabIndex = selected ? 0 : -1;
    if (selected && focus) button.focus();
  }
  $("map-view").hidden = tab !== "map";
  $("chart-view").hidden = tab !== "chart";
  $("table-view").hidden = tab !== "table";
  if (tab === "map") app.mapState.map.invalidateSize();
  writeHash(app.view);
  renderTab();
}

function renderTab() {
  if (app.view.tab === "table") renderTableView();
  else if (app.view.tab === "chart") renderChartView();
}

function tableRows() {
  if (isNational()) {
    return (app.national?.points || []).map((p) => ({
      code: p.period,
      name: app.national.body.place?.name || "Perú",
      value: p.value,
      display: p.display,
      numerator: p.numerator,
      denominator: p.denominator,
      period: p.period,
    }));
  }
  return (app.collection?.features || []).map((f) => {
    const p = f.properties;
    return {
      code: p.code,
      name: p.name,
      value: p.value,
      display: p.notApplicable ? t("legendNotApplicable") : p.status === "suppressed" ? `${p.display} (${t("legendSuppressed")})` : p.display,
      numerator: p.numerator,
      denominator: p.denominator,
      period: app.collection.period,
    };
  });
}

function renderTableView() {
  const holder = $("table-view");
  const ind = currentIndicator();
  const rows = tableRows();
  const caption = t("tableCaption", {
    indicator: ind?.label || "",
    level: t(`level_${app.view.level}`).toLowerCase(),
    period: isNational() ? `${app.periods[0] || ""}–${app.periods.at(-1) || ""}` : app.collection?.period || "",
  });
  const wrap = document.createElement("div");
  const actions = document.createElement("div");
  actions.className = "table-actions";
  for (const format of ["xlsx", "csv"]) {
    const a = document.createElement("a");
    a.className = "button";
    a.dataset.format = format;
    a.href = downloadBase()(format);
    a.setAttribute("download", `siep_${app.view.indicator}_${app.view.level}_${app.view.period || "ultimo"}.${format}`);
    a.textContent = format.toUpperCase();
    actions.append(a);
  }
  const tableHolder = document.createElement("div");
  renderTable(tableHolder, rows, {
    caption,
    unit: ind?.unit,
    sort: isNational() ? { column: "period", dir: -1 } : { column: "value", dir: -1 },
    onPick: isNational() ? null : (row) => addToChart(row.code),
  });
  wrap.append(actions, tableHolder);
  holder.replaceChildren(wrap);
}

function chartPlaces() {
  if (isNational()) return ["PE"];
  const places = [...app.view.compare];
  if (app.view.place && !places.includes(app.view.place)) places.push(app.view.place);
  if (!places.length) {
    if (hasNational(currentIndicator())) places.push("PE");
    const top = tableRows().filter((r) => r.value !== null && r.value !== undefined).sort((a, b) => b.value - a.value);
    if (top[0]) places.push(top[0].code);
  }
  return places.slice(0, 6);
}

function addToChart(code) {
  if (!app.view.compare.includes(code)) app.view.compare = [...app.view.compare, code].slice(-5);
  setTab("chart", { focus: true });
}

async function renderChartView() {
  const holder = $("chart-view");
  const ind = currentIndicator();
  const ticket = app.ticket;
  const places = chartPlaces();
  const results = await Promise.all(
    places.map((place) =>
      api
        .series(ind.code, place, lang(), app.gran)
        .then((s) => ({ place, label: s.body.place?.name || place, points: s.points.filter((p) => p.value !== null && granularityOf(p.period) === app.gran) }))
        .catch(() => ({ place, label: place, points: [] })),
    ),
  );
  if (ticket !== app.ticket || app.view.tab !== "chart") return;
  const h = document.createElement("h2");
  h.textContent = `${t("series")} · ${ind.label}${ind.unit && ind.unit !== "sí/no" ? ` (${unitText(ind.unit)})` : ""}`;
  const sub = paragraph(`${t(`gran_${app.gran}`)} · ${t("chartGaps")}`, "chart-note");
  const withData = results.filter((r) => r.points.length);
  const chart = document.createElement("div");
  chart.className = "chart-holder chart-large";
  if (withData.some((r) => r.points.length > 1)) {
    chart.append(drawSeries(withData, { current: app.view.period, unit: ind.unit, title: ind.label, width: 640, height: 300 }));
  } else {
    chart.append(paragraph(withData.length ? t("seriesOne") : t("seriesNone"), "chart-note"));
  }
  const keyTitle = document.createElement("h3");
  keyTitle.textContent = t("chartPlaces");
  const key = document.createElement("ul");
  key.className = "chart-key";
  withData.forEach((r, i) => {
    const li = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.backgroundColor = SERIES_COLOURS[i % SERIES_COLOURS.length];
    const last = r.points.at(-1);
    li.append(swatch, document.createTextNode(`${r.label} · ${last.period}: ${last.display || formatNumber(last.value, ind.unit)}`));
    if (app.view.compare.includes(r.place)) {
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "link";
      remove.textContent = t("remove");
      remove.setAttribute("aria-label", `${t("remove")}: ${r.label}`);
      remove.addEventListener("click", () => {
        app.view.compare = app.view.compare.filter((c) => c !== r.place);
        writeHash(app.view);
        renderChartView();
      });
      li.append(" ", remove);
    }
    key.append(li);
  });
  holder.replaceChildren(h, sub, chart, keyTitle, key, paragraph(isNational() ? "" : t("chartHint"), "hint"));
  document.body.dataset.chart = String(withData.length);
}

// ---------------------------------------------------------------- selection, panel, overlays

function restoreSelection() {
  if (app.view.place) {
    const selected = app.mapState.choropleth?.byCode(app.view.place);
    if (selected) selectPlace(selected.feature, selected, { keepView: true });
  } else if (app.view.establishment) {
    establishmentsPromise.then(() => {
      const feature = app.estCollection?.features.find((f) => f.properties.code === app.view.establishment);
      if (feature) selectEstablishment(feature.properties, { fly: false });
    });
  }
}

function closeDrawer() {
  $("controls").classList.remove("open");
  $("menu-toggle").setAttribute("aria-expanded", "false");
}

/** On a phone the panel is a bottom sheet: pan so that the selected place stays above it. */
function keepVisible(latlng) {
  if (!PHONE.matches || !latlng) return;
  requestAnimationFrame(() => panAboveSheet(latlng));
}

function panAboveSheet(latlng) {
  if ($("panel").hidden) return;
  const map = app.mapState.map;
  const mapHeight = map.getSize().y;
  // The sheet grows as its content arrives: count on its full height (max-height 45 %).
  const sheet = Math.max($("panel").getBoundingClientRect().height, $("panel").parentElement.clientHeight * 0.45);
  const visible = mapHeight - sheet;
  const point = map.latLngToContainerPoint(latlng);
  if (point.y > visible - 24 || point.y < 24) map.panBy([0, point.y - visible / 2], { animate: false });
}

function selectPlace(feature, layer, { keepView = false } = {}) {
  closeDrawer();
  app.mapState.map.closePopup();
  app.view.place = feature.properties.code;
  app.view.establishment = "";
  app.mapState.establishments?.select(null);
  app.mapState.choropleth?.highlight(layer);
  showPlace(feature, app.collection, app.estCollection);
  keepVisible(layer.getBounds?.().getCenter());
  if (!keepView) writeHash(app.view);
}

function selectEstablishment(props, { fly = true, keepPopup = false } = {}) {
  closeDrawer();
  app.view.establishment = props.code;
  app.view.place = "";
  app.mapState.choropleth?.highlight(null);
  const marker = app.mapState.establishments?.select(props.code);
  if (fly && marker) {
    app.mapState.map.setView(marker.getLatLng(), Math.max(app.mapState.map.getZoom(), 7));
    if (!keepPopup && !PHONE.matches) marker.openPopup();
  }
  if (PHONE.matches) app.mapState.map.closePopup();
  showEstablishment(props, app.view);
  keepVisible(marker?.getLatLng());
  writeHash(app.view);
}

let establishmentsPromise = Promise.resolve();

async function loadEstablishments() {
  try {
    app.estCollection = await api.establishments({ lang: lang() });
  } catch {
    app.estCollection = { type: "FeatureCollection", features: [] };
  }
}

function drawMarkers() {
  app.mapState.showEstablishments = app.view.establishments;
  drawEstablishments(app.mapState, app.estCollection, (props, options = {}) =>
    selectEstablishment(props, { fly: false, ...options }),
  );
  document.body.dataset.establishments = String(app.estCollection.features.length);
  paintMarkers();
}

async function paintMarkers() {
  const ind = app.indicators.find((i) => i.code === app.view.estBy);
  if (!ind) {
    app.estPaint = null;
    paintEstablishments(app.mapState, null);
    updateLegend();
    return;
  }
  try {
    const body = await api.establishmentChoropleth(ind.code, defaultPeriod(ind, "establishment"), lang());
    if (app.view.estBy !== ind.code) return;
    app.estPaint = { indicator: { label: ind.label }, period: body.period, legend: body.legend };
    paintEstablishments(app.mapState, new Map(body.features.map((f) => [f.properties.code, f.properties])));
    document.body.dataset.estPaint = ind.code;
  } catch {
    app.estPaint = null;
    paintEstablishments(app.mapState, null);
  }
  updateLegend();
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
  if (app.view.tab !== "map") setTab("map");
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

// ---------------------------------------------------------------- wiring

function applyIndicator(code) {
  app.pendingIndicator = null;
  $("indicator-hint").textContent = "";
  if (code === app.view.indicator) return;
  stopPlay();
  app.view.indicator = code;
  app.view.period = "";
  app.view.place = "";
  app.view.compare = [];
  app.useApiPeriod = false;
  closePanel();
  render();
}

function wireControls() {
  const select = $("indicator");
  let keyboard = false;
  // Arrow keys only move the choice; Enter (or leaving the menu) confirms it.
  select.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      if (app.pendingIndicator) applyIndicator(app.pendingIndicator);
      keyboard = false;
    } else if (event.key.startsWith("Arrow") || ["Home", "End", "PageUp", "PageDown"].includes(event.key) || event.key.length === 1) {
      keyboard = true;
    }
  });
  select.addEventListener("change", () => {
    if (keyboard) {
      app.pendingIndicator = select.value;
      $("indicator-hint").textContent = t("indicatorPending");
      return;
    }
    applyIndicator(select.value);
  });
  select.addEventListener("blur", () => {
    keyboard = false;
    if (app.pendingIndicator) applyIndicator(app.pendingIndicator);
  });
  for (const radio of document.querySelectorAll('input[name="level"]')) {
    radio.addEventListener("change", () => {
      stopPlay();
      app.view.level = radio.value;
      app.view.place = "";
      app.view.period = "";
      app.view.compare = [];
      closePanel();
      render();
    });
  }
  const slider = $("period");
  slider.addEventListener("input", () => {
    const period = app.periods[Number(slider.value)];
    $("period-label").textContent = period;
    slider.setAttribute("aria-valuetext", period);
  });
  slider.addEventListener("change", () => {
    stopPlay();
    app.view.period = app.periods[Number(slider.value)] || app.view.period;
    render();
  });
  $("play").addEventListener("click", async () => {
    if (app.playTimer) {
      stopPlay();
      return;
    }
    $("play").setAttribute("aria-pressed", "true");
    $("play-icon").textContent = "❚❚";
    $("play-label").textContent = t("pause");
    app.playTimer = -1; // playing; the next step is scheduled once this period is drawn
    if (app.periods.indexOf(app.view.period) >= app.periods.length - 1) {
      app.view.period = app.periods[0];
      syncSlider();
      await render();
    }
    if (app.playTimer) app.playTimer = setTimeout(playStep, 1200);
  });
  $("method").addEventListener("change", (event) => {
    app.view.method = event.target.value;
    render();
  });
  $("classes").addEventListener("change", (event) => {
    app.view.classes = Number(event.target.value);
    render();
  });
  $("show-establishments").addEventListener("change", (event) => {
    app.view.establishments = event.target.checked;
    app.mapState.showEstablishments = event.target.checked;
    const layer = app.mapState.establishments;
    if (layer) {
      if (event.target.checked) layer.addTo(app.mapState.map);
      else layer.remove();
    }
    updateLegend();
    writeHash(app.view);
  });
  $("est-by").addEventListener("change", (event) => {
    app.view.estBy = event.target.value;
    if (app.view.estBy && !app.view.establishments) {
      $("show-establishments").checked = true;
      $("show-establishments").dispatchEvent(new Event("change"));
    }
    writeHash(app.view);
    paintMarkers();
  });
  $("lang-toggle").addEventListener("click", async () => {
    app.view.lang = lang() === "es" ? "en" : "es";
    await switchLanguage();
  });
  $("share").addEventListener("click", async () => {
    writeHash(app.view);
    const result = await share(permalink(app.view), document.title);
    document.body.dataset.shared = result;
  });
  $("embed").addEventListener("click", () => {
    const code = showEmbed(permalink({ ...app.view, center: null }, "embed"), document.title);
    document.body.dataset.embedCode = String(code.length);
  });
  $("cite-copy").addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText($("cite-text").textContent);
      toast(t("copied"));
    } catch {
      window.getSelection()?.selectAllChildren($("cite-text"));
    }
  });
  const menu = $("menu-toggle");
  menu.addEventListener("click", () => {
    const controls = $("controls");
    const isOpen = controls.classList.toggle("open");
    menu.setAttribute("aria-expanded", String(isOpen));
    if (isOpen) {
      closePanel();
      app.mapState.map.closePopup();
      controls.focus();
    }
  });
  $("controls").addEventListener("keydown", (event) => {
    if (event.key === "Escape" && $("controls").classList.contains("open")) {
      closeDrawer();
      menu.focus();
    }
  });
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  for (const button of tabs) {
    button.addEventListener("click", () => setTab(button.dataset.tab));
    button.addEventListener("keydown", (event) => {
      const i = tabs.indexOf(button);
      const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[event.key];
      if (next === undefined) return;
      event.preventDefault();
      setTab(tabs[(next + tabs.length) % tabs.length].dataset.tab, { focus: true });
    });
  }
  window.addEventListener("hashchange", () => {
    const next = readHash();
    const keys = ["indicator", "level", "period", "method", "classes", "lang", "tab"];
    if (keys.every((k) => next[k] === app.view[k])) return;
    const langChanged = next.lang !== app.view.lang;
    app.view = next;
    if (langChanged) switchLanguage();
    else {
      syncControls();
      setTab(app.view.tab);
      render();
    }
  });
}

async function switchLanguage() {
  setLang(app.view.lang);
  translatePage();
  try {
    app.indicators = await api.indicators(lang());
  } catch (error) {
    setStatus(errorText(error), "error");
    return;
  }
  fillIndicatorSelect();
  fillEstBySelect();
  syncControls();
  setAttributions();
  establishmentsPromise = loadEstablishments().then(drawMarkers);
  renderHeadline(app.indicators);
  await render();
}

async function main() {
  setLang(app.view.lang);
  translatePage();
  updateLangButton();
  setStatus(t("loading"), "loading");
  try {
    const [config, indicators] = await Promise.all([api.viewerConfig(), api.indicators(lang())]);
    app.config = config;
    app.indicators = indicators;
    api.setApiBase(config.api_base);
  } catch (error) {
    setStatus(errorText(error), "error");
    return;
  }
  establishmentsPromise = loadEstablishments();
  fillIndicatorSelect();
  fillEstBySelect();
  app.mapState = createMap($("map"), app.config);
  app.mapState.showEstablishments = app.view.establishments;
  setAttributions();
  if (app.view.center) {
    const [lat, lon, zoom] = app.view.center;
    app.mapState.map.setView([lat, lon], zoom);
  }
  app.title = titleControl().addTo(app.mapState.map);
  app.legend = legendControl().addTo(app.mapState.map);
  app.mapState.map.on("zoomend", refineGeometry);
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
  initShareDialog();
  $("full-view").href = permalink(app.view);
  // The panel takes width from the map (desktop): let Leaflet measure its container again.
  window.addEventListener("siep:panel", () => app.mapState.map.invalidateSize());
  syncControls();
  wireControls();
  setTab(app.view.tab);
  await render();
}

main();
