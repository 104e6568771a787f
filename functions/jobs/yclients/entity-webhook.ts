import type { Hono } from "hono";
import { processRecordUpdates } from "../../../lib/bookings/process-records.js";
import { EntityWebhookJob, MARKETPLACE_JOB_PATHS } from "../../../lib/marketplace/jobs.js";
import { applyEntityUpdate } from "../../../lib/marketplace/entity-updates.js";
import { acceptsWork, getSalon } from "../../../lib/salons/store.js";
import type { YcRecord } from "../../../lib/yclients/types.js";
import type { Services } from "../../../lib/services.js";
import { jobBody, permanentFailure } from "../job-body.js";

/**
 * One YClients entity event. Records go to the booking-notification logic the moment they arrive; clients, services
 * and staff update the synced data. Both paths compare with what is stored, so a redelivery changes nothing twice.
 */
export function registerEntityWebhookJob(jobs: Hono, s: Services): void {
  jobs.post(MARKETPLACE_JOB_PATHS.entityWebhook.replace(/^\/jobs/, ""), async (c) => {
    const parsed = await jobBody(c, EntityWebhookJob);
    if (!parsed.ok) return parsed.res;
    const job = parsed.body;
    const salon = await getSalon(s.db, job.salonId);
    if (!acceptsWork(salon, "entity-webhook")) {
      return c.json({ status: "skipped", reason: `salon ${salon?.status ?? "unknown"}` });
    }
    if (job.resource === "record") {
      const record = { ...job.data, id: job.resourceId, ...(job.status === "delete" ? { deleted: true } : {}) } as unknown as YcRecord;
      const result = await processRecordUpdates(s, job.salonId, [record], { source: "webhook" });
      return c.json({ status: "done", notifications: result.notifications.length });
    }
    const outcome = await applyEntityUpdate(s, job);
    if (!outcome.ok) return permanentFailure(c, "not_supported", outcome.message);
    return c.json({ status: "done", applied: outcome.applied });
  });
}
