// Share (Web Share API, else copy the permanent link) and embed (iframe code) dialogs.

import { t } from "./i18n.js";

const $ = (id) => document.getElementById(id);

export function toast(text) {
  const div = document.createElement("div");
  div.className = "toast";
  div.setAttribute("role", "status");
  div.textContent = text;
  document.body.append(div);
  setTimeout(() => div.remove(), 2600);
}

async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

function openDialog(title, help, text) {
  const dialog = $("share-dialog");
  $("share-dialog-title").textContent = title;
  $("share-help").textContent = help;
  $("share-text").value = text;
  if (!dialog.open) dialog.showModal();
  $("share-text").select();
}

export function initShareDialog() {
  $("share-copy").addEventListener("click", async () => {
    const ok = await copy($("share-text").value);
    if (!ok) $("share-text").select();
    toast(ok ? t("copied") : t("shareHelp"));
  });
  $("share-close").addEventListener("click", () => $("share-dialog").close());
}

/** Share `url`: the system share sheet on phones, else copy it and show it in a dialog. */
export async function share(url, title) {
  if (navigator.share) {
    try {
      await navigator.share({ title, url });
      return "shared";
    } catch (error) {
      if (error.name === "AbortError") return "cancelled";
    }
  }
  const ok = await copy(url);
  openDialog(t("shareTitle"), t("shareHelp"), url);
  if (ok) toast(t("shareCopied"));
  return ok ? "copied" : "shown";
}

/** The iframe code of the view's /embed URL, in a dialog with a copy button. */
export function showEmbed(embedUrl, title) {
  const safeTitle = title.replace(/"/g, "&quot;");
  const code = `<iframe src="${embedUrl}" width="100%" height="520" style="border:0" title="${safeTitle}" loading="lazy" allow="clipboard-write"></iframe>`;
  openDialog(t("embedTitle"), t("embedHelp"), code);
  return code;
}
