import type { Hono } from "hono";
import { SESSION_CONNECTED } from "../../../lib/jobs/whatsapp.js";
import { done } from "../../../lib/jobs/outcome.js";
import { publishAvailabilityCheck } from "../../../lib/jobs/channel.js";
import { activateSalon } from "../../../lib/marketplace/activation.js";
import { noteRelink } from "../../../lib/marketplace/welcome.js";
import { getSalon, setWhatsAppState } from "../../../lib/salons/store.js";
import type { Services } from "../../../lib/services.js";
import { onJob } from "../handle.js";

/** A salon that linked WhatsApp but has not finished activation yet. */
const AWAITING_ACTIVATION = new Set(["pending_whatsapp", "activation_failed"]);

/**
 * The gateway linked (or re-linked) the salon's WhatsApp. The state is recorded, and a salon still waiting for its
 * activation is activated here too: the page activates on `connected`, but an owner who went to the phone to scan or
 * type the code may never come back to it, and the salon would stay linked yet silent. Activation is one callback
 * however many callers race (lib/marketplace/activation.ts). An active salon that re-linked after a logout carries on,
 * and its owner gets the welcome again (`noteRelink`, decided on the salon as it was before this event).
 */
export function registerSessionConnectedJob(jobs: Hono, s: Services): void {
  onJob(jobs, s, SESSION_CONNECTED, async (e) => {
    const before = await getSalon(s.db, e.salonId);
    if (!before) return done({ status: "unknown_salon" });
    await noteRelink(s, before, { linkedAt: e.timestamp, phone: e.phone });
    const salon = await setWhatsAppState(s.db, s.clock, e.salonId, "connected", e.phone, { phone: e.phone, at: e.timestamp });
    if (!salon) return done({ status: "unknown_salon" });
    // Back after a logout that switched the channel off: YClients may route WhatsApp to us again.
    await publishAvailabilityCheck(s.dispatcher, e.salonId, `up:${e.timestamp}`, 0);
    if (!AWAITING_ACTIVATION.has(salon.status)) return done({ status: "done" });
    const activation = await activateSalon(s, e.salonId);
    if (!activation.ok) s.log.warn({ salonId: e.salonId, code: activation.code }, "activation after the WhatsApp link did not go through");
    return done({ status: "done", activation: activation.ok ? "active" : activation.code });
  });
}
