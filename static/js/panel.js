// The side panel: figures, a small time series and the sources of a region or an establishment.

import * as api from "./api.js";
import { drawSeries } from "./chart.js";
import { sourcesList } from "./cite.js";
import { locationText, populationOf } from "./establishments.js";
import { formatNumber, lang, t, unitText } from "./i18n.js";
import { granularityOf } from "./periods.js";
import { comparePeriods } from "./state.js";

const panel = () => document.getElementById("panel");
let onClose = () => {};
let token = 0;
let opener = null;

export function initPanel(closeCallback) {
  onClose = closeCallback;
  document.getElementById("panel-close").addEventListener("click", () => closePanel());
  panel().addEventListener("keydown", (event) => {
    if (event.key === "Escape") closePanel();
  });
}

export function closePanel() {
  if (panel().hidden) return;
  panel().hidden = true;
  window.dispatchEvent(new CustomEvent("siep:panel"));
  onClose();
  // Focus goes back to what opened the panel (a region, a marker, a search box, a table row).
  const target = opener && opener.isConnected ? opener : document.getElementById("map");
  opener = null;
  target?.focus({ preventScroll: true });
}

function open(title) {
  const wasHidden = panel().hidden;
  const active = document.activeElement;
  if (wasHidden || !panel().contains(active)) {
    opener = active && active !== document.body && !panel().contains(active) ? active : opener;
  }
  document.getElementById("panel-title").textContent = title;
  const body = document.getElementById("panel-body");
  body.replaceChildren();
  panel().hidden = false;
  if (wasHidden) window.dispatchEvent(new CustomEvent("siep:panel"));
  token += 1;
  return { body, ticket: token };
}

function node(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined && text !== null) el.textContent = text;
  return el;
}

function facts(rows) {
  const wrap = node("div", "facts-wrap");
  const dl = node("dl", "facts");
  for (const [key, value] of rows) {
    if (value === undefined || value === null || value === "") continue;
    if (key) dl.append(node("dt", "", key), node("dd", "", value));
    else wrap.append(node("p", "facts-note", value));
  }
  if (dl.children.length) wrap.prepend(dl);
  return wrap;
}

async function appendSeries(body, ticket, { indicator, place, unit, period, label }) {
  const heading = node("h3", "", `${t("series")} · ${label}`);
  const holder = node("div", "chart-holder");
  body.append(heading, holder);
  try {
    // One granularity: that of the period on the map (else the API's default one).
    const { points } = await api.series(indicator, place, lang(), period ? granularityOf(period) : "");
    if (ticket !== token) return;
    const withValue = points.filter((p) => p.value !== null);
    const gran = granularityOf(period || withValue.at(-1)?.period);
    const shown = withValue.filter((p) => granularityOf(p.period) === gran);
    if (!shown.length) {
      holder.append(node("p", "chart-note", t("seriesNone")));
      return;
    }
    if (shown.length === 1) {
      holder.append(node("p", "chart-note", `${t("seriesOne")} ${shown[0].period}: ${formatNumber(shown[0].value, unit)}`));
      return;
    }
    holder.append(drawSeries([{ label, points: shown }], { current: period, unit, title: `${label} · ${place}` }));
    const first = shown[0];
    const last = shown[shown.length - 1];
    holder.append(
      node(
        "p",
        "chart-note",
        `${t(`gran_${gran}`)} · ${first.period}: ${formatNumber(first.value, unit)} → ${last.period}: ${formatNumber(last.value, unit)}`,
      ),
    );
  } catch {
    if (ticket === token) holder.append(node("p", "chart-note", t("seriesNone")));
  }
}

