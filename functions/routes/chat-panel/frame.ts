import type { Context, Hono } from "hono";
import { frameHashMatches } from "../../../lib/chat-panel/frame-hash.js";
import { frameAncestors, verifySalonUser } from "../../../lib/chat-panel/access.js";
import { PANEL_OFF, panelEnabled } from "../../../lib/chat-panel/enabled.js";
import { signPanelToken } from "../../../lib/chat-panel/session.js";
import { getSalon } from "../../../lib/salons/store.js";
import type { Services } from "../../../lib/services.js";
import { messagePage, PAGE_HEADERS } from "../marketplace/page.js";
import { scriptJson, webFile } from "../marketplace/onboarding.js";

const positiveInt = (v: string | undefined) => (v && /^[1-9][0-9]{0,15}$/.test(v) && Number.isSafeInteger(Number(v)) ? Number(v) : null);

/**
 * GET /chat-panel?salon_id&hash&user_id&lang_id[&phone]: the page YClients opens in its chat frame (321 px). Nothing
 * about the salon is shown until the hash matches and YClients lists `user_id` among the salon's users right now.
 * The page then holds a panel token (lib/chat-panel/session.ts) and drops the query from its address bar.
 * The hash is never logged: no request logger sees the query, and refusals do not echo it.
 */
export function registerChatPanelFrame(app: Hono, s: Services): void {
  app.get("/chat-panel", async (c) => {
    const ancestors = frameAncestors(s.config.publicUrl);
    // Refusal pages show inside the frame too, so the administrator reads why.
    c.header("content-security-policy", `default-src 'self'; frame-ancestors ${ancestors}`);
    const refuse = (status: 400 | 403 | 404 | 410 | 503, code: string, title: string, text: string) => messagePage(c, status, code, title, text);

    const salonId = positiveInt(c.req.query("salon_id"));
    const userId = positiveInt(c.req.query("user_id"));
    const hash = c.req.query("hash") ?? "";
    if (!salonId || !userId || !/^[0-9a-fA-F]{40}$/.test(hash)) {
      return refuse(400, "bad_frame_url", "Чат не открылся", "Ссылка на чат неполная. Откройте чат из журнала YClients.");
    }
    const partnerToken = s.config.yclients.partnerToken;
    if (!partnerToken) return refuse(503, "not_configured", "Чат недоступен", "Приложение не настроено для работы с YClients.");
    if (!frameHashMatches(hash, salonId, partnerToken)) {
      s.log.warn({ salonId, userId }, "chat panel: frame hash did not match");
      return refuse(403, "bad_hash", "Ссылка не подтверждена", "Эту ссылку на чат выдал не YClients. Откройте чат из журнала YClients.");
    }
    const salon = await getSalon(s.db, salonId);
    if (!salon || salon.status === "uninstalled") {
      return refuse(404, "not_installed", "Admin AI не подключён", "В этом филиале приложение Admin AI не установлено или отключено.");
    }
    if (!panelEnabled(salon.settings)) return refuse(403, PANEL_OFF.code, PANEL_OFF.title, PANEL_OFF.text);
    const refused = await verifySalonUser(s, salonId, userId);
    if (refused) return refuse(refused.status, refused.code, refused.title, refused.text);

    const { token, expiresAt } = await signPanelToken(s.config.jwtSecret, s.clock, { salonId, userId });
    const phone = c.req.query("phone");
    const config = {
      token, expiresAt: expiresAt.toISOString(), salonId, title: salon.title ?? `Салон ${salonId}`, timeZone: salon.timezone,
      phone: phone && /^\+?[0-9]{7,15}$/.test(phone) ? phone.replace(/^\+/, "") : null,
    };
    const html = (await webFile("chat-panel.html")).replace("{{CONFIG_JSON}}", scriptJson(config));
    return c.html(html, 200, {
      ...PAGE_HEADERS,
      "content-security-policy": `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors ${ancestors}`,
    });
  });

  const ASSETS: Record<string, string> = { "chat-panel.js": "text/javascript; charset=utf-8", "chat-panel.css": "text/css; charset=utf-8" };
  app.get("/chat-panel/assets/:file", async (c: Context) => {
    const name = c.req.param("file") ?? "";
    const type = ASSETS[name];
    if (!type) return c.json({ error: { code: "not_found", message: "No such asset" } }, 404);
    return c.body(await webFile(name), 200, { "content-type": type, "cache-control": "public, max-age=300" });
  });
}
