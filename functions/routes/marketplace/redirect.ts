import { createHash } from "node:crypto";
import type { Hono } from "hono";
import { registerOne } from "../../../lib/marketplace/registration.js";
import { checkSalonAdmin, type SalonAdminCheck } from "../../../lib/marketplace/salon-admins.js";
import { admitRedirect, startOnboardingLink, type RedirectLimits } from "../../../lib/marketplace/trust-store.js";
import { verifyUserData } from "../../../lib/marketplace/user-data.js";
import { getSalon, type SalonStatus } from "../../../lib/salons/store.js";
import { clientIp } from "../../../lib/web-session/client-ip.js";
import { issueSession, readSession } from "../../../lib/web-session/index.js";
import type { Services } from "../../../lib/services.js";
import { CABINET_STATUSES, cabinetPath } from "../cabinet/access.js";
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

/**
 * A signed link (signature + salons) is honoured once per 15 minutes (again inside that only for its own user's
 * session); an address gets
 * 10 signed redirects per 10 minutes: a chain owner's few clicks pass, a loop that mints salons and YClients calls does not.
 */
export const REDIRECT_LIMITS: RedirectLimits = { replayWindowSec: 15 * 60, ipLimit: 10, ipWindowSec: 10 * 60 };

/** A salon whose WhatsApp is not live for clients yet: the owner's redirect wipes whatever was linked before. */
const NOT_YET_ACTIVE: SalonStatus[] = ["pending_whatsapp", "activation_failed"];

export const onboardingPath = (salonId: number) => `/marketplace/onboarding?salon_id=${salonId}`;

const AGAIN = "Вернитесь в маркетплейс YClients и нажмите «Подключить» ещё раз.";

