// The view state and its shareable form in the URL hash (#indicator=...&level=...).

export const LEVELS = ["departamento", "provincia", "oficina_regional"];
export const METHODS = ["quantiles", "jenks", "equal_interval"];

export const DEFAULT_VIEW = {
  indicator: "population",
  level: "departamento",
  period: "",
  method: "quantiles",
  classes: 5,
  lang: "es",
  place: "",
  establishment: "",
  establishments: true,
  center: null, // [lat, lon, zoom]
};

/** Read a view from a hash like "#indicator=tb_rate&level=provincia&period=2024". */
export function readHash(hash = window.location.hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const view = { ...DEFAULT_VIEW };
  if (params.get("indicator")) view.indicator = params.get("indicator");
  if (LEVELS.includes(params.get("level"))) view.level = params.get("level");
  if (params.get("period")) view.period = params.get("period");
  if (METHODS.includes(params.get("method"))) view.method = params.get("method");
  const classes = Number.parseInt(params.get("classes") || "", 10);
  if (classes >= 3 && classes <= 7) view.classes = classes;
  if (params.get("lang") === "en") view.lang = "en";
  view.place = params.get("place") || "";
  view.establishment = params.get("establishment") || "";
  view.establishments = params.get("establishments") !== "0";
  const map = (params.get("map") || "").split("/").map(Number);
  if (map.length === 3 && map.every(Number.isFinite)) view.center = map;
  return view;
}

export function writeHash(view) {
  const params = new URLSearchParams();
  params.set("indicator", view.indicator);
  params.set("level", view.level);
  if (view.period) params.set("period", view.period);
  params.set("method", view.method);
  params.set("classes", String(view.classes));
  if (view.lang !== "es") params.set("lang", view.lang);
  if (view.place) params.set("place", view.place);
  if (view.establishment) params.set("establishment", view.establishment);
  if (!view.establishments) params.set("establishments", "0");
  if (view.center) {
    const [lat, lon, zoom] = view.center;
    params.set("map", `${lat.toFixed(3)}/${lon.toFixed(3)}/${zoom}`);
  }
  const hash = `#${params.toString().replace(/%2F/g, "/")}`;
  if (hash !== window.location.hash) history.replaceState(null, "", hash);
  return hash;
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
