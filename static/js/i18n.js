// Interface strings in Spanish (default) and English; data labels come from the API in `lang`.

const STRINGS = {
  es: {
    title: "SIEP-Perú · Mapa del sistema penitenciario",
    skip: "Ir a los controles",
    menu: "Controles",
    share: "Compartir vista",
    shareCopied: "Enlace de esta vista copiado",
    shareReady: "Enlace de esta vista en la barra de direcciones",
    search: "Buscar establecimiento o lugar",
    searchPlaceholder: "Nombre, p. ej. Lurigancho",
    searchNone: "Sin resultados",
    indicator: "Indicador",
    level: "Nivel territorial",
    level_departamento: "Departamento",
    level_provincia: "Provincia",
    level_oficina_regional: "Oficina regional",
    period: "Periodo",
    method: "Clasificación",
    method_quantiles: "Cuantiles",
    method_jenks: "Cortes naturales (Jenks)",
    method_equal_interval: "Intervalos iguales",
    classes: "Clases",
    showEstablishments: "Mostrar establecimientos",
    kind_ep: "E.P. (intramuros)",
    kind_eml: "E.M.L. (medio libre)",
    kindLong_ep: "Establecimiento penitenciario",
    kindLong_eml: "Establecimiento de medio libre",
    download: "Descargar esta vista",
    about: "Cifras publicadas por el INPE, con su fuente. Las tasas se recalculan a cada nivel a partir de numerador y denominador.",
    apiLink: "API JSON",
    ogcLink: "OGC API / WMS / WFS",
    mapLabel: "Mapa coroplético del Perú",
    close: "Cerrar",
    loading: "Cargando…",
    loadError: "No se pudieron cargar los datos",
    noData: "Sin datos",
    noPeriods: "Sin periodos con datos",
    legendMissing: "Sin datos",
    legendSuppressed: "Valor reservado (casos pocos)",
    legendNote: "Colores ColorBrewer, legibles con daltonismo.",
    sizeNote: "Tamaño del símbolo: población penal",
    oficina: "Oficina regional",
    location: "Ubicación",
    precision: "Precisión",
    precision_exact: "coordenadas exactas",
    precision_district_capital: "capital del distrito",
    precision_province_capital: "capital de la provincia",
    precision_department_capital: "capital del departamento",
    latest: "Últimas cifras",
    sources: "Fuentes",
    series: "Evolución",
    seriesNone: "Sin serie temporal para este lugar.",
    details: "Ver detalle",
    value: "Valor",
    numerator: "Numerador",
    denominator: "Denominador",
    denominatorPeriod: "Denominador al",
    computedFrom: "Calculado como suma de {n} establecimientos",
    published: "Cifra publicada para el lugar",
    establishmentsHere: "Establecimientos en este lugar",
    line: "línea",
    basemap: "Mapa base",
    baseNone: "Solo límites (sin conexión)",
    baseOsm: "OpenStreetMap",
    boundaries: "Límites",
    establishments: "Establecimientos",
    population: "Población",
    kind: "Tipo",
    district: "Distrito (UBIGEO)",
    served: "Población atendida",
    served_varones: "varones",
    served_mujeres: "mujeres",
    served_mixto: "mixto",
    missingPlace: "Sin datos para este periodo",
    noDataLevel: "Sin datos a este nivel en este periodo: pruebe otro periodo o nivel",
    suppressed: "reservado",
    langButton: "EN",
    langButtonLabel: "English",
  },
  en: {
    title: "SIEP-Peru · Map of the prison system",
    skip: "Skip to controls",
    menu: "Controls",
    share: "Share view",
    shareCopied: "Link to this view copied",
    shareReady: "Link to this view is in the address bar",
    search: "Find an establishment or place",
    searchPlaceholder: "Name, e.g. Lurigancho",
    searchNone: "No results",
    indicator: "Indicator",
    level: "Level",
    level_departamento: "Department",
    level_provincia: "Province",
    level_oficina_regional: "Regional office",
    period: "Period",
    method: "Classification",
    method_quantiles: "Quantiles",
    method_jenks: "Natural breaks (Jenks)",
    method_equal_interval: "Equal intervals",
    classes: "Classes",
    showEstablishments: "Show establishments",
    kind_ep: "Prison (E.P.)",
    kind_eml: "Community sentences (E.M.L.)",
    kindLong_ep: "Prison establishment",
    kindLong_eml: "Community sentences office",
    download: "Download this view",
    about: "Figures published by INPE, with their source. Rates are recomputed at each level from numerator and denominator.",
    apiLink: "JSON API",
    ogcLink: "OGC API / WMS / WFS",
    mapLabel: "Choropleth map of Peru",
    close: "Close",
    loading: "Loading…",
    loadError: "Could not load the data",
    noData: "No data",
    noPeriods: "No periods with data",
    legendMissing: "No data",
    legendSuppressed: "Withheld (few cases)",
    legendNote: "ColorBrewer colours, colour-blind safe.",
    sizeNote: "Symbol size: prison population",
    oficina: "Regional office",
    location: "Location",
    precision: "Precision",
    precision_exact: "exact coordinates",
    precision_district_capital: "district capital",
    precision_province_capital: "province capital",
    precision_department_capital: "department capital",
    latest: "Latest figures",
    sources: "Sources",
    series: "Over time",
    seriesNone: "No time series for this place.",
    details: "Details",
    value: "Value",
    numerator: "Numerator",
    denominator: "Denominator",
    denominatorPeriod: "Denominator at",
    computedFrom: "Computed as the sum of {n} establishments",
    published: "Figure published for the place",
    establishmentsHere: "Establishments in this place",
    line: "line",
    basemap: "Base map",
    baseNone: "Boundaries only (offline)",
    baseOsm: "OpenStreetMap",
    boundaries: "Boundaries",
    establishments: "Establishments",
    population: "Population",
    kind: "Type",
    district: "District (UBIGEO)",
    served: "Serves",
    served_varones: "men",
    served_mujeres: "women",
    served_mixto: "mixed",
    missingPlace: "No data for this period",
    noDataLevel: "No data at this level for this period: try another period or level",
    suppressed: "withheld",
    langButton: "ES",
    langButtonLabel: "Español",
  },
};

let current = "es";

export function setLang(lang) {
  current = STRINGS[lang] ? lang : "es";
  document.documentElement.lang = current;
}

export function lang() {
  return current;
}

export function t(key, vars = {}) {
  const text = STRINGS[current][key] ?? STRINGS.es[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));
}

/** Translate every element marked with data-i18n / data-i18n-placeholder / data-i18n-aria. */
export function translatePage(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  }
  for (const el of root.querySelectorAll("[data-i18n-aria]")) {
    el.setAttribute("aria-label", t(el.dataset.i18nAria));
  }
  document.title = t("title");
}

export function formatNumber(value, unit = "") {
  if (value === null || value === undefined || Number.isNaN(value)) return t("noData");
  const locale = current === "en" ? "en-GB" : "es-PE";
  const digits = Math.abs(value) >= 100 || Number.isInteger(value) ? 0 : 1;
  const text = new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(value);
  return unit === "%" ? `${text} %` : text;
}
