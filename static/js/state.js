// The view state and its shareable forms: the URL hash (#indicator=...&level=...) while browsing,
// and the same parameters as a query string for permanent links, previews and /embed.

export const LEVELS = ["departamento", "provincia", "oficina_regional", "distrito", "national"];
export const METHODS = ["quantiles", "jenks", "equal_interval"];
export const TABS = ["map", "chart", "table"];

export const DEFAULT_VIEW = {
  indicator: "population",
  level: "departamento",
  period: "",
  method: "quantiles",
  classes: 5,
  lang: "es",
  tab: "map",
  place: "",
  establishment: "",
  establishments: true,
  estBy: "",
  compare: [],
  center: null, // [lat, lon, zoom]
};

/** Read a view from the hash, or else the query string ("?indicator=tb_rate&level=provincia"). */
export function readHash(hash = window.location.hash, search = window.location.search) {
  const params = new URLSearchParams(hash.replace(/^#/, "") || search.replace(/^\?/, ""));
  const view = { ...DEFAULT_VIEW, compare: [] };
  if (params.get("indicator")) view.indicator = params.get("indicator");
  if (LEVELS.includes(params.get("level"))) view.level = params.get("level");
  if (params.get("period")) view.period = params.get("period");
  if (METHODS.includes(params.get("method"))) view.method = params.get("method");
  const classes = Number.parseInt(params.get("classes") || "", 10);
  if (classes >= 3 && classes <= 7) view.classes = classes;
  if (params.get("lang") === "en") view.lang = "en";
  if (TABS.includes(params.get("tab"))) view.tab = params.get("tab");
  view.place = params.get("place") || "";
  view.establishment = params.get("establishment") || "";
  view.establishments = params.get("establishments") !== "0";
  view.estBy = params.get("est_by") || "";
  view.compare = (params.get("compare") || "").split(",").filter(Boolean).slice(0, 6);
  const map = (params.get("map") || "").split("/").map(Number);
  if (map.length === 3 && map.every(Number.isFinite)) view.center = map;
  return view;
}

function viewParams(view, { withMap = true } = {}) {
  const params = new URLSearchParams();
  params.set("indicator", view.indicator);
  params.set("level", view.level);
  if (view.period) params.set("period", view.period);
  params.set("method", view.method);
  params.set("classes", String(view.classes));
  if (view.lang !== "es") params.set("lang", view.lang);
  if (view.tab !== "map") params.set("tab", view.tab);
  if (view.place) params.set("place", view.place);
  if (view.establishment) params.set("establishment", view.establishment);
  if (!view.establishments) params.set("establishments", "0");
  if (view.estBy) params.set("est_by", view.estBy);
  if (view.compare.length) params.set("compare", view.compare.join(","));
  if (withMap && view.center) {
    const [lat, lon, zoom] = view.center;
    params.set("map", `${lat.toFixed(3)}/${lon.toFixed(3)}/${zoom}`);
  }
  return params.toString().replace(/%2F/g, "/").replace(/%2C/g, ",");
}

export function writeHash(view) {
  const hash = `#${viewParams(view)}`;
  const path = window.location.pathname;
  if (hash !== window.location.hash || window.location.search) history.replaceState(null, "", `${path}${hash}`);
  return hash;
}

/**
 * The permanent link of a view: the page with the view as a query string (previews read it).
 * `path` is relative to the page, so links keep a proxy's path prefix (/siep/embed → /siep/).
 */
export function permalink(view, path = "./") {
  const url = new URL(path, document.baseURI);
  return `${url.origin}${url.pathname}?${viewParams(view)}`;
}

/** Order of docs/data-format.md: by the month a period ends; month < quarter < year. */
export function periodKey(code) {
  const m = /^(\d{4})(?:-(\d{2})|-Q([1-4]))?$/.exec(code || "") || [];
  const year = Number(m[1] || 0);
  if (m[2]) return [year, Number(m[2]), 0];
  if (m[3]) return [year, Number(m[3]) * 3, 1];
  return [year, 12, 2];
}

export function comparePeriods(a, b) {
  const ka = periodKey(a);
  const kb = periodKey(b);
  return ka[0] - kb[0] || ka[1] - kb[1] || ka[2] - kb[2];
}
