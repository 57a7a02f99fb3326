// The only module that talks to the server: the public JSON API under /api/v1 (same origin).

let apiBase = "api/v1";
const cache = new Map();

export function setApiBase(base) {
  apiBase = base || "api/v1";
}

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail || `HTTP ${status}`);
    this.status = status;
  }
}

/** A request boot.js started before the modules loaded (same URL), taken once. */
function early(url) {
  const requests = window.siepEarly || {};
  const promise = requests[url];
  delete requests[url];
  return promise;
}

async function getJSON(url, { signal, useCache = true } = {}) {
  if (useCache && cache.has(url)) return cache.get(url);
  const started = early(url);
  if (started) {
    const body = await started.catch((error) => {
      throw new ApiError(error?.status || 0, "");
    });
    if (signal?.aborted) throw new DOMException("aborted", "AbortError");
    if (useCache) cache.set(url, body);
    return body;
  }
  let response;
  try {
    response = await fetch(url, { signal });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, "");
  }
  if (!response.ok) {
    let detail = "";
    try {
      const body = await response.json();
      detail = body.detail?.message || body.detail || body.message || body.title || "";
      if (typeof detail !== "string") detail = JSON.stringify(detail);
    } catch {
      /* not JSON */
    }
    throw new ApiError(response.status, detail);
  }
  const body = await response.json();
  if (useCache) cache.set(url, body);
  return body;
}

function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  }
  return search.toString();
}

export function viewerConfig() {
  return getJSON("viewer-config.json");
}

/** Indicators as [{code, label, unit, group, periods: [...]|null, levels: [...]|null}]. */
export async function indicators(lang) {
  const body = await getJSON(`${apiBase}/indicators?${query({ lang })}`);
  const items = Array.isArray(body) ? body : body.indicators || body.items || body.data || [];
  return items.map((item) => ({
    code: item.code,
    label: item.label || (lang === "en" ? item.label_en : item.label_es) || item.code,
    unit: item.unit || "",
    group: item.group || "",
    isSensitive: Boolean(item.is_sensitive ?? item.sensitive),
    periods: Array.isArray(item.periods) ? item.periods.map((p) => p.code || p) : null,
    levels: Array.isArray(item.levels) ? item.levels : null,
    periodsByLevel: item.periods_by_level && typeof item.periods_by_level === "object" ? item.periods_by_level : null,
    description: item.description || "",
    defaultPeriodByLevel: item.default_period_by_level || {},
    sources: Array.isArray(item.sources) ? item.sources : [],
  }));
}

export function choroplethParams(view) {
  return {
    indicator: view.indicator,
    level: view.level,
    period: view.period,
    method: view.method,
    classes: view.classes,
    lang: view.lang,
  };
}

// The first map of a level comes with its polygons simplified for zoom 5 (half a pixel: the whole
// of Peru on a phone or a laptop, a third of the bytes); from DETAIL_ZOOM on the full ones are used.
const COARSE_ZOOM = 5;
export const DETAIL_ZOOM = 6;

/** Geometries already received, by level: {coarse, byCode: Map(code → GeoJSON geometry)}. */
const geometries = new Map();

/** Same parameters, same order as boot.js (which starts the first map's request). */
function choroplethUrl(view, geometryZoom) {
  const zoom = geometryZoom && view.level !== "distrito" ? `&geometry_zoom=${geometryZoom}` : "";
  return `${apiBase}/choropleth?${query(choroplethParams(view))}${zoom}`;
}

function remember(level, body, coarse) {
  const byCode = new Map(body.features.filter((f) => f.geometry).map((f) => [f.properties.code, f.geometry]));
  geometries.set(level, { coarse: coarse && level !== "distrito", byCode });
}

/**
 * The choropleth of a view. The geometries of a level are downloaded once: later maps of that level
 * ask for the values only (`geometry=false`) and take the geometries received before.
 */
export async function choropleth(view, signal) {
  const known = geometries.get(view.level);
  if (known) {
    const body = await getJSON(`${choroplethUrl(view)}&geometry=false`, { signal });
    if (body.features.every((f) => known.byCode.has(f.properties.code))) {
      return { ...body, features: body.features.map((f) => ({ ...f, geometry: known.byCode.get(f.properties.code) })) };
    }
  }
  const body = await getJSON(choroplethUrl(view, COARSE_ZOOM), { signal });
  remember(view.level, body, true);
  return body;
}

/** The full geometries of the view's level when those at hand are simplified (else null). */
export async function detailedGeometries(view) {
  const known = geometries.get(view.level);
  if (!known?.coarse) return null;
  const body = await getJSON(choroplethUrl(view));
  if (geometries.get(view.level) === known) remember(view.level, body, false);
  return geometries.get(view.level).byCode;
}

export function isCoarse(level) {
  return Boolean(geometries.get(level)?.coarse);
}

/** Establishments as a choropleth of points (value, class, colour) of one indicator. */
export function establishmentChoropleth(indicator, period, lang) {
  return getJSON(`${apiBase}/choropleth?${query({ indicator, level: "establishment", period, classes: 5, lang })}`);
}

export function downloadUrl(view, format) {
  return `${apiBase}/choropleth?${query({ ...choroplethParams(view), f: format })}`;
}

export function establishments(params = {}) {
  return getJSON(`${apiBase}/establishments?${query(params)}`);
}

export function establishment(code, lang) {
  return getJSON(`${apiBase}/establishments/${encodeURIComponent(code)}?${query({ lang })}`);
}

/** A time series as [{period, value, display, status}] sorted by period, plus raw body. */
export async function series(indicator, place, lang, granularity = "") {
  const body = await getJSON(`${apiBase}/series?${query({ indicator, place, granularity, lang })}`);
  const raw = Array.isArray(body) ? body : body.points || body.values || body.series || body.data || [];
  const points = raw
    .map((p) => ({
      period: p.period,
      value: p.value === undefined ? null : p.value,
      display: p.display,
      status: p.status || (p.value === null || p.value === undefined ? "missing" : "ok"),
      sources: p.sources || [],
      numerator: p.numerator ?? null,
      denominator: p.denominator ?? null,
    }))
    .filter((p) => p.period);
  return { points, body };
}

/** A policy indicator (national only) as a series: obtained values, and targets when printed. */
export async function policySeries(code, lang) {
  const body = await getJSON(`${apiBase}/policy-indicators?${query({ lang })}`);
  const item = (body.indicators || []).find((i) => i.code === code);
  const years = item?.years || [];
  const point = (y, value) => ({ period: y.year, value, display: undefined, status: "ok", sources: y.sources || [] });
  return {
    points: years.filter((y) => y.obtained !== null && y.obtained !== undefined).map((y) => point(y, y.obtained)),
    targets: years.filter((y) => y.expected !== null && y.expected !== undefined).map((y) => point(y, y.expected)),
    body: { place: { code: "PE", name: "Perú" }, data_version: body.data_version },
  };
}
