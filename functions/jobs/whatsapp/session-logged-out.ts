import type { Hono } from "hono";
import { SESSION_LOGGED_OUT } from "../../../lib/jobs/whatsapp.js";
import { done } from "../../../lib/jobs/outcome.js";
import { CHANNEL_DOWN_GRACE_SEC } from "../../../lib/channel/availability.js";
import { publishAvailabilityCheck } from "../../../lib/jobs/channel.js";
import { setWhatsAppState } from "../../../lib/salons/store.js";
import type { Services } from "../../../lib/services.js";
import { onJob } from "../handle.js";

/**
 * The salon's phone logged the session out (401) or WhatsApp forbade it (403). The status stays: the owner re-links
 * through the same onboarding page (a new marketplace redirect), and sends fail meanwhile at the gateway.
 */
export function registerSessionLoggedOutJob(jobs: Hono, s: Services): void {
  onJob(jobs, s, SESSION_LOGGED_OUT, async (e) => {
    const state = e.code === 403 ? "forbidden" : "logged_out";
    const salon = await setWhatsAppState(s.db, s.clock, e.salonId, state, null, { code: e.code, at: e.timestamp });
    if (salon) s.log.warn({ salonId: e.salonId, code: e.code, status: salon.status }, "salon WhatsApp session logged out");
    // Still down after the grace period: YClients is told to use its other channels (lib/channel/availability.ts).
    if (salon) await publishAvailabilityCheck(s.dispatcher, e.salonId, `down:${e.timestamp}`, CHANNEL_DOWN_GRACE_SEC);
    return done({ status: salon ? "done" : "unknown_salon" });
  });
}
