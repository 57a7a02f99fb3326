// Time-series chart drawn as SVG (no library): one granularity, a real time axis, gaps as gaps.

import { formatNumber } from "./i18n.js";
import { periodStep, periodTime } from "./periods.js";

const NS = "http://www.w3.org/2000/svg";
export const SERIES_COLOURS = ["#1d3557", "#c2410c", "#0f766e", "#7c3aed", "#b45309", "#be185d"];

function el(name, attrs = {}, text = "") {
  const node = document.createElementNS(NS, name);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (text) node.textContent = text;
  return node;
}

function niceTicks(min, max, count = 4) {
  if (min === max) return [min];
  const span = max - min;
  const step0 = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => span / s <= count) || step0;
  const ticks = [];
  const last = Math.ceil(max / step - 1e-9) * step;
  for (let v = Math.floor(min / step + 1e-9) * step; v <= last + 1e-9; v += step) ticks.push(v);
  return ticks;
}

/** Year labels: at the middle of each year for yearly data, at 1 January otherwise. */
function yearTicks(t0, t1, maxTicks, offset) {
  const first = Math.ceil(t0 - offset);
  const last = Math.floor(t1 - offset);
  const every = Math.max(1, Math.ceil((last - first + 1) / maxTicks));
  const out = [];
  for (let year = first; year <= last; year += every) out.push(year);
  return out;
}

/**
 * Draw several series ([{label, points: [{period, value}]}], one granularity) on one time axis.
 * x = the middle of each period in years; a line joins only consecutive periods (step + 1).
 */
export function drawSeries(series, { current = "", unit = "", title = "", width = 320, height = 170 } = {}) {
  const pad = { left: 50, right: 12, top: 10, bottom: 24 };
  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img", "aria-label": title });
  svg.append(el("title", {}, title));
  const all = series.flatMap((s) => s.points.filter((p) => p.value !== null && Number.isFinite(p.value)));
  if (!all.length) return svg;
  const times = all.map((p) => periodTime(p.period));
  const yearly = all.every((p) => /^\d{4}$/.test(p.period));
  // Half a period of margin on each side so that the end points are not on the frame.
  const half = yearly ? 0.5 : all.some((p) => p.period.includes("Q")) ? 0.125 : 1 / 24;
  const t0 = Math.min(...times) - half;
  const t1 = Math.max(...times) + half;
  let min = Math.min(0, ...all.map((p) => p.value));
  let max = Math.max(...all.map((p) => p.value));
  if (min === max) max = min + 1;
  const ticks = niceTicks(min, max);
  min = Math.min(min, ticks[0]);
  max = Math.max(max, ticks[ticks.length - 1]);
  const innerW = width - pad.left - pad.right;
  const innerH = height - pad.top - pad.bottom;
  const x = (time) => pad.left + ((time - t0) / (t1 - t0)) * innerW;
  const y = (v) => pad.top + innerH - ((v - min) / (max - min)) * innerH;
  for (const tick of ticks) {
    svg.append(el("line", { class: "grid", x1: pad.left, x2: width - pad.right, y1: y(tick), y2: y(tick) }));
    svg.append(el("text", { x: pad.left - 4, y: y(tick) + 3, "text-anchor": "end" }, formatNumber(tick)));
  }
  svg.append(el("line", { class: "axis", x1: pad.left, x2: width - pad.right, y1: y(min), y2: y(min) }));
  const offset = yearly ? 0.5 : 0;
  for (const year of yearTicks(t0, t1, Math.floor(innerW / 42), offset)) {
    const at = x(year + offset);
    svg.append(el("line", { class: "tick", x1: at, x2: at, y1: y(min), y2: y(min) + 4 }));
    svg.append(el("text", { x: at, y: height - 6, "text-anchor": "middle" }, String(year)));
  }
  series.forEach((s, index) => {
    const colour = SERIES_COLOURS[index % SERIES_COLOURS.length];
    const points = s.points
      .filter((p) => p.value !== null && Number.isFinite(p.value))
      .sort((a, b) => periodStep(a.period) - periodStep(b.period));
    let path = "";
    points.forEach((p, i) => {
      const joined = i > 0 && periodStep(p.period) - periodStep(points[i - 1].period) === 1;
      path += `${joined ? "L" : "M"}${x(periodTime(p.period)).toFixed(1)},${y(p.value).toFixed(1)}`;
    });
    const dash = index > 0 && s.label && series.length === 2 && s.dashed !== false ? { "stroke-dasharray": "5 4" } : {};
    svg.append(el("path", { class: "line", d: path, stroke: colour, "data-series": s.label, ...(s.dashed ? dash : {}) }));
    for (const p of points) {
      const isCurrent = p.period === current;
      const dot = el("circle", {
        class: isCurrent ? "pt pt-current" : "pt",
        cx: x(periodTime(p.period)),
        cy: y(p.value),
        r: isCurrent ? 4 : points.length > 24 ? 1.8 : 2.8,
        fill: colour,
        "data-period": p.period,
      });
      dot.append(el("title", {}, `${s.label} · ${p.period}: ${formatNumber(p.value, unit)}`));
      svg.append(dot);
    }
  });
  return svg;
}
