import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** Headers for every onboarding HTML answer: no caching of a page that carries a token, no referrer leaking it. */
export const PAGE_HEADERS = {
  "cache-control": "no-store",
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
} as const;

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!);
}

/**
 * A plain page for the owner who reached a dead end: what happened and what to do, in Russian. The `data-testid`
 * attributes are stable for the browser tests: `message-page`, `message-title`, `message-text`; the page's
 * `data-code` attribute names the case (e.g. `bad_signature`, `token_expired`).
 */
export function messagePage(c: Context, status: ContentfulStatusCode, code: string, title: string, text: string, extraHtml = ""): Response {
  const html = `<!doctype html>
<html lang="ru">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} — Admin AI</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/marketplace/assets/onboarding.css">
</head>
<body>
<main class="card" id="message-page" data-testid="message-page" data-code="${escapeHtml(code)}">
  <p class="brand">Admin AI</p>
  <h1 id="message-title" data-testid="message-title">${escapeHtml(title)}</h1>
  <p id="message-text" data-testid="message-text">${escapeHtml(text)}</p>
  ${extraHtml}
</main>
</body>
</html>`;
  return c.html(html, status, PAGE_HEADERS);
}
