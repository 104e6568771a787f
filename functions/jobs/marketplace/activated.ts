import type { Hono } from "hono";
import { GatewayError } from "../../../lib/gateway/client.js";
import { ActivatedJob, MARKETPLACE_JOB_PATHS } from "../../../lib/marketplace/jobs.js";
import { requestFullSync } from "../../../lib/marketplace/full-sync.js";
import { welcomeIdempotencyKey, welcomeText } from "../../../lib/marketplace/welcome.js";
import { acceptsWork, addMarketplaceEvent, claimSalonEvent, getSalon } from "../../../lib/salons/store.js";
import type { Services } from "../../../lib/services.js";
import { jobBody, permanentFailure } from "../job-body.js";

/**
 * After activation: the first full sync of the salon, and the welcome message to the salon's own WhatsApp. The sync
 * publish is deduplicated per salon and activation; the welcome is sent once per activation (the gateway keeps the
 * first send under the idempotency key, and `event_claim` keeps the event log to one `welcome_sent`).
 */
export function registerActivatedJob(jobs: Hono, s: Services): void {
  jobs.post(MARKETPLACE_JOB_PATHS.activated.replace(/^\/jobs/, ""), async (c) => {
    const parsed = await jobBody(c, ActivatedJob);
    if (!parsed.ok) return parsed.res;
    const { salonId } = parsed.body;
    const salon = await getSalon(s.db, salonId);
    if (!salon || !acceptsWork(salon, "send")) return c.json({ status: "skipped", reason: `salon ${salon?.status ?? "unknown"}` });

    const activatedAtMs = Date.parse(salon.activated_at ?? "") || 0;
    await requestFullSync(s, salonId, `activated:${activatedAtMs}`);

    if (!salon.whatsapp_phone) return permanentFailure(c, "no_phone", "the salon's WhatsApp number is not known");
    try {
      const sent = await s.gateway.sendText(salonId, {
        to: salon.whatsapp_phone,
        text: welcomeText(salon.whatsapp_phone),
        idempotencyKey: welcomeIdempotencyKey(salonId, activatedAtMs),
      });
      if (await claimSalonEvent(s.db, salonId, `welcome_sent:${activatedAtMs}`)) {
        await addMarketplaceEvent(s.db, salonId, "welcome_sent", { message_id: sent.messageId });
      }
      return c.json({ status: "done", messageId: sent.messageId });
    } catch (err) {
      if (err instanceof GatewayError && !err.retryable) {
        s.log.warn({ salonId, code: err.code }, "welcome message refused by the gateway");
        return permanentFailure(c, err.code, err.message);
      }
      throw err;
    }
  });
}
