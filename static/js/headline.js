// The headline strip: the national picture (population, capacity, overpopulation, period, source).

import * as api from "./api.js";
import { sourceText } from "./cite.js";
import { formatNumber, lang, t } from "./i18n.js";
import { defaultPeriod, granularityOf } from "./periods.js";

const FIGURES = [
  ["population", "hl_population"],
  ["capacity", "hl_capacity"],
  ["overpopulation_pct", "hl_overpopulation"],
];

function item(dl, label, value, id) {
  const div = document.createElement("div");
  div.className = "hl-item";
  if (id) div.id = id;
  const dt = document.createElement("dt");
  dt.textContent = label;
  const dd = document.createElement("dd");
  dd.textContent = value;
  div.append(dt, dd);
  dl.append(div);
}

/** Fill the strip from the national series of each figure at its default national period. */
export async function renderHeadline(indicators) {
  const dl = document.getElementById("headline-figures");
  const wanted = FIGURES.map(([code, key]) => ({ ind: indicators.find((i) => i.code === code), key, code })).filter(
    (f) => f.ind && defaultPeriod(f.ind, "national"),
  );
  const results = await Promise.all(
    wanted.map(async (f) => {
      const period = defaultPeriod(f.ind, "national");
      try {
        const { points } = await api.series(f.code, "PE", lang(), granularityOf(period));
        return { ...f, period, point: points.find((p) => p.period === period) };
      } catch {
        return { ...f, period, point: null };
      }
    }),
  );
  dl.replaceChildren();
  const shown = results.filter((r) => r.point && r.point.value !== null);
  for (const r of shown) item(dl, t(r.key), formatNumber(r.point.value, r.ind.unit), `hl-${r.code}`);
  const periods = [...new Set(shown.map((r) => r.period))];
  if (periods.length) item(dl, t("hl_period"), periods.join(", "), "hl-period");
  // The publication and its table: the three figures come from one table of one document
  // (INPE's yearly series), which is what a reader needs to find them.
  const first = shown.map((r) => r.point.sources?.[0]).find(Boolean);
  const text = sourceText(first);
  if (text) {
    const table = first.table && !text.includes(first.table) ? ` · ${first.table}` : "";
    item(dl, t("source"), `${text}${table}`, "hl-source");
    document.getElementById("hl-source").title = `${text}${table}`;
  }
  document.body.dataset.headline = String(shown.length);
}
