import type { Hono } from "hono";
import { z } from "zod";
import { ApiError } from "../../../lib/http/api-error.js";
import { ForgetError, forgetClient } from "../../../lib/outreach/forget.js";
import { outreachStatus, resumeOutreach } from "../../../lib/outreach/offer.js";
import type { Services } from "../../../lib/services.js";
import { readJson } from "../../http/json-body.js";
import { cabinetAccess } from "./access.js";

const ForgetBody = z.object({ phone: z.string({ error: "Укажите номер клиента" }).min(1, "Укажите номер клиента").max(64) });

/**
 * The cabinet's proactive-messages part (lib/outreach): their state (stopped by a 463, queued, sent today, clients
 * who opted out), resuming them once the owner has seen WhatsApp's restriction, and removing a client's data.
 */
export function registerCabinetOutreach(app: Hono, s: Services): void {
  const api = (path: string) => `/cabinet/api/:salonId{[0-9]+}${path}`;
  const noStore = { "cache-control": "no-store" };

  app.get(api("/outreach"), async (c) => {
    const { salonId } = await cabinetAccess(c, s, false);
    return c.json(await outreachStatus(s, salonId), 200, noStore);
  });

  app.post(api("/outreach/resume"), async (c) => {
    const { salonId, session } = await cabinetAccess(c, s, true);
    await resumeOutreach(s, salonId);
    s.log.info({ salonId, userId: session.userId }, "cabinet: proactive messages resumed after a WhatsApp restriction");
    return c.json(await outreachStatus(s, salonId), 200, noStore);
  });

  app.post(api("/clients/forget"), async (c) => {
    const { salonId } = await cabinetAccess(c, s, true);
    const body = await readJson(c, ForgetBody);
    try {
      return c.json(await forgetClient(s, salonId, body.phone), 200, noStore);
    } catch (err) {
      if (err instanceof ForgetError) throw new ApiError(400, "invalid_phone", err.message);
      throw err;
    }
  });
}
