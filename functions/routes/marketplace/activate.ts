import type { Hono } from "hono";
import { z } from "zod";
import { activateSalon, type ActivationRefusal } from "../../../lib/marketplace/activation.js";
import { onboardingLinkEpoch, verifyOnboardingToken } from "../../../lib/contract/onboarding-token.js";
import { checkSalonAdmin } from "../../../lib/marketplace/salon-admins.js";
import { requireSession } from "../../../lib/web-session/index.js";
import { ApiError } from "../../../lib/http/api-error.js";
import { readJson } from "../../http/json-body.js";
import type { Services } from "../../../lib/services.js";

const Body = z.object({ token: z.string().min(1).max(4096) });

const STATUS: Record<ActivationRefusal, ApiError["status"]> = {
  whatsapp_not_connected: 409,
  registration_expired: 410,
  not_registered: 404,
  not_allowed: 409,
  activation_failed: 503,
  gateway_unavailable: 503,
};

/**
 * POST /marketplace/activate {token}: the onboarding page calls it on `connected`, with the session cookie and its
 * `X-CSRF-Token`. The token must be of the salon's current onboarding link, and YClients must confirm, now, that the
 * session's user administers the salon (the answer names its WhatsApp number). 200 `{status:"active", …}`, or
 * `{error:{code,message}}` with the codes of `ActivationRefusal` (and token_expired / token_invalid / link_replaced,
 * not_signed_in / salon_not_allowed / csrf_failed / not_salon_admin / yclients_unavailable), which the page turns
 * into Russian.
 */
export function registerActivate(app: Hono, s: Services): void {
  app.post("/marketplace/activate", async (c) => {
    const { token } = await readJson(c, Body);
    const check = await verifyOnboardingToken(s.config.jwtSecret, token, s.clock.now());
    if (!check.ok) {
      throw check.reason === "expired"
        ? new ApiError(401, "token_expired", "The onboarding link has expired")
        : new ApiError(401, "token_invalid", "The onboarding token is not valid");
    }
    const session = await requireSession(c, s, { salonId: check.salonId, csrf: true });
    if ((await onboardingLinkEpoch(s.db, check.salonId)) !== check.epoch) {
      throw new ApiError(409, "link_replaced", "A newer onboarding link was opened for this salon");
    }
    const verdict = await checkSalonAdmin(s.yclients, s.log, check.salonId, session.userId);
    if (verdict === "unavailable") throw new ApiError(503, "yclients_unavailable", "YClients did not confirm the user's rights");
    if (verdict !== "admin") throw new ApiError(403, "not_salon_admin", "YClients does not list this user as the salon's administrator");
    const result = await activateSalon(s, check.salonId);
    if (!result.ok) throw new ApiError(STATUS[result.code], result.code, result.message);
    return c.json({
      status: "active",
      salonId: result.salon.salon_id,
      title: result.salon.title,
      whatsappPhone: result.salon.whatsapp_phone,
      alreadyActive: result.alreadyActive,
    });
  });
}
