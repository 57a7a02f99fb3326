// The table view: a sortable ranking of the places on the map (value, numerator, denominator,
// period), or the national series for indicators without a map.

import { formatNumber, t, unitText } from "./i18n.js";

const COLUMNS = ["rank", "place", "value", "numerator", "denominator", "period"];

function cell(tag, text, className = "") {
  const el = document.createElement(tag);
  if (className) el.className = className;
  el.textContent = text ?? "";
  return el;
}

function sortValue(row, column) {
  if (column === "place") return row.name;
  if (column === "period") return row.period;
  if (column === "rank") return row.rank ?? Number.POSITIVE_INFINITY;
  return row[column];
}

/**
 * Render `rows` ([{code, name, value, display, numerator, denominator, period}]) into `holder`.
 * Ranked by value (highest first); a click on a column header sorts by it. `onPick(row)` on a row.
 */
export function renderTable(holder, rows, { caption, unit, onPick, sort = { column: "value", dir: -1 } }) {
  const ranked = [...rows].filter((r) => r.value !== null && r.value !== undefined).sort((a, b) => b.value - a.value);
  ranked.forEach((row, i) => {
    row.rank = i + 1;
  });
  const state = { ...sort };
  const table = document.createElement("table");
  table.className = "ranking";
  table.id = "ranking";
  const cap = cell("caption", caption);
  const thead = document.createElement("thead");
  const head = document.createElement("tr");
  thead.append(head);
  const tbody = document.createElement("tbody");
  table.append(cap, thead, tbody);

  function draw() {
    head.replaceChildren();
    for (const column of COLUMNS) {
      const th = document.createElement("th");
      th.scope = "col";
      if (["rank", "value", "numerator", "denominator"].includes(column)) th.className = "num";
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.column = column;
      const label = column === "value" && unit ? `${t("value")} (${unitText(unit)})` : t(column);
      button.textContent = label;
      button.setAttribute("aria-label", t("sortBy", { column: label }));
      if (state.column === column) th.setAttribute("aria-sort", state.dir < 0 ? "descending" : "ascending");
      button.addEventListener("click", () => {
        state.dir = state.column === column ? -state.dir : column === "place" || column === "rank" ? 1 : -1;
        state.column = column;
        draw();
        tbody.closest("table").querySelector(`button[data-column="${column}"]`)?.focus();
      });
      th.append(button);
      head.append(th);
    }
    const sorted = [...rows].sort((a, b) => {
      const va = sortValue(a, state.column);
      const vb = sortValue(b, state.column);
      const aMissing = va === null || va === undefined;
      const bMissing = vb === null || vb === undefined;
      if (aMissing || bMissing) return aMissing - bMissing;
      const order = typeof va === "string" ? va.localeCompare(vb) : va - vb;
      return order * state.dir;
    });
    tbody.replaceChildren();
    for (const row of sorted) {
      const tr = document.createElement("tr");
      tr.dataset.code = row.code;
      const name = cell("th", "", "");
      name.scope = "row";
      if (onPick) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "link";
        button.textContent = row.name;
        button.addEventListener("click", () => onPick(row));
        name.append(button);
      } else {
        name.textContent = row.name;
      }
      tr.append(
        cell("td", row.rank ? String(row.rank) : "", "num"),
        name,
        cell("td", row.display ?? formatNumber(row.value, unit), "num value"),
        cell("td", row.numerator === null || row.numerator === undefined ? "" : formatNumber(row.numerator), "num"),
        cell("td", row.denominator === null || row.denominator === undefined ? "" : formatNumber(row.denominator), "num"),
        cell("td", row.period, "period"),
      );
      tbody.append(tr);
    }
  }
  draw();
  holder.replaceChildren(table);
  return table;
}