/**
 * GET /auth/yclients/redirect: the salon owner arrives from «Подключить» in the YClients marketplace. The order is
 * the trust model (ARCHITECTURE.md, "Trust"): signed user_data → per-address budget and replay window → the user is an
 * administrator of each salon in YClients now → only then salon rows, a fresh onboarding link, a session. Every
 * refusal is an HTML page and writes no salon row and makes no YClients write.
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
        `В ссылке из YClients нет корректного номера филиала. ${AGAIN}`);
    }
    const userData = params.get("user_data");
    if (userData === null) {
      s.log.warn({ salonIds }, "registration redirect refused: no user_data");
      return messagePage(c, 403, "missing_user_data", "Ошибка безопасности",
        `YClients не передал данные пользователя, поэтому мы не можем подтвердить, что вы администратор салона. ${AGAIN}`);
    }
    const sign = params.get("user_data_sign") ?? undefined;
    const check = verifyUserData(partnerToken, userData, sign);
    if (!check.ok) {
      s.log.warn({ salonIds, reason: check.reason }, "registration redirect refused: user_data");
      if (check.reason === "malformed") {
        return messagePage(c, 400, "bad_user_data", "Некорректные данные подключения",
          "YClients передал данные пользователя в неожиданном виде. Попробуйте подключить приложение ещё раз.");
      }
      return messagePage(c, 403, check.reason, "Ошибка безопасности",
        `Подпись данных из YClients не прошла проверку, поэтому подключение остановлено. ${AGAIN}`);
    }
    const user = check.user;

    const session = await readSession(c, s);
    const admission = await admitRedirect(s.db, s.clock, {
      // The same user's signature is the same bytes for every salon: a link is the signature and its salons.
      signHash: createHash("sha256").update(`${sign!.trim().toLowerCase()}:${[...salonIds].sort((a, b) => a - b).join(",")}`).digest("hex"),
      userId: user.id,
      sessionUserId: session?.userId ?? null,
      ip: clientIp(c),
      limits: REDIRECT_LIMITS,
    });
    if (admission !== "ok") {
      s.log.warn({ salonIds, userId: user.id, admission }, "registration redirect refused");
      return admission === "rate_limited"
        ? messagePage(c, 429, "rate_limited", "Слишком много попыток", "С этого адреса было слишком много подключений подряд. Попробуйте через 10 минут.")
        : messagePage(c, 403, "link_used", "Ссылка уже использована",
            "Эта ссылка подключения уже была открыта. Откройте приложение Admin AI в маркетплейсе YClients в том же браузере, где начинали подключение, или попробуйте через 15 минут.");
    }

    const verdicts = new Map<number, SalonAdminCheck>();
    for (const salonId of salonIds) verdicts.set(salonId, await checkSalonAdmin(s.yclients, s.log, salonId, user.id));
    const allowed = salonIds.filter((id) => verdicts.get(id) === "admin");
    const refused = salonIds.filter((id) => verdicts.get(id) !== "admin");
    if (refused.length) s.log.warn({ userId: user.id, refused: refused.map((id) => [id, verdicts.get(id)]) }, "redirect: user is not an administrator of some salons");
    if (allowed.length === 0) {
      if ([...verdicts.values()].includes("unavailable")) {
        return messagePage(c, 503, "yclients_unavailable", "YClients не ответил",
          `Мы не смогли проверить ваши права в YClients. ${AGAIN.replace("ещё раз.", "ещё раз через пару минут.")}`);
      }
      return messagePage(c, 403, "not_salon_admin", "Нет прав администратора",
        "YClients не подтвердил, что вы администратор этого филиала (нужен доступ к разделу «Настройки»). Попросите владельца салона подключить Admin AI или выдать вам эти права.");
    }

    try {
      // The owner's own redirect starts a fresh link: whatever a not-yet-active salon had linked (perhaps through an
      // older token in someone else's hands) is logged out first; an active salon keeps its working WhatsApp.
      for (const salonId of allowed) {
        const existing = await getSalon(s.db, salonId);
        if (existing && NOT_YET_ACTIVE.includes(existing.status)) await s.gateway.logout(salonId);
      }
      for (const salonId of allowed) {
        await registerOne(s, salonId, user, check.raw);
        await startOnboardingLink(s.db, s.clock, salonId, user.id);
      }
    } catch (err) {
      s.log.error({ err, salonIds: allowed }, "marketplace registration failed");
      return messagePage(c, 503, "registration_failed", "Не удалось начать подключение",
        `У нас временная неполадка. ${AGAIN.replace("ещё раз.", "ещё раз через пару минут.")}`);
    }
    await issueSession(c, s, { userId: user.id, salonIds: allowed });
    s.log.info({ salonIds: allowed, userId: user.id }, "marketplace registration started");

    // A salon already working opens in its cabinet; one not yet active in its onboarding page.
    const rows = new Map((await Promise.all(allowed.map((id) => getSalon(s.db, id)))).map((r, i) => [allowed[i]!, r]));
    const landing = (id: number) => (CABINET_STATUSES.includes(rows.get(id)?.status ?? "") ? cabinetPath(id) : onboardingPath(id));
    if (allowed.length === 1 && refused.length === 0) return c.redirect(landing(allowed[0]!), 302);
    // Each branch links its own WhatsApp, so each gets its own onboarding page.
    const items = allowed
      .map((id) => `<li><a class="button" data-testid="salon-link-${id}" href="${escapeHtml(landing(id))}">${escapeHtml(rows.get(id)?.title ?? `Филиал ${id}`)}</a></li>`)
      .join("\n");
    const skipped = refused.length
      ? ` Ещё ${refused.length} из выбранных филиалов пропущены: YClients не подтвердил, что вы их администратор.`
      : "";
    return messagePage(c, 200, "choose_salon", "Подключите WhatsApp для каждого филиала",
      `Вы подключаете Admin AI к ${allowed.length} филиалам. У каждого филиала свой номер WhatsApp: откройте ссылки по очереди.${skipped}`,
      `<ul class="salon-list" data-testid="salon-list">${items}</ul>`);
  });
}
