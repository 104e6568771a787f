import type { Context, Hono } from "hono";
import { z } from "zod";
import { salonOverview, cabinetSalons } from "../../../lib/cabinet/overview.js";
import { changeSettings, readSettings, settingsHistory, SettingsError } from "../../../lib/cabinet/settings.js";
import { parseKind, previewText, saveText, salonTexts } from "../../../lib/cabinet/texts.js";
import { chartHtml } from "../../../lib/cabinet/charts-svg.js";
import { salonResults } from "../../../lib/cabinet/results.js";
import { TEST_CHAT_LIMIT, TestChatError, testChatHistory, testChatSend } from "../../../lib/cabinet/test-chat.js";
import { assistantDeps } from "../../../lib/assistant/runtime.js";
import { getSalon } from "../../../lib/salons/store.js";
import { readSession } from "../../../lib/web-session/index.js";
import { ApiError } from "../../../lib/http/api-error.js";
import { readJson } from "../../http/json-body.js";
import type { Services } from "../../../lib/services.js";
import { onboardingPath } from "../marketplace/redirect.js";
import { scriptJson, webFile } from "../marketplace/onboarding.js";
import { escapeHtml, messagePage, PAGE_HEADERS } from "../marketplace/page.js";
import { CABINET_STATUSES, cabinetAccess, cabinetPath } from "./access.js";
import { registerCabinetChatPanel } from "./chat-panel.js";

const FROM_YCLIENTS = "Откройте приложение Admin AI в маркетплейсе YClients: вход действует 12 часов.";

const ASSETS: Record<string, string> = {
  "cabinet.js": "text/javascript; charset=utf-8",
  "cabinet.css": "text/css; charset=utf-8",
};

/** A bad value from the owner: a 400 whose message (Russian) says what to enter. */
async function owner<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof SettingsError) throw new ApiError(400, "invalid_setting", err.message);
    if (err instanceof TestChatError) throw new ApiError(409, err.code, err.message);
    throw err;
  }
}

const SettingsChange = z.object({ section: z.enum(["notifications", "assistant", "outreach", "campaigns"], { error: "Неизвестный раздел настроек. Обновите страницу." }), patch: z.unknown() });
const TestChatBody = z.object({
  text: z.string({ error: "Напишите сообщение" }).trim().min(1, "Напишите сообщение").max(TEST_CHAT_LIMIT, `Сообщение длиннее ${TEST_CHAT_LIMIT} символов: сократите его`),
});
const TextBody = z.object({ kind: z.string(), text: z.string({ error: "Текст должен быть строкой" }).nullable() });

/**
 * The salon's cabinet (issue 17): the page /cabinet/:salonId (plain HTML/JS in web/) and its JSON API under
 * /cabinet/api/:salonId/*. Every call needs the signed-in session (lib/web-session) verified for the salon; every
 * change also its CSRF header. Only active and frozen salons have a cabinet; the others go to onboarding.
 */
