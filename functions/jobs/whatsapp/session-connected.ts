import type { Hono } from "hono";
import { SessionConnected, WHATSAPP_EVENT_PATHS } from "../../../lib/gateway/events.js";
import { setWhatsAppState } from "../../../lib/salons/store.js";
import type { Services } from "../../services.js";
import { jobBody } from "../marketplace/respond.js";

/**
 * The gateway linked (or re-linked) the salon's WhatsApp. Only the state is recorded: activation asks the gateway
 * itself, and an active salon that re-linked simply carries on.
 */
export function registerSessionConnectedJob(jobs: Hono, s: Services): void {
  jobs.post(WHATSAPP_EVENT_PATHS["session.connected"].replace(/^\/jobs/, ""), async (c) => {
    const parsed = await jobBody(c, SessionConnected);
    if (!parsed.ok) return parsed.res;
    const e = parsed.body;
    const salon = await setWhatsAppState(s.db, s.clock, e.salonId, "connected", e.phone, { phone: e.phone, at: e.timestamp });
    return c.json({ status: salon ? "done" : "unknown_salon" });
  });
}
