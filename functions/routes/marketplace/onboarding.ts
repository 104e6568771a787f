import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Hono } from "hono";
import { onboardingLinkEpoch, signOnboardingToken } from "../../../lib/contract/onboarding-token.js";
import { phoneCountry } from "../../../lib/phone/index.js";
import { checkSalonAdmin } from "../../../lib/marketplace/salon-admins.js";
import { getSalon, type SalonStatus } from "../../../lib/salons/store.js";
import { readSession } from "../../../lib/web-session/index.js";
import type { Services } from "../../../lib/services.js";
import { escapeHtml, messagePage, PAGE_HEADERS } from "./page.js";

/**
 * web/ next to the sources (tsx, tests, local stack), or at the working directory's root in a Lambda bundle, where
 * infra copies it (`copyFiles: [{ from: "web", to: "web" }]`; the bundle's own path says nothing about the source tree).
 */
const WEB_DIR = [fileURLToPath(new URL("../../../web/", import.meta.url)), join(process.cwd(), "web") + "/"]
  .find((dir) => existsSync(dir + "onboarding.html")) ?? fileURLToPath(new URL("../../../web/", import.meta.url));

/** The pages' files (onboarding, chat panel), read once per process; a fixed list, so no request path ever reaches the file system. */
const ASSETS: Record<string, string> = {
  "onboarding.js": "text/javascript; charset=utf-8",
  "phone.js": "text/javascript; charset=utf-8",
  "onboarding.css": "text/css; charset=utf-8",
};
const cache = new Map<string, Promise<string>>();
export function webFile(name: string): Promise<string> {
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
export const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026");

/** Salons whose WhatsApp is live for clients: showing or changing it needs the user's rights confirmed right now. */
const LIVE: SalonStatus[] = ["active", "frozen", "activating"];

const FROM_MARKETPLACE = "Откройте приложение Admin AI в маркетплейсе YClients и нажмите «Подключить».";

/**
 * GET /marketplace/onboarding?salon_id=: the page the registration redirect lands on. It opens only for a signed-in
 * user (lib/web-session) verified for this salon; for a live salon the user's administrator rights are asked of
 * YClients again, now. The page then gets an onboarding token for the salon's current link (for the gateway's
 * WebSocket and activation) and the session's CSRF token, both inside the HTML, never in a URL.
 */
export function registerOnboarding(app: Hono, s: Services): void {
  app.get("/marketplace/onboarding", async (c) => {
    const session = await readSession(c, s);
    if (!session) {
      return messagePage(c, 401, "not_signed_in", "Войдите через YClients",
        `Страница подключения открывается только после входа из YClients, а вход действует 12 часов. ${FROM_MARKETPLACE}`);
    }
    const salonId = Number(c.req.query("salon_id"));
    if (!Number.isSafeInteger(salonId) || salonId <= 0 || !session.salonIds.includes(salonId)) {
      return messagePage(c, 403, "salon_not_allowed", "Нет доступа к этому салону",
        `Вы вошли из YClients для другого филиала. ${FROM_MARKETPLACE}`);
    }
    const salon = await getSalon(s.db, salonId);
    if (!salon) {
      return messagePage(c, 404, "salon_not_found", "Салон не найден", `Мы не нашли подключение этого салона. ${FROM_MARKETPLACE}`);
    }
    if (salon.status === "uninstalled") {
      return messagePage(c, 410, "uninstalled", "Приложение отключено",
        "Admin AI отключён от этого салона в YClients. Чтобы подключить его снова, установите приложение в маркетплейсе YClients.");
    }
    if (LIVE.includes(salon.status)) {
      const verdict = await checkSalonAdmin(s.yclients, s.log, salonId, session.userId);
      if (verdict === "unavailable") {
        return messagePage(c, 503, "yclients_unavailable", "YClients не ответил", "Мы не смогли проверить ваши права в YClients. Обновите страницу через пару минут.");
      }
      if (verdict !== "admin") {
        return messagePage(c, 403, "not_salon_admin", "Нет прав администратора",
          "YClients больше не подтверждает, что вы администратор этого филиала, поэтому его WhatsApp здесь недоступен.");
      }
    }
    const epoch = await onboardingLinkEpoch(s.db, salonId);
    if (epoch === 0) return messagePage(c, 404, "salon_not_found", "Салон не найден", `Мы не нашли подключение этого салона. ${FROM_MARKETPLACE}`);
    const token = await signOnboardingToken(s.config.jwtSecret, salonId, Math.floor(s.clock.now().getTime() / 1000), { userId: session.userId, epoch });
    const title = salon.title ?? `Салон ${salon.salon_id}`;
    const config = {
      token,
      csrf: session.csrf,
      salonId: salon.salon_id,
      title,
      status: salon.status,
      socketUrl: onboardingSocketUrl(s.config.gatewayPublicUrl),
      activateUrl: "/marketplace/activate",
      phoneCountry: phoneRule(salon.country),
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

/** What web/phone.js needs of the salon's country to read a number the owner types. */
function phoneRule(country: string | null): { code: string; national: number[]; trunk: string | null } {
  const c = phoneCountry(country);
  return { code: c.code, national: c.national, trunk: c.trunk };
}