/** Show a region (a feature of the choropleth) with the value the map shows. */
export function showPlace(feature, collection, establishments) {
  const p = feature.properties;
  const ind = collection.indicator || {};
  const { body, ticket } = open(p.name);
  body.dataset.place = p.code;
  body.append(node("div", "kicker", `${t(`level_${collection.level}`)} · ${p.code} · ${collection.period}`));
  body.append(node("div", "kicker", ind.label || ""));
  const big = node("p", "big-value");
  big.id = "panel-value";
  big.textContent = p.display ?? formatNumber(p.value, ind.unit);
  if (p.value !== null && p.value !== undefined && ind.unit && !["%", "sí/no"].includes(ind.unit)) {
    big.append(" ", node("small", "", unitText(ind.unit)));
  }
  body.append(big);
  const rows = [];
  if (p.numerator !== null && p.numerator !== undefined) rows.push([t("numerator"), formatNumber(p.numerator)]);
  if (p.denominator !== null && p.denominator !== undefined) {
    rows.push([t("denominator"), formatNumber(p.denominator)]);
  }
  if (collection.denominator_period && collection.denominator_period !== collection.period) {
    rows.push([t("denominatorPeriod"), collection.denominator_period]);
  }
  if (p.method === "sum_of_establishments") {
    rows.push(["", t("computedFrom", { n: p.n_establishments ?? "?" })]);
  } else if (p.method === "published") {
    rows.push(["", t("published")]);
  }
  if (p.notApplicable) rows.push(["", t("legendNotApplicable")]);
  else if (p.status === "missing") rows.push(["", t("missingPlace")]);
  else if (p.status === "suppressed") rows.push(["", t("legendSuppressed")]);
  body.append(facts(rows));
  const inside = (establishments?.features || []).filter((f) => {
    const e = f.properties;
    return [e.departamento, e.provincia, e.oficina_regional, e.ubigeo].includes(p.code);
  });
  if (inside.length) {
    body.append(node("h3", "", `${t("establishmentsHere")} (${inside.length})`));
    const table = node("table", "table-mini");
    for (const f of inside.sort((a, b) => (populationOf(b.properties) ?? 0) - (populationOf(a.properties) ?? 0))) {
      const tr = node("tr");
      const name = node("td", "", f.properties.name);
      if (f.properties.kind === "eml") name.append(" ", node("span", "tag", "E.M.L."));
      tr.append(name);
      tr.append(node("td", "num", formatNumber(populationOf(f.properties))));
      table.append(tr);
    }
    body.append(table);
  }
  body.append(node("h3", "", t("sources")), sourcesList(p.sources));
  appendSeries(body, ticket, {
    indicator: ind.code,
    place: p.code,
    unit: ind.unit,
    period: collection.period,
    label: ind.label || ind.code,
  });
  focusPanel();
}

/** Show an establishment: identity, location, latest figures with sources, population series. */
export async function showEstablishment(props, view) {
  const { body, ticket } = open(props.name);
  body.dataset.place = props.code;
  const kind = String(props.kind || (props.code.startsWith("EML-") ? "eml" : "ep")).toLowerCase();
  body.append(node("div", "kicker", `${t(`kindLong_${kind}`)} · ${props.code}`));
  const identity = facts([
    [t("oficina"), props.oficina_regional_name || props.oficina_regional],
    [t("location"), locationText(props)],
    [t("precision"), t(`precision_${props.location_precision}`)],
    [t("served"), props.population_served ? t(`served_${props.population_served}`) : ""],
  ]);
  body.append(identity);
  const figures = node("div", "figures");
  body.append(node("h3", "", t("latest")), figures);
  focusPanel();
  let detail = null;
  try {
    detail = await api.establishment(props.code, lang());
  } catch {
    detail = null;
  }
  if (ticket !== token) return;
  const latest = normaliseLatest(detail, props);
  latest.sort((a, b) => (b.code === "population") - (a.code === "population"));
  if (latest.length) {
    const table = node("table", "table-mini");
    for (const item of latest) {
      const tr = node("tr");
      tr.append(node("td", "", item.label), node("td", "num", item.display), node("td", "period", item.period));
      table.append(tr);
    }
    figures.append(table);
  } else {
    figures.append(node("p", "chart-note", t("noData")));
  }
  const sources = latest.flatMap((item) => item.sources);
  if (detail?.properties?.source_document || props.source_document) {
    const src = detail?.properties || props;
    sources.push({ dataset: t("location"), document: src.source_document, locator: src.source_locator, title: src.source_title, citation: src.source_citation });
  }
  body.append(node("h3", "", t("sources")), sourcesList(sources));
  const wanted = latest.find((item) => item.code === view.indicator) ? view.indicator : "population";
  const label = latest.find((item) => item.code === wanted)?.label || wanted;
  appendSeries(body, ticket, {
    indicator: wanted,
    place: props.code,
    unit: "",
    period: "",
    label,
  });
}

/** Latest figures of an establishment as [{code, label, display, period, sources}]. */
function normaliseLatest(detail, props) {
  const source =
    detail?.properties?.figures ?? detail?.properties?.latest ?? detail?.figures ?? props.latest ?? {};
  const entries = Array.isArray(source)
    ? source
    : Object.entries(source).map(([code, v]) => (typeof v === "object" && v ? { code, ...v } : { code, value: v }));
  return entries
    .map((e) => {
      // {code: {label, unit, values: [{period, dimensions, value, source}]}}: keep the latest total.
      if (!Array.isArray(e.values)) return e;
      const totals = e.values.filter((v) => !v.dimensions || !Object.keys(v.dimensions).length);
      const last = totals.sort((a, b) => comparePeriods(a.period, b.period)).at(-1);
      return last ? { ...last, code: e.code, label: e.label, unit: e.unit } : null;
    })
    .filter((e) => e && (e.value !== undefined || e.display))
    .map((e) => ({
      code: e.code || e.indicator,
      label: e.label || e.indicator_label || e.code || e.indicator,
      display: e.display ?? formatNumber(e.value, e.unit),
      period: e.period || "",
      sources: e.sources || (e.source ? [e.source] : []),
    }));
}

function focusPanel() {
  // On a phone the panel covers the map bottom; focus it for keyboard and screen readers.
  panel().focus({ preventScroll: true });
}
