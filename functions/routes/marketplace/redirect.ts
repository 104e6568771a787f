import type { Hono } from "hono";
import { registerOne, type RegisteredSalon } from "../../../lib/marketplace/registration.js";
import { verifyUserData, type MarketplaceUser } from "../../../lib/marketplace/user-data.js";
import type { Services } from "../../services.js";
import { escapeHtml, messagePage } from "./page.js";

/** YClients sends the id as `salon_id`, or several as `salon_ids[]=…` (also seen as `salon_ids[0]=…`). */
export function parseSalonIds(params: URLSearchParams): number[] | null {
  const raw: string[] = [];
  for (const [key, value] of params) {
    if (key === "salon_id" || /^salon_ids\[\d*\]$/.test(key)) raw.push(value);
  }
  if (raw.length === 0 || raw.length > 100) return null;
  const ids: number[] = [];
  for (const v of raw) {
    if (!/^\d{1,15}$/.test(v.trim())) return null;
    const id = Number(v.trim());
    if (!Number.isSafeInteger(id) || id <= 0) return null;
    if (!ids.includes(id)) ids.push(id);
  }
  return ids;
}

const onboardingPath = (token: string) => `/marketplace/onboarding?token=${encodeURIComponent(token)}`;

/**
 * GET /auth/yclients/redirect: the salon owner arrives from «Подключить» in the YClients marketplace. Every refusal
 * is an HTML page (the owner's browser is on the other end) and happens before anything is written.
 */
export function registerRedirect(app: Hono, s: Services): void {
  app.get("/auth/yclients/redirect", async (c) => {
    const partnerToken = s.config.yclients.partnerToken;
    if (!partnerToken) {
      s.log.error("registration redirect refused: YCLIENTS_PARTNER_TOKEN is not configured");
      return messagePage(c, 503, "not_configured", "Подключение временно недоступно",
        "Сервис ещё не настроен для приёма подключений из YClients. Попробуйте позже или напишите в поддержку.");
    }
    const params = new URL(c.req.url).searchParams;
    const salonIds = parseSalonIds(params);
    if (!salonIds) {
      return messagePage(c, 400, "bad_salon_id", "Не удалось определить салон",
        "В ссылке из YClients нет корректного номера филиала. Вернитесь в маркетплейс YClients и нажмите «Подключить» ещё раз.");
    }
    let user: MarketplaceUser | null = null;
    let rawUser: Record<string, unknown> | null = null;
    const userData = params.get("user_data");
    if (userData !== null) {
      const check = verifyUserData(partnerToken, userData, params.get("user_data_sign") ?? undefined);
      if (!check.ok) {
        s.log.warn({ salonIds, reason: check.reason }, "registration redirect refused: user_data signature");
        if (check.reason === "malformed") {
          return messagePage(c, 400, "bad_user_data", "Некорректные данные подключения",
            "YClients передал данные пользователя в неожиданном виде. Попробуйте подключить приложение ещё раз.");
        }
        return messagePage(c, 403, check.reason, "Ошибка безопасности",
          "Подпись данных из YClients не прошла проверку, поэтому подключение остановлено. Откройте приложение в маркетплейсе YClients заново и нажмите «Подключить».");
      }
      user = check.user;
      rawUser = check.raw;
    }

    const registered: RegisteredSalon[] = [];
    try {
      for (const salonId of salonIds) registered.push(await registerOne(s, salonId, user, rawUser));
    } catch (err) {
      s.log.error({ err, salonIds }, "marketplace registration failed");
      return messagePage(c, 503, "registration_failed", "Не удалось начать подключение",
        "У нас временная неполадка. Вернитесь в маркетплейс YClients и нажмите «Подключить» ещё раз через пару минут.");
    }
    s.log.info({ salonIds }, "marketplace registration started");

    if (registered.length === 1) return c.redirect(onboardingPath(registered[0]!.token), 302);
    // Each branch links its own WhatsApp, so each gets its own onboarding page.
    const items = registered
      .map((r) => `<li><a class="button" data-testid="salon-link-${r.salon.salon_id}" href="${escapeHtml(onboardingPath(r.token))}">${escapeHtml(r.salon.title ?? `Филиал ${r.salon.salon_id}`)}</a></li>`)
      .join("\n");
    return messagePage(c, 200, "choose_salon", "Подключите WhatsApp для каждого филиала",
      `Вы подключаете Admin AI к ${registered.length} филиалам. У каждого филиала свой номер WhatsApp: откройте ссылки по очереди.`,
      `<ul class="salon-list" data-testid="salon-list">${items}</ul>`);
  });
}
