import type { Hono } from "hono";
import { SessionConnected, WHATSAPP_EVENT_PATHS } from "../../../lib/contract/events.js";
import { publishAvailabilityCheck } from "../../../lib/channel/jobs.js";
import { activateSalon } from "../../../lib/marketplace/activation.js";
import { setWhatsAppState } from "../../../lib/salons/store.js";
import type { Services } from "../../../lib/services.js";
import { jobBody } from "../job-body.js";

/** A salon that linked WhatsApp but has not finished activation yet. */
const AWAITING_ACTIVATION = new Set(["pending_whatsapp", "activation_failed"]);

/**
 * The gateway linked (or re-linked) the salon's WhatsApp. The state is recorded, and a salon still waiting for its
 * activation is activated here too: the page activates on `connected`, but an owner who went to the phone to scan or
 * type the code may never come back to it, and the salon would stay linked yet silent. Activation is one callback
 * however many callers race (lib/marketplace/activation.ts), and an active salon that re-linked simply carries on.
 */
export function registerSessionConnectedJob(jobs: Hono, s: Services): void {
  jobs.post(WHATSAPP_EVENT_PATHS["session.connected"].replace(/^\/jobs/, ""), async (c) => {
    const parsed = await jobBody(c, SessionConnected);
    if (!parsed.ok) return parsed.res;
    const e = parsed.body;
    const salon = await setWhatsAppState(s.db, s.clock, e.salonId, "connected", e.phone, { phone: e.phone, at: e.timestamp });
    if (!salon) return c.json({ status: "unknown_salon" });
    // Back after a logout that switched the channel off: YClients may route WhatsApp to us again.
    await publishAvailabilityCheck(s.dispatcher, e.salonId, `up:${e.timestamp}`, 0);
    if (!AWAITING_ACTIVATION.has(salon.status)) return c.json({ status: "done" });
    const activation = await activateSalon(s, e.salonId);
    if (!activation.ok) s.log.warn({ salonId: e.salonId, code: activation.code }, "activation after the WhatsApp link did not go through");
    return c.json({ status: "done", activation: activation.ok ? "active" : activation.code });
  });
}
