// Periods and levels: which levels and periods an indicator has data at, one granularity at a time.

import { t } from "./i18n.js";
import { comparePeriods } from "./state.js";

export const MAP_LEVELS = ["departamento", "provincia", "oficina_regional", "distrito"];
export const GRANULARITIES = ["month", "quarter", "year"];

/** "2024-03" → month, "2024-Q1" → quarter, "2024" → year. */
export function granularityOf(period) {
  if (/^\d{4}-\d{2}$/.test(period || "")) return "month";
  if (/^\d{4}-Q[1-4]$/.test(period || "")) return "quarter";
  return "year";
}

/** Position on a continuous time axis (years, at the middle of the period). */
export function periodTime(period) {
  const m = /^(\d{4})(?:-(\d{2})|-Q([1-4]))?$/.exec(period || "");
  if (!m) return Number.NaN;
  const year = Number(m[1]);
  if (m[2]) return year + (Number(m[2]) - 0.5) / 12;
  if (m[3]) return year + (Number(m[3]) - 0.5) / 4;
  return year + 0.5;
}

/** Index of a period in its granularity's sequence (consecutive periods differ by 1). */
export function periodStep(period) {
  const m = /^(\d{4})(?:-(\d{2})|-Q([1-4]))?$/.exec(period || "");
  if (!m) return Number.NaN;
  const year = Number(m[1]);
  if (m[2]) return year * 12 + Number(m[2]) - 1;
  if (m[3]) return year * 4 + Number(m[3]) - 1;
  return year;
}

export function periodsAt(ind, level) {
  return [...(ind?.periodsByLevel?.[level] || [])].sort(comparePeriods);
}

/** The map levels where the indicator has at least one period, in menu order. */
export function mapLevels(ind) {
  return MAP_LEVELS.filter((level) => periodsAt(ind, level).length);
}

export function hasNational(ind) {
  return periodsAt(ind, "national").length > 0;
}

export function hasEstablishments(ind) {
  return periodsAt(ind, "establishment").length > 0;
}

/** Why an indicator cannot be mapped at `level` ("" when it can). */
export function unavailableReason(ind, level) {
  if (mapLevels(ind).includes(level)) return "";
  if (!mapLevels(ind).length) return hasNational(ind) ? t("onlyNational") : t("noDataAll");
  return t("noDataAt", { level: t(`level_${level}`).toLowerCase() });
}

/** The granularities present among `periods`, in GRANULARITIES order. */
export function granularities(periods) {
  const present = new Set(periods.map(granularityOf));
  return GRANULARITIES.filter((g) => present.has(g));
}

/** The default period of an indicator at a level (the API's), else its latest. */
export function defaultPeriod(ind, level) {
  const periods = periodsAt(ind, level);
  const fromApi = ind?.defaultPeriodByLevel?.[level];
  return periods.includes(fromApi) ? fromApi : periods.at(-1) || "";
}
