/**
 * The owner's browser: Debian's Chromium driven by playwright-core (never a downloaded browser), headless, with a
 * fresh profile per launch. Screenshots of each step go to artifacts/e2e/ (CI keeps the folder as an artifact).
 */
import { existsSync, mkdirSync, rmSync } from "node:fs";
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
/** Starts a clean screenshot folder for this run. */
export function resetArtifacts(): void {
  rmSync(ARTIFACTS_DIR, { recursive: true, force: true });
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  shot = 0;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  shot += 1;
  const path = join(ARTIFACTS_DIR, `${String(shot).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
