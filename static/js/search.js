// Search box (combobox): find an establishment, or a place of the mapped level, by name.

import { t } from "./i18n.js";

export function normalise(text) {
  return String(text || "")
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/\be\.?\s?p\.?\s|\be\.?\s?m\.?\s?l\.?\s/g, " ")
    .replace(/[^a-z0-9]+/g, " ")
    .trim();
}

/**
 * Wire the search input. `candidates()` returns [{code, name, hint, kind}], `onPick(item)`
 * is called when the user chooses one (Enter, click).
 */
export function initSearch(candidates, onPick) {
  const input = document.getElementById("search");
  const list = document.getElementById("search-results");
  let items = [];
  let active = -1;

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function render() {
    list.replaceChildren();
    if (!items.length) {
      const li = document.createElement("li");
      li.className = "empty";
      li.textContent = t("searchNone");
      list.append(li);
    }
    items.forEach((item, i) => {
      const li = document.createElement("li");
      li.id = `search-option-${i}`;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", i === active ? "true" : "false");
      li.dataset.code = item.code;
      const name = document.createElement("span");
      name.textContent = item.name;
      const hint = document.createElement("small");
      hint.textContent = item.hint;
      li.append(name, hint);
      li.addEventListener("mousedown", (event) => {
        event.preventDefault();
        pick(i);
      });
      list.append(li);
    });
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    if (active >= 0) input.setAttribute("aria-activedescendant", `search-option-${active}`);
    else input.removeAttribute("aria-activedescendant");
  }

  function pick(i) {
    const item = items[i];
    if (!item) return;
    input.value = item.name;
    close();
    onPick(item);
  }

  input.addEventListener("input", () => {
    const q = normalise(input.value);
    if (!q) {
      close();
      return;
    }
    const words = q.split(" ");
    items = candidates()
      .map((c) => ({ ...c, key: normalise(`${c.name} ${c.code}`) }))
      .filter((c) => words.every((w) => c.key.includes(w)))
      .sort((a, b) => a.key.indexOf(words[0]) - b.key.indexOf(words[0]) || a.name.localeCompare(b.name))
      .slice(0, 12);
    active = items.length ? 0 : -1;
    render();
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" && items.length) {
      active = (active + 1) % items.length;
      render();
      event.preventDefault();
    } else if (event.key === "ArrowUp" && items.length) {
      active = (active - 1 + items.length) % items.length;
      render();
      event.preventDefault();
    } else if (event.key === "Enter") {
      if (active >= 0) pick(active);
      event.preventDefault();
    } else if (event.key === "Escape") {
      close();
    }
  });
  input.addEventListener("blur", () => setTimeout(close, 120));
}
