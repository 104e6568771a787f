/**
 * The owner's browser: Debian's Chromium driven by playwright-core (never a downloaded browser), headless, with a
 * fresh profile per launch. Screenshots of each step go to artifacts/e2e/ (CI keeps the folder as an artifact).
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const ARTIFACTS_DIR = fileURLToPath(new URL("../../../artifacts/e2e/", import.meta.url));

export const DESKTOP = { width: 1280, height: 900 };
/** An iPhone 12/13-sized screen. */
export const PHONE = { width: 390, height: 844 };

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: install Debian's package (apt-get install chromium; .ci/run does) or set CHROMIUM_PATH`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
}

export async function newOwnerContext(browser: Browser, viewport: { width: number; height: number }, mobile = false): Promise<BrowserContext> {
  return browser.newContext({ viewport, locale: "ru-RU", isMobile: mobile, hasTouch: mobile, deviceScaleFactor: 1 });
}

/**
 * Collects a page's uncaught errors and console errors, so a broken script fails the test. An HTTP error status is
 * not a script error: the pages that answer 401 on purpose log "Failed to load resource" for themselves.
 */
export function watchPage(page: Page): { errors: string[] } {
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(`pageerror: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error" && !msg.text().startsWith("Failed to load resource: the server responded with a status of")) {
      errors.push(`console: ${msg.text()}`);
    }
  });
  return { errors };
}

let shot = 0;
/** Starts a clean screenshot folder for this run; a subfolder belongs to a suite running beside it (cabinet/). */
export function resetArtifacts(): void {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  for (const f of readdirSync(ARTIFACTS_DIR, { withFileTypes: true })) if (f.isFile()) rmSync(join(ARTIFACTS_DIR, f.name));
  shot = 0;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  shot += 1;
  const path = join(ARTIFACTS_DIR, `${String(shot).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

export interface ChatLine {
  from: "client" | "salon";
  text: string;
  at: Date;
}

/**
 * A WhatsApp conversation drawn as a phone screen and saved with the screenshots: the client's steps, for people.
 * Times are the salon's (the test clock's), in its time zone.
 */
export async function screenshotChat(browser: Browser, name: string, title: string, lines: ChatLine[], timeZone = "Europe/Moscow"): Promise<string> {
  const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
  const fmt = new Intl.DateTimeFormat("ru-RU", { timeZone, day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
  const bubbles = lines
    .map((l) => `<div class="b ${l.from}"><div>${esc(l.text).replace(/\n/g, "<br>")}</div><small>${esc(fmt.format(l.at))}</small></div>`)
    .join("");
  const html = `<!doctype html><meta charset="utf-8"><style>
    body{margin:0;font:15px/1.35 sans-serif;background:#efe7de}
    h1{margin:0;padding:12px 16px;font-size:16px;background:#075e54;color:#fff}
    .chat{display:flex;flex-direction:column;gap:8px;padding:12px}
    .b{max-width:80%;padding:8px 10px;border-radius:8px;box-shadow:0 1px 1px #0002}
    .client{align-self:flex-end;background:#dcf8c6}.salon{align-self:flex-start;background:#fff}
    small{display:block;margin-top:4px;color:#667;font-size:11px;text-align:right}
  </style><h1>${esc(title)}</h1><div class="chat">${bubbles}</div>`;
  const context = await browser.newContext({ viewport: PHONE });
  try {
    const page = await context.newPage();
    await page.setContent(html);
    return await screenshot(page, name);
  } finally {
    await context.close();
  }
}
