import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Hono } from "hono";
import { verifyOnboardingToken } from "../../../lib/marketplace/onboarding-token.js";
import { getSalon } from "../../../lib/salons/store.js";
import type { Services } from "../../services.js";
import { escapeHtml, messagePage, PAGE_HEADERS } from "./page.js";

/**
 * web/ next to the sources (tsx, tests, local stack), or at the working directory's root in a Lambda bundle, where
 * infra copies it (`copyFiles: [{ from: "web", to: "web" }]`; the bundle's own path says nothing about the source tree).
 */
const WEB_DIR = [fileURLToPath(new URL("../../../web/", import.meta.url)), join(process.cwd(), "web") + "/"]
  .find((dir) => existsSync(dir + "onboarding.html")) ?? fileURLToPath(new URL("../../../web/", import.meta.url));

/** The page's files, read once per process; a fixed list, so no request path ever reaches the file system. */
const ASSETS: Record<string, string> = {
  "onboarding.js": "text/javascript; charset=utf-8",
  "phone.js": "text/javascript; charset=utf-8",
  "onboarding.css": "text/css; charset=utf-8",
};
const cache = new Map<string, Promise<string>>();
function webFile(name: string): Promise<string> {
  let hit = cache.get(name);
  if (!hit) {
    hit = readFile(WEB_DIR + name, "utf8");
    hit.catch(() => cache.delete(name));
    cache.set(name, hit);
  }
  return hit;
}

/** ws(s)://…/v1/onboarding from the gateway's public http(s) URL. */
export function onboardingSocketUrl(gatewayPublicUrl: string): string {
  return gatewayPublicUrl.replace(/^http/, "ws") + "/v1/onboarding";
}

/** JSON inside a <script type="application/json"> must not be able to close the tag. */
const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026");

/**
 * GET /marketplace/onboarding?token=: the page the registration redirect lands on. The token is checked here so an
 * expired or forged link gets a page that says what to do instead of a page that cannot work.
 */
export function registerOnboarding(app: Hono, s: Services): void {
  app.get("/marketplace/onboarding", async (c) => {
    const token = c.req.query("token") ?? "";
    const check = token ? await verifyOnboardingToken(s.config.jwtSecret, token, s.clock.now()) : ({ ok: false, reason: "invalid" } as const);
    if (!check.ok) {
      return check.reason === "expired"
        ? messagePage(c, 401, "token_expired", "Ссылка устарела",
            "Ссылка для подключения действует один час. Откройте приложение Admin AI в маркетплейсе YClients и нажмите «Подключить» ещё раз — вы получите новую ссылку.")
        : messagePage(c, 401, "token_invalid", "Ссылка недействительна",
            "Эта ссылка для подключения повреждена или не от нас. Откройте приложение Admin AI в маркетплейсе YClients и нажмите «Подключить».");
    }
    const salon = await getSalon(s.db, check.salonId);
    if (!salon) {
      return messagePage(c, 404, "salon_not_found", "Салон не найден",
        "Мы не нашли подключение этого салона. Откройте приложение Admin AI в маркетплейсе YClients и нажмите «Подключить».");
    }
    if (salon.status === "uninstalled") {
      return messagePage(c, 410, "uninstalled", "Приложение отключено",
        "Admin AI отключён от этого салона в YClients. Чтобы подключить его снова, установите приложение в маркетплейсе YClients.");
    }
    const title = salon.title ?? `Салон ${salon.salon_id}`;
    const config = {
      token,
      salonId: salon.salon_id,
      title,
      status: salon.status,
      socketUrl: onboardingSocketUrl(s.config.gatewayPublicUrl),
      activateUrl: "/marketplace/activate",
    };
    const template = await webFile("onboarding.html");
    const html = template
      .replaceAll("{{SALON_TITLE}}", escapeHtml(title))
      .replaceAll("{{SALON_ID}}", String(salon.salon_id))
      .replace("{{CONFIG_JSON}}", scriptJson(config));
    const socketOrigin = new URL(config.socketUrl).origin;
    return c.html(html, 200, {
      ...PAGE_HEADERS,
      "content-security-policy": `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ${socketOrigin}; frame-ancestors 'self' https://*.yclients.com https://yclients.com`,
    });
  });

  app.get("/marketplace/assets/:file", async (c) => {
    const name = c.req.param("file");
    const type = ASSETS[name];
    if (!type) return c.json({ error: { code: "not_found", message: "No such asset" } }, 404);
    return c.body(await webFile(name), 200, { "content-type": type, "cache-control": "public, max-age=300" });
  });
}
