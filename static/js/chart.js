// A small time-series chart drawn as SVG (no library); styled by classes in viewer.css.

import { formatNumber } from "./i18n.js";

const NS = "http://www.w3.org/2000/svg";

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
  for (let v = Math.ceil(min / step) * step; v <= max + 1e-9; v += step) ticks.push(v);
  return ticks;
}

/**
 * Draw `points` ([{period, value}], sorted) as a line chart; `current` marks the mapped period.
 * Returns an <svg> element with a <title> and a text description for screen readers.
 */
export function drawSeries(points, { current = "", unit = "", title = "" } = {}) {
  const width = 300;
  const height = 150;
  const pad = { left: 46, right: 10, top: 10, bottom: 26 };
  const svg = el("svg", {
    viewBox: `0 0 ${width} ${height}`,
    class: "chart",
    role: "img",
    "aria-label": title,
  });
  svg.append(el("title", {}, title));
  const values = points.filter((p) => p.value !== null && Number.isFinite(p.value));
  if (!values.length) return svg;
  let min = Math.min(0, ...values.map((p) => p.value));
  let max = Math.max(...values.map((p) => p.value));
  if (min === max) max = min + 1;
  const ticks = niceTicks(min, max);
  min = Math.min(min, ticks[0]);
  max = Math.max(max, ticks[ticks.length - 1]);
  const innerW = width - pad.left - pad.right;
  const innerH = height - pad.top - pad.bottom;
  const n = points.length;
  const x = (i) => pad.left + (n === 1 ? innerW / 2 : (i * innerW) / (n - 1));
  const y = (v) => pad.top + innerH - ((v - min) / (max - min)) * innerH;

  for (const tick of ticks) {
    svg.append(el("line", { class: "grid", x1: pad.left, x2: width - pad.right, y1: y(tick), y2: y(tick) }));
    svg.append(el("text", { x: pad.left - 4, y: y(tick) + 3, "text-anchor": "end" }, formatNumber(tick)));
  }
  svg.append(el("line", { class: "axis", x1: pad.left, x2: width - pad.right, y1: y(min), y2: y(min) }));

  // Line segments only between consecutive periods that both have a value.
  let path = "";
  points.forEach((p, i) => {
    if (p.value === null || !Number.isFinite(p.value)) return;
    const prev = points[i - 1];
    const joined = prev && prev.value !== null && Number.isFinite(prev.value);
    path += `${joined ? "L" : "M"}${x(i).toFixed(1)},${y(p.value).toFixed(1)}`;
  });
  if (path) svg.append(el("path", { class: "line", d: path }));
  points.forEach((p, i) => {
    if (p.value === null || !Number.isFinite(p.value)) return;
    const dot = el("circle", {
      class: p.period === current ? "pt pt-current" : "pt",
      cx: x(i),
      cy: y(p.value),
      r: p.period === current ? 4 : n > 24 ? 1.8 : 2.8,
    });
    dot.append(el("title", {}, `${p.period}: ${formatNumber(p.value, unit)}`));
    svg.append(dot);
  });
  // Period labels: first, last and (when room) the middle.
  const labelAt = n > 2 ? [0, Math.floor((n - 1) / 2), n - 1] : [...Array(n).keys()];
  for (const i of new Set(labelAt)) {
    const anchor = n === 1 ? "middle" : i === 0 ? "start" : i === n - 1 ? "end" : "middle";
    svg.append(el("text", { x: x(i), y: height - 8, "text-anchor": anchor }, points[i].period));
  }
  return svg;
}