export function registerCabinet(app: Hono, s: Services): void {
  app.get("/cabinet", async (c) => {
    const session = await readSession(c, s);
    if (!session || session.salonIds.length === 0) return messagePage(c, 401, "not_signed_in", "Войдите через YClients", FROM_YCLIENTS);
    return c.redirect(cabinetPath(session.salonIds[0]!), 302);
  });

  app.get("/cabinet/assets/:file", async (c) => {
    const type = ASSETS[c.req.param("file")];
    if (!type) return c.json({ error: { code: "not_found", message: "Нет такого файла" } }, 404);
    return c.body(await webFile(c.req.param("file")), 200, { "content-type": type, "cache-control": "public, max-age=300" });
  });

  app.get("/cabinet/:salonId{[0-9]+}", async (c) => {
    const session = await readSession(c, s);
    if (!session) return messagePage(c, 401, "not_signed_in", "Войдите через YClients", FROM_YCLIENTS);
    const salonId = Number(c.req.param("salonId"));
    if (!session.salonIds.includes(salonId)) {
      return messagePage(c, 403, "salon_not_allowed", "Нет доступа к этому салону",
        "YClients подтвердил ваш вход для других филиалов. Откройте приложение Admin AI из YClients для этого филиала.");
    }
    const salon = await getSalon(s.db, salonId);
    if (!salon || salon.status === "uninstalled") {
      return messagePage(c, 404, "salon_not_found", "Салон не найден", "Admin AI не подключён к этому салону. Установите приложение в маркетплейсе YClients.");
    }
    if (!CABINET_STATUSES.includes(salon.status)) return c.redirect(onboardingPath(salonId), 302);
    const salons = (await cabinetSalons(s.db, session.salonIds)).map((x) => ({
      id: x.salon_id, title: x.title ?? `Салон ${x.salon_id}`,
      href: CABINET_STATUSES.includes(x.status) ? cabinetPath(x.salon_id) : onboardingPath(x.salon_id),
    }));
    const title = salon.title ?? `Салон ${salonId}`;
    const config = { csrf: session.csrf, salonId, title, salons, api: `/cabinet/api/${salonId}`, onboardingUrl: onboardingPath(salonId) };
    const html = (await webFile("cabinet.html"))
      .replaceAll("{{SALON_TITLE}}", escapeHtml(title))
      .replace("{{CONFIG_JSON}}", scriptJson(config));
    return c.html(html, 200, {
      ...PAGE_HEADERS,
      "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'self' https://*.yclients.com https://yclients.com",
    });
  });

  const api = (path: string) => `/cabinet/api/:salonId{[0-9]+}${path}`;
  const noStore = (c: Context, body: unknown) => c.json(body, 200, { "cache-control": "no-store" });

  app.get(api("/overview"), async (c) => {
    const { salonId } = await cabinetAccess(c, s, false);
    return noStore(c, await salonOverview({ db: s.db, gateway: s.gateway, clock: s.clock, modelConfigured: s.config.gemini !== null }, salonId));
  });

  app.get(api("/settings"), async (c) => {
    const { salonId } = await cabinetAccess(c, s, false);
    const [settings, history] = await Promise.all([readSettings(s.db, salonId, s.config.bookingConfirmationDelaySec), settingsHistory(s.db, salonId)]);
    return noStore(c, { settings, history });
  });

  app.post(api("/settings"), async (c) => {
    const { salonId, session } = await cabinetAccess(c, s, true);
    const body = await readJson(c, SettingsChange);
    const settings = await owner(() => changeSettings(s.db, s.clock, { salonId, userId: session.userId, defaultDelaySec: s.config.bookingConfirmationDelaySec }, body.section, body.patch));
    s.log.info({ salonId, userId: session.userId, section: body.section, keys: Object.keys(body.patch as object) }, "cabinet: settings changed");
    return noStore(c, { settings, history: await settingsHistory(s.db, salonId) });
  });

  app.get(api("/texts"), async (c) => {
    const { salonId } = await cabinetAccess(c, s, false);
    return noStore(c, await salonTexts(s.db, salonId));
  });

  app.post(api("/texts/preview"), async (c) => {
    const { salonId } = await cabinetAccess(c, s, true);
    const body = await readJson(c, TextBody);
    return noStore(c, await owner(() => previewText(s.db, s.clock, salonId, parseKind(body.kind), body.text ?? "")));
  });

  app.post(api("/texts"), async (c) => {
    const { salonId, session } = await cabinetAccess(c, s, true);
    const body = await readJson(c, TextBody);
    await owner(() => saveText(s.db, s.clock, { salonId, userId: session.userId }, parseKind(body.kind), body.text));
    return noStore(c, await salonTexts(s.db, salonId));
  });

  app.get(api("/results"), async (c) => {
    const { salonId } = await cabinetAccess(c, s, false);
    const r = await salonResults(s.db, s.clock, salonId);
    return noStore(c, {
      timezone: r.timezone, days: r.days,
      charts: r.charts.map((ch) => ({ title: ch.title, html: chartHtml(ch, r.days) })),
      totals: Object.fromEntries(r.series.map((x) => [x.key, x.total])),
    });
  });

  app.get(api("/test-chat"), async (c) => {
    const { salonId, session } = await cabinetAccess(c, s, false);
    const messages = await testChatHistory(s, salonId, session.userId);
    return noStore(c, { enabled: assistantDeps(s).model !== null, messages: messages.map((m) => ({ direction: m.direction, text: m.text, at: m.created_at })) });
  });

  app.post(api("/test-chat"), async (c) => {
    const { salonId, session } = await cabinetAccess(c, s, true);
    const body = await readJson(c, TestChatBody);
    return noStore(c, await owner(() => testChatSend(assistantDeps(s), salonId, session.userId, body.text)));
  });

  registerCabinetChatPanel(app, s);
}
