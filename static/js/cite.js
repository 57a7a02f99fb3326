// Sources as people cite them: the publication (publisher, title, year, table, page), never a file.

import { t } from "./i18n.js";

const INTERNAL_LOCATOR = /\b(lines?|rows?)\b|\.(csv|txt|ya?ml)\b/i;

function isUrl(text) {
  return /^https?:\/\//.test(text || "");
}

/** The text of one source: its `citation` when the API gives one, else its published parts. */
export function sourceText(source) {
  if (!source) return "";
  if (source.citation) return String(source.citation);
  const title = source.title || source.dataset || "";
  const parts = [source.publisher, title, source.year, source.table];
  if (source.page) parts.push(source.page);
  else if (source.locator && !INTERNAL_LOCATOR.test(source.locator)) parts.push(source.locator);
  return parts.filter((part) => part !== undefined && part !== null && String(part).trim()).join(" · ");
}

/** The link of a source (publication URL) when there is one. */
export function sourceUrl(source) {
  for (const key of ["url", "link", "document"]) if (isUrl(source?.[key])) return source[key];
  return "";
}

/** Distinct sources of a list (by their displayed text). */
export function uniqueSources(sources) {
  const seen = new Set();
  const out = [];
  for (const source of sources || []) {
    const text = sourceText(source);
    if (!text || seen.has(text)) continue;
    seen.add(text);
    out.push(source);
  }
  return out;
}

/** A <ul> of sources, with links to the publications that have one. */
export function sourcesList(sources) {
  const ul = document.createElement("ul");
  ul.className = "sources";
  for (const source of uniqueSources(sources)) {
    const li = document.createElement("li");
    const url = sourceUrl(source);
    if (url) {
      const a = document.createElement("a");
      a.href = url;
      a.rel = "noopener noreferrer";
      a.target = "_blank";
      a.textContent = sourceText(source);
      li.append(a);
    } else {
      li.textContent = sourceText(source);
    }
    ul.append(li);
  }
  if (!ul.children.length) {
    const li = document.createElement("li");
    li.textContent = "—";
    ul.append(li);
  }
  return ul;
}

/** The "how to cite" text of a view: its first source, the data version and the permanent link. */
export function citation(sources, dataVersion, url) {
  const first = uniqueSources(sources)[0];
  const source = first ? sourceText(first) : "Instituto Nacional Penitenciario (INPE)";
  const date = new Date().toISOString().slice(0, 10);
  return t("citeText", { source, version: dataVersion ?? "—", date, url });
}
