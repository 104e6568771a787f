import type { Context } from "hono";
import { getSalon, type Salon } from "../../../lib/salons/store.js";
import { requireSession, type WebSession } from "../../../lib/web-session/index.js";
import { ApiError } from "../../../lib/http/api-error.js";
import type { Services } from "../../../lib/services.js";

/** Salons whose cabinet opens; the others still belong to the onboarding page. */
export const CABINET_STATUSES = ["active", "frozen"];

export const cabinetPath = (salonId: number) => `/cabinet/${salonId}`;

const RUSSIAN: Record<string, string> = {
  not_signed_in: "Вход не выполнен или истёк (он действует 12 часов). Откройте приложение Admin AI из YClients ещё раз.",
  salon_not_allowed: "Этот салон не из тех, для которых YClients подтвердил ваш вход. Откройте приложение Admin AI из YClients для этого филиала.",
  csrf_failed: "Страница устарела. Обновите её и повторите действие.",
};

/**
 * The session, verified for this salon (and carrying the CSRF header for a change): YClients confirmed the user as
 * the salon's administrator at sign-in, at most SESSION_TTL_SEC ago. Refusals are in Russian and say what to do.
 */
export async function cabinetAccess(c: Context, s: Services, change: boolean): Promise<{ session: WebSession; salonId: number; salon: Salon }> {
  const salonId = Number(c.req.param("salonId"));
  if (!Number.isSafeInteger(salonId) || salonId <= 0) throw new ApiError(404, "salon_not_found", "Такого салона нет. Откройте кабинет из YClients.");
  let session: WebSession;
  try {
    session = await requireSession(c, s, { salonId, csrf: change });
  } catch (err) {
    if (err instanceof ApiError && RUSSIAN[err.code]) throw new ApiError(err.status, err.code, RUSSIAN[err.code]!);
    throw err;
  }
  const salon = await getSalon(s.db, salonId);
  if (!salon) throw new ApiError(404, "salon_not_found", "Салон не найден. Откройте приложение Admin AI из YClients ещё раз.");
  if (!CABINET_STATUSES.includes(salon.status)) {
    throw new ApiError(409, "salon_not_active", "Салон ещё не подключён: сначала подключите WhatsApp на странице подключения.");
  }
  return { session, salonId, salon };
}
